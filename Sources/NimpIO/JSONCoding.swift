import Foundation
import NimpCore

/// How nimp reads and writes JSON: one strict reader for untrusted bytes, one writer
/// setup, one way of explaining a value of the wrong shape.
///
/// Writing: keys sorted so the same value always gives the same bytes, slashes not
/// escaped, and NaN or infinity written as `null` (JSON has neither; `jq` and Python's
/// `json` both read null).
public enum JSONCoding {
    /// The encoder every writer uses; values go through `JSONValue(encoding:)` first, so
    /// non-finite numbers are already null when it sees them.
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    /// Compact JSON, no trailing newline: the bytes `encoder()` writes (a test holds the
    /// two together), without the cost of its Codable containers, which was a tenth of
    /// `registry list`.
    public static func data(_ value: some Encodable) throws -> Data {
        Data(try bytes(value))
    }

    /// One line, no trailing newline.
    public static func line(_ value: some Encodable) throws -> String {
        String(decoding: try bytes(value), as: UTF8.self)
    }

    private static func bytes(_ value: some Encodable) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        CompactWriter.write(try JSONValue(encoding: value), into: &out)
        return out
    }

    /// Indented, with a trailing newline: for files people edit.
    public static func pretty(_ value: some Encodable) throws -> Data {
        var data = try encoder(pretty: true).encode(try JSONValue(encoding: value))
        data.append(0x0A)
        return data
    }

    // MARK: Reading

    /// Parses untrusted bytes strictly (see `JSONParser`). A failure is exit 65 naming
    /// `file`, the byte (after `place`, e.g. "line 3", when given) and what is wrong.
    public static func parse(_ data: Data, file: String, place: String? = nil) throws -> JSONValue {
        do {
            return try JSONParser.parse(data)
        } catch let error as JSONSyntaxError {
            let at = "byte \(error.offset)"
            throw NimpError.data(file, place.map { "\($0), \(at)" } ?? at, error.explanation)
        }
    }

    /// `parse`, requiring an object at the top.
    public static func parseObject(_ data: Data, file: String, place: String? = nil) throws -> JSONObject {
        let value = try parse(data, file: file, place: place)
        guard case .object(let o) = value else {
            throw NimpError.data(file, place, "is \(value.summary), expected a JSON object")
        }
        return o
    }

    /// Decodes a JSON object file into `type`: strictly parsed first, then any shape
    /// problem explained by `explain` (exit 65 naming `file` and the key).
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data, file: String, hint: String? = nil) throws -> T {
        let value = JSONValue.object(try parseObject(data, file: file))
        return try decodeChecked(type, from: value, file: file, hint: hint)
    }

    /// Decodes a value already read (a member of a larger file); `path` is its key path,
    /// e.g. `genome`, so messages name the key inside the file.
    public static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue, file: String, path: String, hint: String? = nil) throws -> T {
        try decodeChecked(type, from: value, file: file, path: path, hint: hint)
    }

    /// Decodes a value `parse` accepted. `place` is where the JSON sits in
    /// `file` when it is not the whole file (e.g. `__metadata__ key "schema"`).
    public static func decodeChecked<T: Decodable>(_ type: T.Type, from value: JSONValue, file: String,
                                                   place: String? = nil, path: String = "", hint: String? = nil) throws -> T {
        do {
            return try JSONValueDecoder.decode(type, from: value)
        } catch let error as DecodingError {
            let (key, what) = explain(error, in: value, path: path)
            let at = [place, key].compactMap { $0 }
            throw NimpError.data(file, at.isEmpty ? nil : at.joined(separator: ", "), what, hint: hint)
        }
    }

    /// A DecodingError as a place (`key "a.b[0]"`, nil for the whole value) and what was
    /// expected, with what `value` holds there.
    public static func explain(_ error: DecodingError, in value: JSONValue? = nil, path base: String = "") -> (place: String?, what: String) {
        func place(_ keys: [CodingKey]) -> String? {
            var text = base
            for key in keys {
                if let i = key.intValue { text += "[\(i)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
            return text.isEmpty ? nil : "key \"\(text)\""
        }
        func found(_ keys: [CodingKey]) -> String {
            var v = value
            for key in keys {
                if let i = key.intValue, let a = v?.array { v = i < a.count ? a[i] : nil } else { v = v?[key.stringValue] }
            }
            return v.map { ", found \($0.summary)" } ?? ""
        }
        switch error {
        case .keyNotFound(let key, let ctx): return (place(ctx.codingPath + [key]), "missing")
        case .typeMismatch(let type, let ctx): return (place(ctx.codingPath), "expected \(typeName(type))" + found(ctx.codingPath))
        case .valueNotFound(let type, let ctx): return (place(ctx.codingPath), "expected \(typeName(type)), found null")
        case .dataCorrupted(let ctx):
            let what = ctx.codingPath.isEmpty && ctx.underlyingError != nil ? "not valid JSON" : ctx.debugDescription
            return (place(ctx.codingPath), what)
        @unknown default: return (place([]), "\(error)")
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is Int.Type, is Int32.Type, is Int64.Type: return "an integer"
        case is UInt64.Type, is UInt32.Type, is UInt.Type: return "a non-negative integer"
        case is Double.Type, is Float.Type: return "a number"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return name
        }
    }
}

// MARK: Encodable → JSONValue

extension JSONValue {
    /// `value` as JSON, as `JSONEncoder` would write it but keeping the encoding order;
    /// non-finite numbers become null.
    public init(encoding value: some Encodable) throws {
        if let v = value as? JSONValue {
            self = v
            return
        }
        let node = EncodingNode()
        try node.encode(value, path: [])
        self = node.finish()
    }
}

/// A value under construction: a leaf, or an object or array of further nodes.
private final class EncodingNode {
    var leaf: JSONValue = .null
    var members: [(String, EncodingNode)]?
    var elements: [EncodingNode]?

    func finish() -> JSONValue {
        if let members {
            var o = JSONObject()
            for (k, node) in members { o[k] = node.finish() }
            return .object(o)
        }
        if let elements { return .array(elements.map { $0.finish() }) }
        return leaf
    }

    func member(_ key: String) -> EncodingNode {
        let node = EncodingNode()
        if members == nil { members = [] }
        members!.append((key, node))
        return node
    }

    func element() -> EncodingNode {
        let node = EncodingNode()
        if elements == nil { elements = [] }
        elements!.append(node)
        return node
    }

    func encode<T: Encodable>(_ value: T, path: [CodingKey]) throws {
        switch value {
        case let v as JSONValue: leaf = v
        case let v as Bool: leaf = .bool(v)
        case let v as String: leaf = .string(v)
        case let v as Double: leaf = v.isFinite ? .number(v) : .null
        // Via its shortest text, so 0.1 as a Float is written 0.1, not 0.10000000149011612.
        case let v as Float: leaf = v.isFinite ? .number(Double(v.description) ?? Double(v)) : .null
        case let v as any BinaryInteger:
            if let i = Int(exactly: v) { leaf = .int(i) } else if let u = UInt64(exactly: v) { leaf = .unsigned(u) } else { leaf = .number(Double(v)) }
        case let v as Data: leaf = .string(v.base64EncodedString())
        case let v as URL: leaf = .string(v.absoluteString)
        default: try value.encode(to: NodeEncoder(node: self, codingPath: path))
        }
    }
}

private struct NodeEncoder: Encoder {
    let node: EncodingNode
    let codingPath: [CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if node.members == nil { node.members = [] }
        return KeyedEncodingContainer(KeyedNodeContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> UnkeyedEncodingContainer {
        if node.elements == nil { node.elements = [] }
        return UnkeyedNodeContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> SingleValueEncodingContainer {
        SingleNodeContainer(node: node, codingPath: codingPath)
    }
}

private struct KeyedNodeContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: EncodingNode
    let codingPath: [CodingKey]

    mutating func encodeNil(forKey key: Key) throws { node.member(key.stringValue).leaf = .null }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try node.member(key.stringValue).encode(value, path: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        NodeEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
        NodeEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> Encoder {
        NodeEncoder(node: node.member("super"), codingPath: codingPath + [JSONKey("super")])
    }

    mutating func superEncoder(forKey key: Key) -> Encoder {
        NodeEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key])
    }
}

private struct UnkeyedNodeContainer: UnkeyedEncodingContainer {
    let node: EncodingNode
    let codingPath: [CodingKey]
    var count: Int { node.elements?.count ?? 0 }
    private var nextPath: [CodingKey] { codingPath + [JSONKey(intValue: count)] }

    mutating func encodeNil() throws { node.element().leaf = .null }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let path = nextPath
        try node.element().encode(value, path: path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let path = nextPath
        return NodeEncoder(node: node.element(), codingPath: path).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer {
        let path = nextPath
        return NodeEncoder(node: node.element(), codingPath: path).unkeyedContainer()
    }

    mutating func superEncoder() -> Encoder {
        let path = nextPath
        return NodeEncoder(node: node.element(), codingPath: path)
    }
}

private struct SingleNodeContainer: SingleValueEncodingContainer {
    let node: EncodingNode
    let codingPath: [CodingKey]

    mutating func encodeNil() throws { node.leaf = .null }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try node.encode(value, path: codingPath)
    }
}

/// Compact JSON as Foundation's `JSONEncoder` writes it with sorted keys and unescaped
/// slashes: keys in `String` order, numbers as `description` without a trailing ".0",
/// non-finite numbers as null, control characters escaped.
enum CompactWriter {
    static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: out += "null".utf8
        case .bool(let b): out += (b ? "true" : "false").utf8
        case .int(let i): out += String(i).utf8
        case .unsigned(let u): out += String(u).utf8
        case .number(let d):
            guard d.isFinite else { out += "null".utf8; return }
            let text = d.description
            out += text.hasSuffix(".0") ? text.dropLast(2).utf8 : text[...].utf8
        case .string(let s): string(s, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (i, e) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(e, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            for (n, i) in o.keys.indices.sorted(by: { o.keys[$0] < o.keys[$1] }).enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                string(o.keys[i], into: &out)
                out.append(UInt8(ascii: ":"))
                write(o.values[i], into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static let hex = Array("0123456789abcdef".utf8)

    static func string(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += #"\""#.utf8
            case UInt8(ascii: "\\"): out += #"\\"#.utf8
            case 0x0A: out += #"\n"#.utf8
            case 0x0D: out += #"\r"#.utf8
            case 0x09: out += #"\t"#.utf8
            case 0x08: out += #"\b"#.utf8
            case 0x0C: out += #"\f"#.utf8
            case 0..<0x20: out += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
