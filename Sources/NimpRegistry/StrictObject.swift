import Foundation
import NimpCore
import NimpIO

/// Reads a JSON object field by field and rejects keys nobody asked for, so a typo in
/// a hand-edited file is an error that names the key instead of a silent default.
public struct StrictObject {
    public let object: JSONObject
    public let file: String
    /// The key path of this object inside the file, e.g. `data.eval`.
    public let path: String
    private var used: Set<String> = []

    public init(_ value: JSONValue, file: String, path: String = "") throws {
        guard let object = value.members else {
            throw NimpError.data(file, path.isEmpty ? nil : "key \"\(path)\"", "expected a JSON object")
        }
        self.object = object
        self.file = file
        self.path = path
    }

    public func place(_ key: String) -> String { "key \"" + (path.isEmpty ? key : path + "." + key) + "\"" }

    public func fail(_ key: String, _ what: String) -> NimpError {
        NimpError.data(file, place(key), what)
    }

    public mutating func value(_ key: String) -> JSONValue? {
        used.insert(key)
        guard let v = object[key], v != .null else { return nil }
        return v
    }

    public mutating func string(_ key: String) throws -> String? {
        guard let v = value(key) else { return nil }
        guard let s = v.string else { throw fail(key, "expected a string") }
        return s
    }

    public mutating func requiredString(_ key: String) throws -> String {
        guard let s = try string(key) else { throw fail(key, "missing") }
        return s
    }

    public mutating func int(_ key: String) throws -> Int? {
        guard let v = value(key) else { return nil }
        guard let i = v.int else { throw fail(key, "expected an integer") }
        return i
    }

    public mutating func strings(_ key: String) throws -> [String]? {
        guard let v = value(key) else { return nil }
        if let s = v.string { return [s] }
        guard let a = v.array, let strings = Optional(a.compactMap(\.string)), strings.count == a.count else {
            throw fail(key, "expected a string or an array of strings")
        }
        return strings
    }

    /// An object of numbers, e.g. targets; `allowed` restricts its keys.
    public mutating func numbers(_ key: String, allowed: Set<String>? = nil) throws -> [String: Double]? {
        guard let v = value(key) else { return nil }
        guard let o = v.object else { throw fail(key, "expected an object of numbers") }
        var result: [String: Double] = [:]
        for (name, value) in o {
            let inner = (path.isEmpty ? key : path + "." + key) + "." + name
            if let allowed, !allowed.contains(name) {
                throw NimpError.data(file, "key \"\(inner)\"", "unknown name; expected one of " + allowed.sorted().joined(separator: ", "))
            }
            guard let x = value.double, x.isFinite else { throw NimpError.data(file, "key \"\(inner)\"", "expected a finite number") }
            result[name] = x
        }
        return result
    }

    public mutating func double(_ key: String) throws -> Double? {
        guard let v = value(key) else { return nil }
        guard let x = v.double, x.isFinite else { throw fail(key, "expected a finite number") }
        return x
    }

    public mutating func bool(_ key: String) throws -> Bool? {
        guard let v = value(key) else { return nil }
        guard let b = v.bool else { throw fail(key, "expected true or false") }
        return b
    }

    public mutating func object(_ key: String) throws -> StrictObject? {
        guard let v = value(key) else { return nil }
        return try StrictObject(v, file: file, path: path.isEmpty ? key : path + "." + key)
    }

    /// Throws for the first key that was never read.
    public func finish() throws {
        if let unknown = object.keys.sorted().first(where: { !used.contains($0) }) {
            let known = used.sorted()
            let nearest = known.min { editDistance($0, unknown) < editDistance($1, unknown) }
            let guess = nearest.flatMap { editDistance($0, unknown) <= 3 ? "did you mean \"\($0)\"? " : nil } ?? ""
            throw NimpError.data(file, place(unknown), "unknown key", hint: guess + "known keys here: " + known.joined(separator: ", "))
        }
    }
}
