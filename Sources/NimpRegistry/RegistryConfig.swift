import Foundation
import NimpCore
import NimpIO

/// config.json: the registry's settings (README, "Configuration"). Missing keys take their
/// defaults; unknown keys, wrong types and out-of-range values are rejected with
/// exit 65 naming the key and what was expected.
public struct RegistryConfig: Equatable, Sendable {
    /// Improvement tasks a cycle runs at most.
    public var maxConcurrentTasks = 3
    /// Times a task that left no result (its node died, it was cancelled) goes back to Slurm.
    public var maxTaskRetries = 2
    /// Seconds between cycles: a cycle started sooner does nothing unless forced.
    public var improvementInterval = 300.0
    /// Relative gain on held-out data needed to promote (0.1 = 10% less error).
    public var performanceThreshold = 0.1
    /// Confidence of the gate's paired test: a gain's one-sided lower bound must lie above zero.
    public var promotionConfidence = 0.95
    /// Gate decisions after which a model whose data is generated gets a fresh eval set.
    public var gateRefreshDecisions = 25
    /// Promotions an eval set that cannot be regenerated may decide.
    public var gatePromotionBudget = 10
    /// Cycles a registry runs at most (counted in history).
    public var maxIterations = 1000
    /// Versions `gc` keeps per model, besides champions and their lineage.
    public var keepVersions = 10
    public var signalDrivenPriority = true
    /// The planner orders tasks by the held-out gain per CPU-second they earned (README, "The planner learns").
    public var learnedPriority = true
    public var geneticArchitectureSearch = true
    public var crossModelDistillation = true

    public init() {}

    /// Every key, in the order `nimp registry config` shows them.
    public static let keys: [ConfigKey] = [
        ConfigKey("max_concurrent_tasks", .int(\.maxConcurrentTasks, 1...10_000),
                  "improvement tasks a cycle plans at most; a local cycle runs at most the free cores of them at once"),
        ConfigKey("max_task_retries", .int(\.maxTaskRetries, 0...100),
                  "times a Slurm cycle resubmits a task that left no result (cancelled, node failure) before its gate records it as failed"),
        ConfigKey("improvement_interval", .double(\.improvementInterval, 0...31_536_000),
                  "seconds between cycles; a cycle started sooner exits 0 and does nothing unless --force"),
        ConfigKey("performance_threshold", .double(\.performanceThreshold, 0...1),
                  "relative gain on held-out data needed to promote a candidate (0.1 = 10% less error)"),
        ConfigKey("promotion_confidence", .double(\.promotionConfidence, 0...1, open: true),
                  "confidence of the gate's paired test: the one-sided lower bound of a candidate's gain on the eval rows must lie above zero"),
        ConfigKey("gate_refresh_decisions", .int(\.gateRefreshDecisions, 1...1_000_000),
                  "gate decisions after which a model with a generator or teacher command gets a freshly generated eval set"),
        ConfigKey("gate_promotion_budget", .int(\.gatePromotionBudget, 1...1_000_000),
                  "promotions an eval set that cannot be regenerated may decide; then the model waits for fresh eval rows (registry refresh)"),
        ConfigKey("max_iterations", .int(\.maxIterations, 1...1_000_000_000), "cycles this registry runs at most"),
        ConfigKey("keep_versions", .int(\.keepVersions, 1...1_000_000),
                  "versions gc keeps per model, besides champions and the versions their lineage needs"),
        ConfigKey("signal_driven_priority", .bool(\.signalDrivenPriority), "signal levels modulate task priorities"),
        ConfigKey("learned_priority", .bool(\.learnedPriority),
                  "tasks are chosen by the held-out gain per CPU-second their kind earned on the model and alike models (Thompson sampling); false: by the rules' priority alone"),
        ConfigKey("genetic_architecture_search", .bool(\.geneticArchitectureSearch), "plateaued models get architecture (evolve) tasks"),
        ConfigKey("cross_model_distillation", .bool(\.crossModelDistillation),
                  "a better champion for the same eval set is distilled into weaker ones"),
    ]

    public static func key(_ name: String) throws -> ConfigKey {
        guard let key = keys.first(where: { $0.name == name }) else {
            throw NimpError.usage("unknown config key \(String(reflecting: name))", hint: unknownKeyHint(name))
        }
        return key
    }

    static func unknownKeyHint(_ name: String) -> String {
        let names = keys.map(\.name)
        let nearest = names.min { editDistance($0, name) < editDistance($1, name) }
        let guess = nearest.flatMap { editDistance($0, name) <= max(3, name.count / 3) ? "did you mean \"\($0)\"? " : nil } ?? ""
        return guess + "known keys: " + names.joined(separator: ", ")
    }

