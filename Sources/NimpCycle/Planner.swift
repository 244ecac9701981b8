import Foundation
import NimpCore
import NimpIO
import NimpOperators
import NimpRegistry

/// Metric names, which way is better, and gains measured as relative error reduction.
public enum MetricKind {
    public static let quality: Set<String> = Set(Metric.allCases.filter(\.isQuality).map(\.rawValue))
    public static let cost: [String] = Metric.allCases.filter(\.isCost).map(\.rawValue)

    public static func isHigherBetter(_ metric: String) -> Bool { Metric(rawValue: metric)?.isHigherBetter ?? false }

    /// The metric as an error (lower is better): 1 − value for accuracy, F1 and R².
    public static func error(_ metric: String, _ value: Double) -> Double {
        let m = Metric(rawValue: metric)
        return m?.isBoundedByOne == true ? 1 - value : (m?.isHigherBetter == true ? -value : value)
    }

    /// Relative improvement from `old` to `new`: the fraction of the old error removed
    /// (negative when worse). 0.1 means 10% less error, latency or size.
    public static func relativeGain(_ metric: String, old: Double, new: Double) -> Double {
        let eOld = error(metric, old), eNew = error(metric, new)
        if metric == Metric.throughput.rawValue { return old > 0 ? (new - old) / old : 0 }
        let scale = max(abs(eOld), 1e-12)
        return (eOld - eNew) / scale
    }

    /// How far `value` is from `target`, as a fraction of the current error (0 when
    /// the target is met).
    public static func gap(_ metric: String, value: Double, target: Double) -> Double {
        let e = error(metric, value), t = error(metric, target)
        guard e > t else { return 0 }
        return min(1, (e - t) / max(abs(e), 1e-12))
    }

    /// The default quality metric of a task.
    public static func primary(for task: Task) -> String { Metric.primary(for: task).rawValue }
}

/// What the cycle knows about one model when it plans.
public struct ModelAssessment: Sendable {
    public var id: String
    public var task: Task
    public var evalSHA256: String
    public var championVersion: Int?
    /// The champion's metrics on the fixed held-out eval set.
    public var metrics: [String: Double]
    public var targets: [String: Double]
    public var constraints: [String: Double]
    public var genome: Genome
    /// Recent training-task gains for this model, newest last.
    public var recentTrainingGains: [Double]
    /// New or changed training data since the champion was trained.
    public var freshData: Bool
    /// Seconds since the model last had a task, nil if never.
    public var idleSeconds: Double?
    /// Candidates of each task type rejected (or failed) in a row, most recent last.
    public var recentRejections: [TaskType: Int] = [:]

    public init(id: String, task: Task, evalSHA256: String, championVersion: Int?, metrics: [String: Double],
                targets: [String: Double], constraints: [String: Double], genome: Genome,
                recentTrainingGains: [Double] = [], freshData: Bool = false, idleSeconds: Double? = nil,
                recentRejections: [TaskType: Int] = [:]) {
        self.id = id
        self.task = task
        self.evalSHA256 = evalSHA256
        self.championVersion = championVersion
        self.metrics = metrics
        self.targets = targets
        self.constraints = constraints
        self.genome = genome
        self.recentTrainingGains = recentTrainingGains
        self.freshData = freshData
        self.idleSeconds = idleSeconds
        self.recentRejections = recentRejections
    }

    /// The quality metric the owner targets (first quality target by name), else the task's default.
    public var qualityMetric: String {
        targets.keys.filter { MetricKind.quality.contains($0) }.sorted().first ?? MetricKind.primary(for: task)
    }
}

/// Conditions read from the machine and the registry that switch strategies on.
public struct EnvironmentState: Codable, Sendable, Equatable {
    public var loadPerCore: Double
    public var memoryAvailableFraction: Double
    public var diskFreeBytes: Double

    public static let loadLimit = 1.5
    public static let memoryLowFraction = 0.1
    public static let diskLowBytes = 1.0 * 1024 * 1024 * 1024

    public init(loadPerCore: Double, memoryAvailableFraction: Double, diskFreeBytes: Double) {
        self.loadPerCore = loadPerCore
        self.memoryAvailableFraction = memoryAvailableFraction
        self.diskFreeBytes = diskFreeBytes
    }

    public var triggers: [String] {
        var t: [String] = []
        if loadPerCore > Self.loadLimit { t.append("high_load") }
        if memoryAvailableFraction < Self.memoryLowFraction { t.append("low_memory") }
        if diskFreeBytes < Self.diskLowBytes { t.append("low_disk") }
        return t
    }

    /// 0 … 1: how close the machine is to its limits.
    public var pressure: Double {
        let load = max(0, min(1, (loadPerCore - 0.5) / (Self.loadLimit - 0.5)))
        let mem = max(0, min(1, (0.3 - memoryAvailableFraction) / (0.3 - Self.memoryLowFraction)))
        let disk = diskFreeBytes < Self.diskLowBytes ? 1.0 : 0
        return max(load, mem, disk)
    }

