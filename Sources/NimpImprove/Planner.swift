import Foundation
import NimpCore
import NimpRegistry

/// The kinds of improvement task a cycle can plan.
public enum TaskType: String, Codable, CaseIterable, Sendable {
    case training
    case optimization
    case architecture
    case distillation
}

/// Metric names, which way is better, and gains measured as relative error reduction.
public enum MetricKind {
    static let higherIsBetter: Set<String> = ["accuracy", "macro_f1", "r2", "throughput_per_s"]
    static let bounded: Set<String> = ["accuracy", "macro_f1", "r2"]
    public static let quality: Set<String> = ["accuracy", "macro_f1", "log_loss", "mse", "rmse", "mae", "r2"]
    public static let cost: Set<String> = ["latency_p50_us", "latency_p99_us", "parameters", "bytes"]

    public static func isHigherBetter(_ metric: String) -> Bool { higherIsBetter.contains(metric) }

    /// The metric as an error (lower is better): 1 − value for accuracy, F1 and R².
    public static func error(_ metric: String, _ value: Double) -> Double {
        bounded.contains(metric) ? 1 - value : (higherIsBetter.contains(metric) ? -value : value)
    }

    /// Relative improvement from `old` to `new`: the fraction of the old error removed
    /// (negative when worse). 0.1 means 10% less error, latency or size.
    public static func relativeGain(_ metric: String, old: Double, new: Double) -> Double {
        let eOld = error(metric, old), eNew = error(metric, new)
        if metric == "throughput_per_s" { return old > 0 ? (new - old) / old : 0 }
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
    public static func primary(for task: Task) -> String { task == .regression ? "r2" : "accuracy" }
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
}

/// Turns assessments into a prioritised plan: gaps pick the task type, signals and
/// triggers scale the priority, the top `concurrency` tasks are kept, one per model.
public struct Planner: Sendable {
    public var signals: SignalState
    public var environment: EnvironmentState
    public var threshold: Double
    public var maxTasks: Int
    public var architectureSearch = true
    public var distillation = true
    /// When false (config `signal_driven_priority`), priority is the gap alone.
    public var signalDriven = true
    /// Training tasks in a row gaining less than the threshold that make a plateau.
    public static let plateauLength = 2
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

    public func isPlateau(_ a: ModelAssessment) -> Bool {
        let recent = a.recentTrainingGains.suffix(Self.plateauLength)
        return recent.count == Self.plateauLength && recent.allSatisfy { $0 < threshold }
    }

