import Foundation
import NimpCore

/// Where everything lives inside a registry directory (README, "The registry").
///
/// ```
/// REGISTRY/config.json  history.jsonl  signals.json  lock  data/
/// REGISTRY/history/YYYY-MM.NNN.jsonl.gz  state/history.json
/// REGISTRY/models/ID/{model.json, champion, champion.log, versions/{vNNNN.nimp, index.jsonl}}
/// ```
public struct RegistryLayout: Sendable, Equatable {
    /// The registry directory, as given (relative paths stay relative in messages).
    public let root: String

    public init(root: String) {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
    }

    public var config: String { root + "/config.json" }
    public var history: String { root + "/history.jsonl" }
    /// Older segments of history.
    public var historySegments: String { root + "/history" }
    /// What a cycle needs from history, kept up to date so that no cycle reads history.
    public var state: String { root + "/state" }
    public var historySummary: String { state + "/history.json" }
    public var signals: String { root + "/signals.json" }
    public var lock: String { root + "/lock" }
    public var data: String { root + "/data" }
    public var models: String { root + "/models" }

    public func model(_ id: String) -> String { models + "/" + id }
    public func spec(_ id: String) -> String { model(id) + "/model.json" }
    public func champion(_ id: String) -> String { model(id) + "/champion" }
    public func championLog(_ id: String) -> String { model(id) + "/champion.log" }
    public func versions(_ id: String) -> String { model(id) + "/versions" }
    public func versionIndex(_ id: String) -> String { versions(id) + "/index.jsonl" }
    public func archive(_ id: String, _ version: Int) -> String { versions(id) + "/" + VersionName.file(version) }

    /// A path inside the registry as written in model.json (`data/…`), made usable.
    public func resolve(_ relative: String) -> String {
        relative.hasPrefix("/") ? relative : root + "/" + relative
    }

    /// Every directory a writer may leave temporaries in.
    public func writableDirectories(models ids: [String]) -> [String] {
        [root, data, models, historySegments, state] + ids.flatMap { [model($0), versions($0)] }
    }
}

/// Version numbers and their file names: 7 ⇄ `v0007.nimp`.
public enum VersionName {
    public static func file(_ version: Int) -> String { label(version) + ".nimp" }

    /// `v0007`: what `champion` holds and what messages show.
    public static func label(_ version: Int) -> String {
        "v" + zeroPadded(version, 4)
    }

    /// Parses `v0007.nimp`; nil for any other name.
    public static func parseFile(_ name: String) -> Int? {
        guard name.hasSuffix(".nimp") else { return nil }
        return parse(String(name.dropLast(5)), strict: true)
    }

    /// Parses `7`, `v7` or `v0007`. `strict` requires the `vNNNN` form.
    public static func parse(_ text: String, strict: Bool = false) -> Int? {
        var digits = Substring(text)
        if digits.first == "v" { digits = digits.dropFirst() } else if strict { return nil }
        if strict && digits.count < 4 { return nil }
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy(\.isASCIIDigitCharacter), let n = Int(digits), n >= 1 else { return nil }
        return n
    }
}

/// Model ids are directory names: 1–64 characters from `A-Z a-z 0-9 . _ -`, starting
/// with a letter or digit, so they are safe in paths, shells and Prometheus labels.
public enum ModelID {
    public static let maxLength = 64

    /// Nil when `id` is valid, else what is wrong with it.
    public static func problem(_ id: String) -> String? {
        if id.isEmpty { return "a model id cannot be empty" }
        if id.utf8.count > maxLength { return "a model id has at most \(maxLength) characters" }
        guard let first = id.unicodeScalars.first, first.isASCIIAlphanumeric else {
            return "a model id starts with a letter or a digit"
        }
        guard id.unicodeScalars.allSatisfy({ $0.isASCIIAlphanumeric || $0 == "." || $0 == "_" || $0 == "-" }) else {
            return "a model id has only letters, digits, '.', '_' and '-'"
        }
        return nil
    }

    /// Throws exit 64 for an invalid id.
    public static func validate(_ id: String) throws {
        if let problem = problem(id) {
            throw NimpError.usage("invalid model id \(String(reflecting: id)): \(problem)")
        }
    }
}

extension Character {
    var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}

extension Unicode.Scalar {
    var isASCIIAlphanumeric: Bool {
        ("a"..."z").contains(self) || ("A"..."Z").contains(self) || ("0"..."9").contains(self)
    }
}