    /// The environment's name under which winning genomes are remembered.
    public var name: String { triggers.isEmpty ? "normal" : triggers.sorted().joined(separator: "+") }
}

/// One planned task with the reasons for its type and priority.
public struct PlannedTask: Codable, Sendable, Equatable {
    public var model: String
    public var type: TaskType
    public var priority: Double
    /// The metric the gate measures the candidate's gain on.
    public var metric: String
    public var gap: Double
    /// Model id of the teacher, for distillation.
    public var teacher: String?
    public var reasons: [String]
    public var signals: SignalLevels
    public var triggers: [String]
    /// How the gate will judge the candidate: test, eval rows, confidence, decisions left on the eval set.
    public var gate: String?
    /// What the learning planner expects of it (nil when the rules alone planned it).
    public var estimate: GainEstimate? = nil
}

/// Why a model got no task this cycle, and what would change that (`cycle --plan` prints it).
public struct IdleModel: Sendable, Equatable {
    public var model: String
    public var why: String
    public var change: String

    public var json: JSONValue { .object(["model": .string(model), "why": .string(why), "change": .string(change)]) }
}

/// Turns assessments into a prioritised plan: every enabled kind proposes tasks for
/// every model, signals and triggers scale their priority, one task per model is kept
/// (a model over a hard constraint gets its constraint task first), and the top
/// `concurrency` tasks form the plan. Queued tasks (`nimp task add`) come before all.
public struct Planner: Sendable {
    public var signals: SignalState
    public var environment: EnvironmentState
    public var threshold: Double
    public var maxTasks: Int
    public var kinds: [any ImprovementKind] = ImprovementKinds.all
    /// When false (config `signal_driven_priority`), priority is the gap alone.
    public var signalDriven = true
    public var environmentGenomes: [String: Genome] = [:]
    /// History's record of what each kind gained per CPU-second; nil: the rules alone.
    public var learning: Learning?
    public static let plateauLength = PlanningContext.plateauLength
    /// A model untouched this long gets a priority boost.
    public static let idleSeconds = 7.0 * 24 * 3600
    /// Each rejection in a row of a task type for a model halves that type's priority,
    /// so a cycle does not repeat a task that keeps failing while others could help.
    public static let rejectionBackoff = 0.5

    public init(signals: SignalState, environment: EnvironmentState, threshold: Double, maxTasks: Int) {
        self.signals = signals
        self.environment = environment
        self.threshold = threshold
        self.maxTasks = maxTasks
    }

    /// Keeps only the kinds config.json leaves switched on.
    public mutating func configure(_ config: RegistryConfig) {
        kinds = ImprovementKinds.all.filter { $0.isEnabled(config) }
        signalDriven = config.signalDrivenPriority
        if !config.learnedPriority { learning = nil }
    }

    func context(_ models: [ModelAssessment]) -> PlanningContext {
        PlanningContext(models: models, signals: signals, environment: environment, threshold: threshold, environmentGenomes: environmentGenomes)
    }

    public func isPlateau(_ a: ModelAssessment) -> Bool { context([]).isPlateau(a) }

    /// Every proposal of every kind for one model, with its priority and reasons.
    public func options(_ a: ModelAssessment, _ context: PlanningContext) -> [PlannedTask] {
        let levels = signals.levels
        lazy var signalText = String(format: "dopamine %.2f, cortisol %.2f, growth %.2f, serotonin %.2f",
                                     levels.dopamine, levels.cortisol, levels.growth, levels.serotonin)
        let idle = a.idleSeconds.map { $0 > Self.idleSeconds } == true
        var options: [PlannedTask] = []
        for kind in kinds {
            for p in kind.propose(a, context) {
                let modulation = signalDriven ? kind.modulation(signals) : 1
                let rejections = a.recentRejections[kind.type] ?? 0
                let backoff = pow(Self.rejectionBackoff, Double(rejections))
                let boost = p.boost * (idle ? 1.2 : 1)
                let priority = p.gap * modulation * boost * backoff
                var why = p.reasons
                if rejections > 0 {
                    why.append(String(format: "backoff × %.3g: the last %d %@ candidate(s) of this model were not promoted", backoff, rejections, kind.type.rawValue))
                }
                why.append(String(format: "priority %.3f = gap %.3f × signal modulation %.2f%@ (%@)", priority, p.gap, modulation,
                                  boost == 1 ? "" : String(format: " × boost %.2f", boost), signalText))
                var task = PlannedTask(model: a.id, type: kind.type, priority: priority, metric: p.metric, gap: p.gap,
                                       teacher: p.teacher, reasons: why, signals: levels,
                                       triggers: (idle ? ["idle"] : []) + p.triggers + environment.triggers)
                if let learning {
                    // Ordered by a draw of gain per CPU-second, not by the rules' priority.
                    let e = learning.estimate(a, kind.type, priority: p.gap * modulation * boost, backoff: backoff)
                    task.estimate = e
                    task.priority = e.sampled
                    task.reasons.append(Learning.reason(e, kind.type))
                }
                options.append(task)
            }
        }
        return options
    }

