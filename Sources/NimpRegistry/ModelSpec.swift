import Foundation
import NimpCore
import NimpIO

/// A dataset stored in the registry: a path relative to the registry root and the
/// sha256 of its bytes.
public struct DataRef: Equatable, Sendable {
    public var path: String
    public var sha256: String

    public init(path: String, sha256: String) {
        self.path = path
        self.sha256 = sha256
    }

    var json: JSONValue { ["path": .string(path), "sha256": .string(sha256)] }
}

/// Where new training data for a model comes from: exactly one of a built-in
/// generator, an external command (a teacher reading JSON lines of inputs on stdin
/// and writing outputs on stdout) or a glob of files.
public struct DataSource: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case generator(String)
        case command(String)
        case files(String)
    }

    public var kind: Kind
    /// Samples to make per new dataset (at most `maxSamples`).
    public var samples: Int?
    public static let maxSamples = 10_000_000
    /// Inputs a command expects (commands cannot tell).
    public var features: Int?
    /// Target column(s) for CSV / JSON-lines files.
    public var target: [String]?
    /// How a cycle task draws its fresh rows (README, "Active sampling"). A teacher command is
    /// asked for rows in tasks only when this is set: every row is a call it pays for.
    public var sampling: Sampling?

    public enum Sampling: String, Sendable, CaseIterable {
        /// Uniformly from [0, 1]^features.
        case uniform
        /// Where the champion is least sure (`ActiveSampling`).
        case active
    }

    public init(_ kind: Kind, samples: Int? = nil, features: Int? = nil, target: [String]? = nil, sampling: Sampling? = nil) {
        self.kind = kind
        self.samples = samples
        self.features = features
        self.target = target
        self.sampling = sampling
    }

    var json: JSONValue {
        var o: [String: JSONValue] = [:]
        switch kind {
        case .generator(let g): o["generator"] = .string(g)
        case .command(let c): o["command"] = .string(c)
        case .files(let f): o["files"] = .string(f)
        }
        if let samples { o["samples"] = .int(samples) }
        if let features { o["features"] = .int(features) }
        if let target { o["target"] = .array(target.map { .string($0) }) }
        if let sampling { o["sampling"] = .string(sampling.rawValue) }
        return .object(o)
    }
}

/// models/ID/model.json: what the owner declares about a model (README, "The registry").
///
/// ```json
/// {"format_version": 1, "task": "regression",
///  "data": {"train": {"path": "data/….safetensors", "sha256": "…"},
///           "eval": {"path": "data/….safetensors", "sha256": "…"},
///           "source": {"generator": "signal/dopamine", "samples": 2000}},
///  "targets": {"r2": 0.99, "latency_p50_us": 2},
///  "constraints": {"max_parameters": 5000},
///  "genome": {"hidden": [16], "activation": "relu", …}}
/// ```
/// Two models whose eval sets have the same sha256 solve the same task.
public struct ModelSpec: Equatable, Sendable {
    public static let formatVersion = 1
    /// Metric names a target may use (the keys `nimp evaluate` prints).
    public static let metricNames: Set<String> = Metric.names
    /// Quality metrics of each task (a target of the other task's can never be met).
    public static func qualityMetrics(_ task: Task) -> Set<String> { Set(Metric.quality(for: task).map(\.rawValue)) }

    /// Constraint names and the metric each one bounds.
    public static let constraintMetrics: [String: String] = [
        "max_parameters": "parameters", "max_bytes": "bytes",
        "max_latency_p50_us": "latency_p50_us", "max_latency_p99_us": "latency_p99_us",
    ]

    public var task: Task
    public var train: DataRef
    /// The held-out set the gate decides on.
    public var eval: DataRef
    /// Held-out rows no decision reads: quality as reported, never as decided (README, "The gate").
    public var audit: DataRef?
    public var source: DataSource?
    public var targets: [String: Double]
    public var constraints: [String: Double]
    public var genome: Genome
    public var description: String?

