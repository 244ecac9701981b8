import Foundation
import NimpCore
import NimpIO

/// Signal levels at one moment.
public struct SignalSnapshot: Equatable, Sendable {
    public var time: Date
    public var levels: [String: Double]
    /// Free-form context (the cycle's iteration, what moved the levels).
    public var note: JSONValue?

    public init(time: Date = Date(), levels: [String: Double], note: JSONValue? = nil) {
        self.time = time
        self.levels = levels
        self.note = note
    }

    var json: JSONValue {
        var o: [String: JSONValue] = ["time": .string(RegistryTime.string(time)), "levels": .metrics(levels)]
        if let note { o["note"] = note }
        return .object(o)
    }

    init?(json v: JSONValue) {
        guard let time = v["time"]?.string.flatMap(RegistryTime.parse), let levels = v["levels"]?.object else { return nil }
        self.init(time: time, levels: levels.compactMapValues(\.double), note: v["note"])
    }
}

/// signals.json: the current signal levels and their recent history. Storage only:
/// what the levels mean and how they move belongs to the cycle.
///
/// ```json
/// {"levels": {"cortisol": 0.2, …}, "updated": "…", "history": [{"time": …, "levels": {…}}, …],
///  "extra": {…}}
/// ```
/// `extra` keeps whatever else the cycle wants to persist with the signals.
public struct SignalsFile: Equatable, Sendable {
    /// History entries kept when writing (oldest dropped first).
    public static let defaultHistoryLimit = 200

    public var levels: [String: Double]
    public var updated: Date?
    /// Oldest first.
    public var history: [SignalSnapshot]
    public var extra: [String: JSONValue]

    public init(levels: [String: Double] = [:], updated: Date? = nil, history: [SignalSnapshot] = [], extra: [String: JSONValue] = [:]) {
        self.levels = levels
        self.updated = updated
        self.history = history
        self.extra = extra
    }

    /// Sets new levels and appends them to the history.
    public mutating func record(_ levels: [String: Double], note: JSONValue? = nil, time: Date = Date()) {
        self.levels = levels
        updated = time
        history.append(SignalSnapshot(time: time, levels: levels, note: note))
    }

    /// Reads signals.json; a missing file is an empty one. Damage is exit 65.
    public static func read(path: String) throws -> SignalsFile {
        guard let data = try JSONLinesFile.readIfPresent(path) else { return SignalsFile() }
        var top = try StrictObject(.object(try JSONCoding.parseObject(data, file: path)), file: path)
        let levels = try top.numbers("levels") ?? [:]
        let updated = try top.string("updated").map { text in
            guard let date = RegistryTime.parse(text) else { throw top.fail("updated", "expected an ISO 8601 time") }
            return date
        }
        var history: [SignalSnapshot] = []
        if let h = top.value("history") {
            guard let items = h.array else { throw top.fail("history", "expected an array") }
            for (i, item) in items.enumerated() {
                guard let snapshot = SignalSnapshot(json: item) else {
                    throw NimpError.data(path, "key \"history[\(i)]\"", "expected {\"time\": …, \"levels\": {…}}")
                }
                history.append(snapshot)
            }
        }
        let extra = top.value("extra")?.object ?? [:]
        try top.finish()
        return SignalsFile(levels: levels, updated: updated, history: history, extra: extra)
    }

    /// Replaces signals.json atomically (the caller holds the lock), keeping the newest
    /// `historyLimit` snapshots. Failpoints `signals.*`.
    public func write(path: String, historyLimit: Int = defaultHistoryLimit) throws {
        var o: [String: JSONValue] = [
            "levels": .metrics(levels),
            "history": .array(history.suffix(historyLimit).map(\.json)),
        ]
        if let updated { o["updated"] = .string(RegistryTime.string(updated)) }
        if !extra.isEmpty { o["extra"] = .object(extra) }
        try FileReplacement.replace(try JSONCoding.pretty(JSONValue.object(o)), at: path, failpoint: "signals")
    }
}
