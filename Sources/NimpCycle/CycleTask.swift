import Foundation
import NimpCore
import NimpIO
import NimpOperators
import NimpRegistry

/// A reference to one stored archive, checked by sha256 before it is used.
public struct ArchiveRef: Sendable, Equatable {
    public var model: String
    public var version: Int
    public var sha256: String

    public init(model: String, version: Int, sha256: String) {
        self.model = model
        self.version = version
        self.sha256 = sha256
    }

    var json: JSONValue { .object(["model": .string(model), "version": .int(version), "sha256": .string(sha256)]) }

    static func parse(_ o: StrictObject) throws -> ArchiveRef {
        var o = o
        let model = try o.requiredString("model")
        if let problem = ModelID.problem(model) { throw o.fail("model", problem) }
        guard let version = try o.int("version"), version >= 1 else { throw o.fail("version", "expected a version number ≥ 1") }
        let sha = try o.requiredString("sha256")
        guard sha.count == 64, sha.allSatisfy(\.isHexDigit) else { throw o.fail("sha256", "expected 64 hex digits") }
        try o.finish()
        return ArchiveRef(model: model, version: version, sha256: sha.lowercased())
    }
}

/// A kind's settings as fixed at plan time, read with errors that name the task file and key.
public struct TaskSettings: Sendable, Equatable {
    public var values: [String: JSONValue]
    var file = "task"

    public init(_ values: [String: JSONValue], file: String = "task") {
        self.values = values
        self.file = file
    }

    func fail(_ key: String, _ what: String) -> NimpError { NimpError.data(file, "key \"settings.\(key)\"", what) }

    public func double(_ key: String) throws -> Double? {
        guard let v = values[key], v != .null else { return nil }
        guard let x = v.double, x.isFinite else { throw fail(key, "expected a finite number") }
        return x
    }

    public func int(_ key: String) throws -> Int? {
        guard let v = values[key], v != .null else { return nil }
        guard let i = v.int, (0...1_000_000).contains(i) else { throw fail(key, "expected an integer from 0 to 1000000") }
        return i
    }

    public func bool(_ key: String) throws -> Bool? {
        guard let v = values[key], v != .null else { return nil }
        guard case .bool(let b) = v else { throw fail(key, "expected true or false") }
        return b
    }

    public func string(_ key: String) throws -> String? {
        guard let v = values[key], v != .null else { return nil }
        guard let s = v.string else { throw fail(key, "expected a string") }
        return s
    }

    public func decode<T: Decodable>(_ type: T.Type, _ key: String) throws -> T {
        guard let v = values[key], v != .null else { throw fail(key, "missing") }
        return try JSONCoding.decode(type, from: v, file: file, path: "settings." + key)
    }
}

/// One task of a cycle as a self-contained file (README, "Task and result files"): the
/// model's spec, the champion and teacher by sha256, the kind's settings, budget and
/// seed. `nimp task run` needs nothing else but read access to the registry's files.
public struct CycleTask: Sendable, Equatable {
    public static let format = "nimp-task"
    public static let formatVersion = 1
    /// Task files are small; anything larger is not one.
    public static let maxBytes = 4 << 20

    public var id: String
    public var cycle: Int
    /// The registry the task reads (absolute path, as the planner saw it).
    public var registry: String
    public var planned: PlannedTask
    /// The queue entry the task came from (`nimp task add`), if any.
    public var queued: String?
    public var spec: ModelSpec
    public var champion: ArchiveRef?
    public var teacher: ArchiveRef?
    public var budgetSeconds: Double
    public var seed: UInt64
    public var settings: TaskSettings
    public var plannedAt: Date