    public init(task: Task, train: DataRef, eval: DataRef, audit: DataRef? = nil, source: DataSource? = nil, targets: [String: Double] = [:],
                constraints: [String: Double] = [:], genome: Genome = Genome(), description: String? = nil)
    {
        self.task = task
        self.train = train
        self.eval = eval
        self.audit = audit
        self.source = source
        self.targets = targets
        self.constraints = constraints
        self.genome = genome
        self.description = description
    }

    /// Every dataset the model refers to.
    public var datasets: [DataRef] { [train, eval] + (audit.map { [$0] } ?? []) }

    /// Parses and validates model.json (exit 65 naming the key on any problem).
    public static func parse(_ data: Data, file: String) throws -> ModelSpec {
        var top = try StrictObject(.object(try JSONCoding.parseObject(data, file: file)), file: file)
        let version = try top.int("format_version") ?? formatVersion
        guard version <= formatVersion else {
            throw NimpError.data(file, "key \"format_version\"", "version \(version) is newer than this nimp understands (\(formatVersion))",
                                 hint: "upgrade nimp")
        }
        let taskName = try top.requiredString("task")
        guard let task = Task(rawValue: taskName) else {
            throw top.fail("task", "expected \"regression\" or \"classification\", found \(String(reflecting: taskName))")
        }
        guard var data = try top.object("data") else { throw top.fail("data", "missing") }
        let train = try dataRef(&data, "train")
        let eval = try dataRef(&data, "eval")
        let audit = data.value("audit") == nil ? nil : try dataRef(&data, "audit")
        let source = try data.object("source").map(dataSource)
        try data.finish()
        let targets = try top.numbers("targets", allowed: metricNames) ?? [:]
        for metric in targets.keys.sorted() {
            if let problem = targetProblem(metric, task: task) {
                throw NimpError.data(file, "key \"targets.\(metric)\"", problem.what, hint: problem.hint)
            }
        }
        let constraints = try top.numbers("constraints", allowed: Set(constraintMetrics.keys)) ?? [:]
        var genome = Genome()
        if let g = top.value("genome") {
            genome = try JSONCoding.decode(Genome.self, from: g, file: file, path: "genome")
            // Bounded, so a received model.json cannot make a cycle allocate or train forever.
            if let problem = genome.problem { throw NimpError.data(file, "key \"genome.\(problem.key)\"", problem.message) }
        }
        let description = try top.string("description")
        try top.finish()
        return ModelSpec(task: task, train: train, eval: eval, audit: audit, source: source, targets: targets,
                         constraints: constraints, genome: genome, description: description)
    }

    private static func dataRef(_ parent: inout StrictObject, _ key: String) throws -> DataRef {
        guard var o = try parent.object(key) else { throw parent.fail(key, "missing") }
        let path = try o.requiredString("path")
        let sha = try o.requiredString("sha256")
        guard sha.count == 64, sha.allSatisfy(\.isHexDigit) else { throw o.fail("sha256", "expected 64 hex digits") }
        guard !path.isEmpty, !path.split(separator: "/").contains("..") else {
            throw o.fail("path", "expected a path inside the registry (no \"..\")")
        }
        try o.finish()
        return DataRef(path: path, sha256: sha.lowercased())
    }