    /// All candidate tasks before the cut, best first.
    public func candidates(_ models: [ModelAssessment]) -> [PlannedTask] {
        var tasks: [PlannedTask] = []
        let env = environment.triggers
        let levels = signals.levels
        let signalText = String(format: "dopamine %.2f, cortisol %.2f, growth %.2f, serotonin %.2f",
                                levels.dopamine, levels.cortisol, levels.growth, levels.serotonin)
        for a in models {
            var options: [PlannedTask] = []
            func add(_ type: TaskType, metric: String, gap: Double, reasons: [String], teacher: String? = nil, boost: Double = 1, triggers: [String] = []) {
                let modulation = signalDriven ? signals.modulation(for: type) : 1
                let rejections = a.recentRejections[type] ?? 0
                let backoff = pow(Self.rejectionBackoff, Double(rejections))
                let priority = gap * modulation * boost * backoff
                var why = reasons
                if rejections > 0 {
                    why.append(String(format: "backoff × %.3g: the last %d %@ candidate(s) of this model were not promoted", backoff, rejections, type.rawValue))
                }
                why.append(String(format: "priority %.3f = gap %.3f × signal modulation %.2f%@ (%@)", priority, gap, modulation,
                                  boost == 1 ? "" : String(format: " × trigger boost %.2f", boost), signalText))
                options.append(PlannedTask(model: a.id, type: type, priority: priority, metric: metric, gap: gap,
                                           teacher: teacher, reasons: why, signals: levels, triggers: triggers + env))
            }
            let q = a.qualityMetric
            let boost = a.idleSeconds.map { $0 > Self.idleSeconds } == true ? 1.2 : 1
            let idleTrigger = boost > 1 ? ["idle"] : []
            if let value = a.metrics[q] {
                let target = a.targets[q]
                let gap = target.map { MetricKind.gap(q, value: value, target: $0) } ?? 0
                if gap > 0 {
                    let targetText = String(format: "%@ %.4g on held-out data, target %.4g: gap %.3f", q, value, target!, gap)
                    if isPlateau(a) && architectureSearch {
                        let gains = a.recentTrainingGains.suffix(Self.plateauLength).map { String(format: "%.3f", $0) }.joined(separator: ", ")
                        var reasons = [targetText, "plateau: last training gains \(gains) below threshold \(threshold)"]
                        var b = boost
                        if env.contains("high_load") {
                            b *= 0.5
                            reasons.append("high_load: architecture search at half priority, with a smaller population")
                        }
                        add(.architecture, metric: q, gap: gap, reasons: reasons, boost: b, triggers: idleTrigger + ["plateau"])
                    } else {
                        var reasons = [targetText]
                        var b = boost
                        var trig = idleTrigger
                        if a.freshData { reasons.append("new training data since the champion was trained"); b *= 1.5; trig.append("data_drift") }
                        add(.training, metric: q, gap: gap, reasons: reasons, boost: b, triggers: trig)
                    }
                } else if a.freshData {
                    add(.training, metric: q, gap: threshold, reasons: ["\(q) meets its target, but there is new training data since the champion was trained"], triggers: ["data_drift"])
                }
            }
            for metric in ["latency_p50_us", "latency_p99_us", "parameters", "bytes"] {
                guard let value = a.metrics[metric] else { continue }
                var limits: [(Double, String)] = []
                if let t = a.targets[metric] { limits.append((t, "target")) }
                for (name, bounded) in ModelSpec.constraintMetrics where bounded == metric {
                    if let c = a.constraints[name] { limits.append((c, "constraint " + name)) }
                }
                for (limit, what) in limits {
                    let gap = MetricKind.gap(metric, value: value, target: limit)
                    guard gap > 0 else { continue }
                    let text = String(format: "%@ %.4g, %@ %.4g: gap %.3f", metric, value, what, limit, gap)
                    if what.hasPrefix("constraint") {
                        // A champion over a constraint is compressed before anything else is tried.
                        add(.optimization, metric: metric, gap: gap, reasons: [text, "over a constraint: meeting it comes first"],
                            boost: boost * (1 + 1 / gap), triggers: idleTrigger + ["constraint"])
                    } else {
                        add(.optimization, metric: metric, gap: gap, reasons: [text], boost: boost, triggers: idleTrigger)
                    }
                }
            }
            if distillation, let value = a.metrics[q] {
                let peers = models.filter { $0.id != a.id && $0.evalSHA256 == a.evalSHA256 && $0.task == a.task }
                if let best = peers.compactMap({ p in p.metrics[q].map { (p, $0) } })
                    .max(by: { MetricKind.error(q, $0.1) > MetricKind.error(q, $1.1) }) {
                    let gain = MetricKind.relativeGain(q, old: value, new: best.1)
                    if gain >= threshold {
                        add(.distillation, metric: q, gap: min(1, gain),
                            reasons: [String(format: "%@ has %@ %.4g vs %.4g on the same eval set (sha256 %@…): relative gain %.3f", best.0.id, q, best.1, value, String(a.evalSHA256.prefix(12)), gain)],
                            teacher: best.0.id, boost: boost, triggers: idleTrigger + ["better_peer"])
                    }
                }
            }
            let constrained = options.filter { $0.triggers.contains("constraint") }
            let pool = constrained.isEmpty ? options : constrained
            if let best = pool.max(by: { ($0.priority, $1.model) < ($1.priority, $0.model) }) { tasks.append(best) }
        }
        return tasks.sorted { ($0.priority, $1.model) > ($1.priority, $0.model) }
    }

    /// The plan: the best candidates, as many as the (cortisol-adjusted) concurrency allows.
    public func plan(_ models: [ModelAssessment]) -> [PlannedTask] {
        Array(candidates(models).prefix(signals.concurrency(configured: maxTasks)))
    }
}
