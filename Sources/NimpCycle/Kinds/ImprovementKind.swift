import Foundation
import NimpCore
import NimpIO
import NimpOperators
import NimpRegistry

/// The name of an improvement kind, as written in task files, history and signals.json.
/// A struct, not an enum, so a new kind declares its own name in its own file.
public struct TaskType: RawRepresentable, Hashable, Codable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }
    public init(from decoder: Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
    public var description: String { rawValue }
}

/// What a kind proposes for one model: the metric the gate will judge, how far the
/// model is from where it should be, and why.
public struct Proposal: Sendable {
    public var metric: String
    public var gap: Double
    public var reasons: [String]
    public var teacher: String?
    /// Multiplies the priority (idle models, fresh data, machine load).
    public var boost: Double = 1
    public var triggers: [String] = []

    public init(metric: String, gap: Double, reasons: [String], teacher: String? = nil, boost: Double = 1, triggers: [String] = []) {
        self.metric = metric
        self.gap = gap
        self.reasons = reasons
        self.teacher = teacher
        self.boost = boost
        self.triggers = triggers
    }
}

/// What every kind may read when it proposes: the other models, signals, machine, threshold.
public struct PlanningContext: Sendable {
    public var models: [ModelAssessment] { didSet { bestPeers = Self.bestPeers(models) } }
    public var signals: SignalState
    public var environment: EnvironmentState
    public var threshold: Double
    /// Winning genomes remembered per environment (signals.json).
    public var environmentGenomes: [String: Genome] = [:]

    public init(models: [ModelAssessment], signals: SignalState, environment: EnvironmentState, threshold: Double,
                environmentGenomes: [String: Genome] = [:]) {
        self.models = models
        self.signals = signals
        self.environment = environment
        self.threshold = threshold
        self.environmentGenomes = environmentGenomes
        bestPeers = Self.bestPeers(models)
    }

    /// Models compared with each other: the same eval set, task and quality metric.
    struct PeerGroup: Hashable {
        var eval: String
        var task: Task
        var metric: String
    }

    /// The two best models of each group, best first. Two, so a model's best peer is
    /// found without scanning every model for every model (a registry of 1,000 models on
    /// one eval set would otherwise compare a million pairs a plan).
    private(set) var bestPeers: [PeerGroup: [(id: String, value: Double)]] = [:]

    static func bestPeers(_ models: [ModelAssessment]) -> [PeerGroup: [(id: String, value: Double)]] {
        let metrics = Set(models.map(\.qualityMetric))
        var best: [PeerGroup: [(id: String, value: Double)]] = [:]
        for p in models {
            for q in metrics {
                guard let value = p.metrics[q] else { continue }
                var top = best[PeerGroup(eval: p.evalSHA256, task: p.task, metric: q), default: []]
                top.append((p.id, value))
                top.sort { isBetter($0, than: $1, q) }
                best[PeerGroup(eval: p.evalSHA256, task: p.task, metric: q)] = Array(top.prefix(2))
            }
        }
        return best
    }

    /// Lower error is better; between equal errors, the later id (a fixed order, so plans repeat).
    static func isBetter(_ a: (id: String, value: Double), than b: (id: String, value: Double), _ metric: String) -> Bool {
        let ea = MetricKind.error(metric, a.value), eb = MetricKind.error(metric, b.value)
        return ea < eb || (ea == eb && a.id > b.id)
    }

    /// The best other model on `a`'s eval set, task and quality metric, with its value.
    public func bestPeer(of a: ModelAssessment) -> (id: String, value: Double)? {
        bestPeers[PeerGroup(eval: a.evalSHA256, task: a.task, metric: a.qualityMetric)]?.first { $0.id != a.id }
    }

    /// Training gains below the threshold this many times in a row make a plateau.
    public static let plateauLength = 2

    public func isPlateau(_ a: ModelAssessment) -> Bool {
        let recent = a.recentTrainingGains.suffix(Self.plateauLength)
        return recent.count == Self.plateauLength && recent.allSatisfy { $0 < threshold }
    }

    /// The owner's target for the model's quality metric and how far away it is.
    public func qualityGap(_ a: ModelAssessment) -> (metric: String, value: Double, target: Double, gap: Double)? {
        let q = a.qualityMetric
        guard let value = a.metrics[q], let target = a.targets[q] else { return nil }
        return (q, value, target, MetricKind.gap(q, value: value, target: target))
    }
}

/// What a task reads when it runs: the champion it starts from, the training rows,
/// a teacher, all checked against the sha256 the task file names.
public struct TaskInputs {
    public var task: CycleTask
    public var spec: ModelSpec
    public var parent: ModelArchive?
    public var teacher: ModelArchive?
    public var train: Dataset
    /// `nimp … # cycle N kind model`, recorded in the candidate's manifest.
    public var commandLine: [String]
    /// Throws `BudgetExceeded` once the task's time is up; operators call it between steps.
    public var checkBudget: @Sendable () throws -> Void
    /// When the task's time is up.
    public var deadline: ContinuousClock.Instant
}

/// One kind of improvement (training, optimization, architecture search, distillation):
/// when it is worth a task, what the task file holds, and how to run it. Each kind is
/// one file; `ImprovementKinds.all` lists them, and the planner and the runner loop over
/// that list (README, "Adding an improvement kind").
public protocol ImprovementKind: Sendable {
    var type: TaskType { get }
    /// The config.json switch that turns the kind off, if it has one.
    var configSwitch: String? { get }
    func isEnabled(_ config: RegistryConfig) -> Bool
    /// Priority multiplier from the signals (dopamine rewards kinds that paid off).
    func modulation(_ signals: SignalState) -> Double
    /// Zero or more tasks for one model; the planner keeps the best per model.
    func propose(_ model: ModelAssessment, _ context: PlanningContext) -> [Proposal]
    /// What the task file records for this kind (operator settings, genome), fixed at plan time.
    func settings(_ task: PlannedTask, _ model: ModelAssessment, _ context: PlanningContext) throws -> [String: JSONValue]
    /// Checks a task file's settings when it is read (exit 65 before anything runs).
    func validate(_ settings: TaskSettings) throws
    /// Runs the task and returns the candidate.
    func run(_ inputs: TaskInputs) throws -> ModelArchive
}

extension ImprovementKind {
    public var configSwitch: String? { nil }
    public func isEnabled(_ config: RegistryConfig) -> Bool { true }
    public func modulation(_ signals: SignalState) -> Double { 1 + signals.levels.dopamine * (signals.reward[type.rawValue] ?? 0) }
    public func settings(_ task: PlannedTask, _ model: ModelAssessment, _ context: PlanningContext) throws -> [String: JSONValue] { [:] }
    public func validate(_ settings: TaskSettings) throws {}
}

extension TaskSettings {
    /// A genome from the settings, within the bounds model.json has, so a task file cannot
    /// make a run allocate or train without end.
    public func genome(_ key: String) throws -> Genome {
        let g = try decode(Genome.self, key)
        if let problem = g.problem { throw fail(key + "." + problem.key, problem.message) }
        return g
    }
}

/// Every improvement kind nimp knows. Adding one is a new file and one line here.
public enum ImprovementKinds {
    public static let all: [any ImprovementKind] = [
        TrainingKind(),
        OptimizationKind(),
        ArchitectureKind(),
        DistillationKind(),
    ]

    public static var types: [TaskType] { all.map(\.type) }

    public static func named(_ type: TaskType) -> (any ImprovementKind)? { all.first { $0.type == type } }
}