    public var model: String { planned.model }
    public var type: TaskType { planned.type }

    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "format": .string(Self.format), "format_version": .int(Self.formatVersion), "id": .string(id),
            "cycle": .int(cycle), "registry": .string(registry), "model": .string(model), "kind": .string(type.rawValue),
            "priority": .number(planned.priority), "metric": .string(planned.metric), "gap": .number(planned.gap),
            "reasons": .array(planned.reasons.map { .string($0) }), "triggers": .array(planned.triggers.map { .string($0) }),
            "signals": .metrics(planned.signals.asDictionary), "spec": spec.json,
            "budget_seconds": .number(budgetSeconds), "seed": .string(String(seed)), "settings": .object(settings.values),
            "planned_at": .string(RegistryTime.string(plannedAt)),
        ]
        if let g = planned.gate { o["gate"] = .string(g) }
        if let q = queued { o["queued"] = .string(q) }
        if let c = champion { o["champion"] = c.json }
        if let t = teacher { o["teacher"] = t.json }
        return .object(o)
    }

    public func encoded() throws -> Data { try JSONCoding.pretty(json) }

    /// Reads a task file strictly: a hostile or hand-broken one is exit 65 naming the key.
    public static func parse(_ data: Data, file: String) throws -> CycleTask {
        guard data.count <= maxBytes else { throw NimpError.data(file, nil, "is \(data.count) bytes; a task file has at most \(maxBytes)") }
        var o = try StrictObject(try JSONCoding.parse(data, file: file), file: file)
        guard try o.requiredString("format") == format else { throw o.fail("format", "expected \"\(format)\"") }
        let version = try o.int("format_version") ?? 0
        guard (1...formatVersion).contains(version) else {
            throw o.fail("format_version", "is \(version); this nimp reads task files of version 1 to \(formatVersion)")
        }
        let id = try o.requiredString("id")
        guard TaskID.isValid(id) else { throw o.fail("id", "expected letters, digits, '.', '_' and '-' (at most 200)") }
        guard let cycle = try o.int("cycle"), cycle >= 1 else { throw o.fail("cycle", "expected a cycle number ≥ 1") }
        let registry = try o.requiredString("registry")
        let model = try o.requiredString("model")
        if let problem = ModelID.problem(model) { throw o.fail("model", problem) }
        let kind = TaskType(rawValue: try o.requiredString("kind"))
        guard let improvement = ImprovementKinds.named(kind) else {
            throw o.fail("kind", "unknown kind \(String(reflecting: kind.rawValue)); expected one of " + ImprovementKinds.types.map(\.rawValue).joined(separator: ", "))
        }
        let priority = try o.double("priority") ?? 0
        let metric = try o.requiredString("metric")
        guard ModelSpec.metricNames.contains(metric) else { throw o.fail("metric", "unknown metric \(String(reflecting: metric))") }
        let gap = try o.double("gap") ?? 0
        let reasons = try o.strings("reasons") ?? []
        let triggers = try o.strings("triggers") ?? []
        let levels = try o.numbers("signals", allowed: ["dopamine", "cortisol", "growth", "serotonin"]) ?? [:]
        let b = SignalLevels.baseline
        let signals = SignalLevels(dopamine: levels["dopamine"] ?? b.dopamine, cortisol: levels["cortisol"] ?? b.cortisol,
                                   growth: levels["growth"] ?? b.growth, serotonin: levels["serotonin"] ?? b.serotonin)
        let gate = try o.string("gate")
        let queued = try o.string("queued")
        guard let specValue = o.value("spec") else { throw o.fail("spec", "missing") }
        let spec = try ModelSpec.parse(try JSONCoding.data(specValue), file: file + " (key \"spec\")")
        let champion = try o.object("champion").map(ArchiveRef.parse)
        let teacher = try o.object("teacher").map(ArchiveRef.parse)
        if kind == DistillationKind.type, teacher == nil { throw o.fail("teacher", "missing: a distillation task names its teacher") }
        guard let budget = try o.double("budget_seconds"), budget > 0, budget <= 7 * 24 * 3600 else {
            throw o.fail("budget_seconds", "expected seconds from 0 to 604800")
        }
        guard let seedText = try o.string("seed"), let seed = UInt64(seedText) else { throw o.fail("seed", "expected a decimal string of a 64-bit seed") }
        guard let settings = try o.value("settings").map({ v -> [String: JSONValue] in
            guard let s = v.object else { throw o.fail("settings", "expected an object") }
            return s
        }) else { throw o.fail("settings", "missing") }
        guard let at = try o.string("planned_at").flatMap(RegistryTime.parse) else { throw o.fail("planned_at", "expected an ISO 8601 time") }
        try o.finish()
        try improvement.validate(TaskSettings(settings, file: file))
        let planned = PlannedTask(model: model, type: kind, priority: priority, metric: metric, gap: gap, teacher: teacher?.model,
                                  reasons: reasons, signals: signals, triggers: triggers, gate: gate)
        return CycleTask(id: id, cycle: cycle, registry: registry, planned: planned, queued: queued, spec: spec, champion: champion,
                         teacher: teacher, budgetSeconds: budget, seed: seed, settings: TaskSettings(settings, file: file), plannedAt: at)
    }

    public static func read(path: String) throws -> (task: CycleTask, sha256: String) {
        let data = try readSmallFile(path, limit: maxBytes, what: "task file")
        return (try parse(data, file: path), SHA256.hex(data))
    }
}

/// Task, plan and result ids: safe as file names and in shell globs.
public enum TaskID {
    public static func isValid(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 200 && id.first != "." && id.first != "-"
            && id.unicodeScalars.allSatisfy { $0.isASCIIAlphanumeric || "._-".unicodeScalars.contains($0) }
    }
}

extension Unicode.Scalar {
    var isASCIIAlphanumeric: Bool { isASCII && (properties.isAlphabetic || ("0"..."9").contains(self)) }
}

/// Reads a file of bounded size (task, result, queue files): exit 66 when missing,
/// 65 when larger than `limit`, 74 on an I/O error.
func readSmallFile(_ path: String, limit: Int, what: String) throws -> Data {
    guard FileManager.default.fileExists(atPath: path) else { throw NimpError(.noInput, "\(path): no such \(what)") }
    guard let handle = FileHandle(forReadingAtPath: path) else { throw NimpError(.noInput, "\(path): cannot open the \(what)") }
    defer { try? handle.close() }
    do {
        let data = try handle.read(upToCount: limit + 1) ?? Data()
        guard data.count <= limit else { throw NimpError.data(path, nil, "is larger than \(limit) bytes; not a \(what)") }
        return data
    } catch let e as NimpError {
        throw e
    } catch {
        throw NimpError(.ioError, "\(path): cannot read the \(what): \(error.localizedDescription)")
    }
}