    /// The value of `key` as JSON.
    public func value(_ key: ConfigKey) -> JSONValue {
        switch key.kind {
        case .int(let path, _): .int(self[keyPath: path])
        case .double(let path, _, _): .number(self[keyPath: path])
        case .bool(let path): .bool(self[keyPath: path])
        }
    }

    /// Sets `key` from a JSON value, checking type and range. `file` names the source in errors.
    public mutating func set(_ key: ConfigKey, _ value: JSONValue, file: String) throws {
        let bad = { (expected: String) in
            NimpError.data(file, "key \"\(key.name)\"", "expected \(expected), found \(Self.describe(value))")
        }
        switch key.kind {
        case .int(let path, let range):
            guard let n = value.int, value.double.map({ $0.rounded() == $0 }) ?? false else { throw bad("an integer") }
            guard range.contains(n) else { throw bad("an integer in \(range.lowerBound)…\(range.upperBound)") }
            self[keyPath: path] = n
        case .double(let path, let range, let open):
            guard let x = value.double, x.isFinite else { throw bad("a number") }
            guard range.contains(x), !open || (x != range.lowerBound && x != range.upperBound) else { throw bad("a number \(key.rangeDescription)") }
            self[keyPath: path] = x
        case .bool(let path):
            guard let b = value.bool else { throw bad("true or false") }
            self[keyPath: path] = b
        }
    }

    /// Sets `key` from command-line text (`300`, `0.05`, `true`).
    public mutating func set(_ key: ConfigKey, text: String) throws {
        let value: JSONValue
        switch text.lowercased() {
        case "true", "yes", "on": value = .bool(true)
        case "false", "no", "off": value = .bool(false)
        default:
            if let i = Int(text) { value = .int(i) } else if let d = Double(text) { value = .number(d) } else { value = .string(text) }
        }
        // A value of the wrong type or out of range is bad data (exit 65), as it is in config.json.
        do {
            try set(key, value, file: "config")
        } catch var error as NimpError {
            error.hint = "\(key.name): \(key.typeDescription); \(key.help)"
            throw error
        }
    }

    /// Parses config.json.
    public static func parse(_ data: Data, file: String) throws -> RegistryConfig {
        let object = try JSONCoding.parseObject(data, file: file)
        var config = RegistryConfig()
        for (name, v) in object.sorted(by: { $0.key < $1.key }) {
            guard let key = keys.first(where: { $0.name == name }) else {
                throw NimpError.data(file, "key \"\(name)\"", "unknown setting", hint: unknownKeyHint(name))
            }
            try config.set(key, v, file: file)
        }
        return config
    }

    /// config.json as written: every key, so the file documents itself.
    public func encoded() throws -> Data {
        try JSONCoding.pretty(json)
    }

    public var json: JSONValue {
        .object(Dictionary(uniqueKeysWithValues: Self.keys.map { ($0.name, value($0)) }))
    }

    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let b): "\(b)"
        case .int(let i): "\(i)"
        case .unsigned(let u): "\(u)"
        case .number(let d): format(d)
        case .string(let s): String(reflecting: s)
        case .array: "an array"
        case .object: "an object"
        }
    }

    static func format(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
    }
}

/// One setting of config.json: its name, type, range and meaning.
public struct ConfigKey: @unchecked Sendable {
    public enum Kind {
        case int(WritableKeyPath<RegistryConfig, Int>, ClosedRange<Int>)
        /// `open`: the bounds themselves are excluded.
        case double(WritableKeyPath<RegistryConfig, Double>, ClosedRange<Double>, open: Bool = false)
        case bool(WritableKeyPath<RegistryConfig, Bool>)
    }

    public let name: String
    public let kind: Kind
    public let help: String

    init(_ name: String, _ kind: Kind, _ help: String) {
        self.name = name
        self.kind = kind
        self.help = help
    }

    /// `in 0…1`, or `strictly between 0 and 1` for an open range.
    var rangeDescription: String {
        guard case .double(_, let r, let open) = kind else { return "" }
        let (a, b) = (RegistryConfig.format(r.lowerBound), RegistryConfig.format(r.upperBound))
        return open ? "strictly between \(a) and \(b)" : "in \(a)…\(b)"
    }

    public var defaultValue: JSONValue { RegistryConfig().value(self) }

    /// The type and range in words, for help and messages.
    public var typeDescription: String {
        switch kind {
        case .int(_, let r): "integer \(r.lowerBound)…\(r.upperBound)"
        case .double: "number " + rangeDescription
        case .bool: "boolean"
        }
    }
}

/// Levenshtein distance, for "did you mean" hints.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + [Int](repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