    /// All candidate tasks before the cut, best first: one per model.
    public func candidates(_ models: [ModelAssessment]) -> [PlannedTask] {
        let context = context(models)
        let bests = models.compactMap { best($0, context) }
        let floor = lowReturnFloor(bests)
        let tasks = bests.filter { !isLowReturn($0, floor: floor) }
        return tasks.sorted { ($0.priority, $1.model) > ($1.priority, $0.model) }
    }

    /// The model's best option (its constraint task first, if it is over one).
    func best(_ a: ModelAssessment, _ context: PlanningContext) -> PlannedTask? {
        let options = options(a, context)
        let constrained = options.filter { $0.triggers.contains("constraint") }
        let pool = constrained.isEmpty ? options : constrained
        return pool.max(by: { ($0.priority, $1.type.rawValue) < ($1.priority, $0.type.rawValue) })
    }

    /// `Learning.lowReturn` × the best expected return among the models' best tasks: what
    /// the CPU could buy now, not what the registry's first, easy gains cost.
    func lowReturnFloor(_ bests: [PlannedTask]) -> Double? {
        guard learning != nil, let top = bests.compactMap({ $0.estimate?.gainPerCPUSecond }).max(), top > 0 else { return nil }
        return Learning.lowReturn * top
    }

    /// A learned task whose draw falls short of the floor: its CPU goes to better tasks, or
    /// to nothing (a constraint task always runs).
    func isLowReturn(_ task: PlannedTask, floor: Double?) -> Bool {
        guard let floor, let e = task.estimate, !task.triggers.contains("constraint") else { return false }
        return e.sampled < floor
    }

    /// How many tasks a cycle runs: max_concurrent_tasks, lowered by cortisol.
    public var taskLimit: Int { signals.concurrency(configured: maxTasks) }

    /// The plan: the best candidates, as many as the (cortisol-adjusted) limit allows.
    public func plan(_ models: [ModelAssessment]) -> [PlannedTask] {
        Array(candidates(models).prefix(taskLimit))
    }

    /// Why each model without a task got none, and what would change that.
    public func explain(_ models: [ModelAssessment], planned: [PlannedTask], disabled: [String]) -> [IdleModel] {
        let context = context(models)
        let chosen = Set(planned.map(\.model))
        let cut = Set(candidates(models).map(\.model)).subtracting(chosen)
        var bests: [String: PlannedTask] = [:]
        for a in models { bests[a.id] = best(a, context) }
        let floor = lowReturnFloor(Array(bests.values))
        return models.filter { !chosen.contains($0.id) }.map { a in
            let q = a.qualityMetric
            if a.championVersion == nil {
                return IdleModel(model: a.id, why: "no champion", change: "add a version: `nimp registry add \(a.id) --model FILE`")
            }
            if let task = bests[a.id], isLowReturn(task, floor: floor), let e = task.estimate, let floor {
                return IdleModel(model: a.id, why: String(format: "its best task, %@, is expected to return %.3g held-out gain per CPU-second (draw %.3g), under %.3g, a %g of what the best task of this plan is expected to return",
                                                          task.type.rawValue, e.gainPerCPUSecond, e.sampled, floor, Learning.lowReturn),
                                 change: "queue one anyway: `nimp task add \(a.id) --kind \(task.type.rawValue)`, or `nimp registry config learned_priority false`")
            }
            if cut.contains(a.id) {
                return IdleModel(model: a.id, why: "its task was cut: the plan holds \(taskLimit) task(s) (max_concurrent_tasks \(maxTasks), lowered by cortisol) and others had higher priority",
                                 change: "raise max_concurrent_tasks (`nimp registry config max_concurrent_tasks N`), or queue one: `nimp task add \(a.id) --kind training`")
            }
            let value = a.metrics[q].map { String(format: "%.4g", $0) } ?? "?"
            var why: String
            if let target = a.targets[q] {
                let gap = a.metrics[q].map { MetricKind.gap(q, value: $0, target: target) } ?? 0
                if gap <= 0 {
                    why = String(format: "targets met: %@ %@ against %.4g", q, value, target)
                } else if context.isPlateau(a) {
                    why = "plateau: \(q) \(value) short of \(target), training gains \(a.recentTrainingGains.map { String(format: "%.3f", $0) }.joined(separator: ", ")) below the threshold \(String(format: "%.3f", threshold))"
                } else {
                    why = "no kind proposed a task"
                }
            } else if context.isPlateau(a) {
                why = "no target for \(q) (\(value)), and training has stopped paying off: gains \(a.recentTrainingGains.map { String(format: "%.3f", $0) }.joined(separator: ", ")) below the threshold \(String(format: "%.3f", threshold))"
            } else {
                why = "no target for \(q) (\(value))"
            }
            if !disabled.isEmpty { why += "; switched off: " + disabled.joined(separator: ", ") }
            return IdleModel(model: a.id, why: why,
                             change: "set or raise a target (\"targets\" in models/\(a.id)/model.json), or queue a task: `nimp task add \(a.id) --kind training|optimization|architecture`")
        }
    }
}