    private static func dataSource(_ o: StrictObject) throws -> DataSource {
        var o = o
        let kinds: [DataSource.Kind] = [
            try o.string("generator").map { .generator($0) },
            try o.string("command").map { .command($0) },
            try o.string("files").map { .files($0) },
        ].compactMap { $0 }
        guard kinds.count == 1 else {
            throw NimpError.data(o.file, "key \"\(o.path)\"", "expected exactly one of \"generator\", \"command\" or \"files\"")
        }
        let samples = try o.int("samples")
        if let samples, !(1...DataSource.maxSamples).contains(samples) {
            throw o.fail("samples", "\(samples), expected 1...\(DataSource.maxSamples)")
        }
        let features = try o.int("features")
        if let features, !(1...100_000).contains(features) { throw o.fail("features", "\(features), expected 1...100000") }
        let target = try o.strings("target")
        let samplingName = try o.string("sampling")
        let sampling = try samplingName.map { name in
            guard let s = DataSource.Sampling(rawValue: name) else {
                throw o.fail("sampling", "\(String(reflecting: name)), expected " + DataSource.Sampling.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or "))
            }
            return s
        }
        if sampling != nil, case .files = kinds[0] {
            throw o.fail("sampling", "data arriving as files is not sampled; \"sampling\" goes with \"generator\" or \"command\"")
        }
        try o.finish()
        return DataSource(kinds[0], samples: samples, features: features, target: target, sampling: sampling)
    }

    /// model.json as written: indented, sorted keys.
    public func encoded() throws -> Data {
        try JSONCoding.pretty(json)
    }

    public var json: JSONValue {
        var data: [String: JSONValue] = ["train": train.json, "eval": eval.json]
        if let audit { data["audit"] = audit.json }
        if let source { data["source"] = source.json }
        var o: [String: JSONValue] = [
            "format_version": .int(Self.formatVersion),
            "task": .string(task.rawValue),
            "data": .object(data),
            "targets": .metrics(targets),
            "constraints": .metrics(constraints),
            "genome": (try? JSONValue(encoding: genome)) ?? .null,
        ]
        if let description { o["description"] = .string(description) }
        return .object(o)
    }
}

// MARK: Targets and constraints as people give them

extension NimpError.Parameter {
    public static let targets = NimpError.Parameter("targets")
    /// A constraint, by its name in model.json (`max_parameters`).
    public static func constraint(_ name: String) -> NimpError.Parameter { NimpError.Parameter(name) }
}

extension ModelSpec {
    /// Targets of a `task` model from `metric=value` texts (`r2=0.99`): every front end
    /// reads them here, so each refuses the same things with the same words.
    public static func targets(parsing texts: [String], task: Task) throws -> [String: Double] {
        var targets: [String: Double] = [:]
        for text in texts {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let value = Double(parts[1]), value.isFinite else {
                throw NimpError.usage("target \(text): expected metric=value, e.g. \(Metric.primary(for: task).rawValue)=0.9",
                                      parameters: [.targets])
            }
            if let problem = targetProblem(parts[0], task: task) {
                throw NimpError.usage("target \(text): \(problem.what)", hint: problem.hint, parameters: [.targets])
            }
            targets[parts[0]] = value
        }
        return targets
    }

    /// Why `metric` cannot be a target of a `task` model; nil when it can.
    static func targetProblem(_ metric: String, task: Task) -> (what: String, hint: String)? {
        guard metricNames.contains(metric) else {
            return ("unknown metric \(String(reflecting: metric))", "metrics: " + metricNames.sorted().joined(separator: ", "))
        }
        guard !qualityMetrics(task == .classification ? .regression : .classification).contains(metric) else {
            return ("\(metric) is not a metric of a \(task.rawValue) model", "its quality metrics: " + qualityMetrics(task).sorted().joined(separator: ", "))
        }
        return nil
    }

    /// Constraints by name (`max_parameters`), those without a value left out; each must
    /// be a positive number.
    public static func constraints(_ values: [String: Double?]) throws -> [String: Double] {
        var constraints: [String: Double] = [:]
        for (name, value) in values.sorted(by: { $0.key < $1.key }) {
            guard let value else { continue }
            guard constraintMetrics[name] != nil else {
                throw NimpError.usage("unknown constraint \(String(reflecting: name))",
                                      hint: "constraints: " + constraintMetrics.keys.sorted().joined(separator: ", "))
            }
            guard value > 0, value.isFinite else {
                throw NimpError.usage("\(name) \(String(format: "%g", value)): expected a positive number", parameters: [.constraint(name)])
            }
            constraints[name] = value
        }
        return constraints
    }
}
