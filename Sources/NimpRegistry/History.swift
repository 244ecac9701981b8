import Foundation
import NimpCore
import NimpIO

/// What a history line records. Open-ended: the cycle adds its own kinds.
public struct HistoryKind: RawRepresentable, Hashable, Sendable, Codable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public init(from decoder: Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
    public var description: String { rawValue }

    /// One improvement task of a cycle (model, type, versions, metrics, gain, outcome).
    public static let task: HistoryKind = "task"
    /// One cycle (iteration, models improved, gains, signal levels, triggers).
    public static let cycle: HistoryKind = "cycle"
    /// `registry init`.
    public static let initialize: HistoryKind = "init"
    /// A model was added (`registry add`).
    public static let add: HistoryKind = "add"
    /// A new version was stored, not promoted.
    public static let version: HistoryKind = "version"
    public static let promote: HistoryKind = "promote"
    public static let rollback: HistoryKind = "rollback"
    public static let gc: HistoryKind = "gc"
    public static let config: HistoryKind = "config"
    /// A writer took over the lock of a holder that died without releasing it.
    public static let lockTakeover: HistoryKind = "lock-takeover"
    /// A torn last line was cut off before appending.
    public static let repair: HistoryKind = "repair"
}

/// One line of history.jsonl: `{"time": …, "type": …, "model": …, …fields}`.
public struct HistoryEntry: Sendable, Equatable {
    public var time: Date
    public var type: HistoryKind
    public var model: String?
    /// Every other key of the line.
    public var fields: [String: JSONValue]

    public static let reservedKeys: Set<String> = ["time", "type", "model"]

    public init(_ type: HistoryKind, model: String? = nil, time: Date = Date(), fields: [String: JSONValue] = [:]) {
        self.time = time
        self.type = type
        self.model = model
        self.fields = fields.filter { !Self.reservedKeys.contains($0.key) }
    }

    public subscript(key: String) -> JSONValue? {
        get { fields[key] }
        set { fields[key] = newValue }
    }

    /// The line as written (sorted keys, no newline).
    public func jsonLine() throws -> String {
        var object = fields
        object["time"] = .string(RegistryTime.string(time))
        object["type"] = .string(type.rawValue)
        if let model { object["model"] = .string(model) }
        return try JSONCoding.line(JSONValue.object(object))
    }

    public var json: JSONValue {
        var object = fields
        object["time"] = .string(RegistryTime.string(time))
        object["type"] = .string(type.rawValue)
        if let model { object["model"] = .string(model) }
        return .object(object)
    }

    /// Parses one line; nil with a reason when it is not a history entry.
    static func parse(_ line: Substring) -> Result<HistoryEntry, LineError> {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: Data(line.utf8))
        } catch {
            return .failure(LineError("\(error)"))
        }
        guard var object = value.object else { return .failure(LineError("expected a JSON object")) }
        guard let timeText = object.removeValue(forKey: "time")?.string, let time = RegistryTime.parse(timeText) else {
            return .failure(LineError("missing or invalid \"time\" (an ISO 8601 time)"))
        }
        guard let type = object.removeValue(forKey: "type")?.string, !type.isEmpty else {
            return .failure(LineError("missing \"type\""))
        }
        let model = object.removeValue(forKey: "model")?.string
        return .success(HistoryEntry(HistoryKind(rawValue: type), model: model, time: time, fields: object))
    }
}

/// history.jsonl: every decision the registry and the cycle made, one JSON line each.
public struct History: Sendable {
    public let file: JSONLinesFile

    public init(path: String) {
        file = JSONLinesFile(path: path)
    }

    /// Appends entries as whole lines. The caller holds the registry lock. A torn last
    /// line (from a crash or a full disk) is cut off first and recorded as a `repair` entry.
    public func append(_ entries: [HistoryEntry], failpoint: String = "history") throws {
        let lines = try entries.map { try $0.jsonLine() }
        // Read before appending so the repair entry can quote the cut line.
        let tornBefore = try? file.read().torn
        var all = lines
        if let tornBefore {
            let repair = HistoryEntry(.repair, fields: [
                "file": "history.jsonl", "line": .int(tornBefore.line),
                "message": .string("cut a torn last line before appending"),
            ])
            all.insert(try repair.jsonLine(), at: 0)
        }
        try file.append(all, failpoint: failpoint)
    }

    public func append(_ entry: HistoryEntry, failpoint: String = "history") throws {
        try append([entry], failpoint: failpoint)
    }

    /// What reading found: the entries (oldest first) and the lines that were skipped.
    public struct ReadResult: Sendable {
        public var entries: [HistoryEntry]
        public var problems: [LineProblem]
    }

    /// Reads history, newest last. Damaged lines are skipped and reported; `limit`
    /// keeps the newest matching entries (scanning from the end, so it stays fast on
    /// long histories).
    public func read(model: String? = nil, since: Date? = nil, types: Set<HistoryKind>? = nil, limit: Int? = nil) throws -> ReadResult {
        let contents = try file.read()
        var problems: [LineProblem] = contents.torn.map { [$0] } ?? []
        var entries: [HistoryEntry] = []
        for (number, text) in contents.lines.reversed() {
            if let limit, entries.count >= limit { break }
            if let model, !text.contains(model) { continue }
            switch HistoryEntry.parse(text) {
            case .failure(let reason):
                problems.append(LineProblem(file: file.path, line: number, message: reason.reason))
            case .success(let entry):
                if let model, entry.model != model { continue }
                if let types, !types.contains(entry.type) { continue }
                if let since, entry.time < since { continue }
                entries.append(entry)
            }
        }
        problems.sort { $0.line < $1.line }
        return ReadResult(entries: entries.reversed(), problems: problems)
    }

    /// The newest entry of a kind (e.g. the last cycle), scanning from the end.
    public func last(_ type: HistoryKind) throws -> HistoryEntry? {
        try read(types: [type], limit: 1).entries.last
    }
}

/// Why a line was not understood.
struct LineError: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
