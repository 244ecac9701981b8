import Foundation
import NimpCore
import NimpIO
import NimpRegistry

/// What the planner expects a task to gain on held-out data per CPU-second, and how sure
/// it is; `--plan` prints it with each task.
public struct GainEstimate: Codable, Sendable, Equatable {
    /// Posterior mean of held-out gain per CPU-second.
    public var gainPerCPUSecond: Double
    /// Its standard deviation (of the mean, not of one task).
    public var sd: Double
    /// The Thompson draw the plan was ordered by.
    public var sampled: Double
    public var gainPerTask: Double
    public var cpuSecondsPerTask: Double
    /// Tasks of this model and kind behind it (a weight, after forgetting), and of the pool.
    public var tasks: Double
    public var pooledTasks: Double
    /// Mean gain per task the rules' priority stands for (the prior).
    public var priorGain: Double

    enum CodingKeys: String, CodingKey {
        case sd, sampled, tasks
        case gainPerCPUSecond = "gain_per_cpu_second"
        case gainPerTask = "gain_per_task"
        case cpuSecondsPerTask = "cpu_seconds_per_task"
        case pooledTasks = "pooled_tasks"
        case priorGain = "prior_gain"
    }
}

/// The learning planner's memory: for each model and kind, what its tasks gained on
/// held-out data and cost in CPU (folded into state/history.json, never read from
/// history), pooled over models of alike features. A task's expected gain per
/// CPU-second is a normal posterior that starts from the rules' priority (gap × signal
/// modulation × boosts, the signals as the prior), moves toward the pool of alike
/// models, then toward the model's own record; the plan orders tasks by one Thompson
/// draw each, seeded, so the same registry plans the same (README, "The planner learns").
public struct Learning: Sendable {
    public var models: [String: [String: GainStats]]
    public var pools: [String: GainStats]
    public var seed: UInt64
    /// Mean CPU-seconds of a task of each kind, and of any task, over the registry.
    var cpuPerTask: [String: Double] = [:]
    var cpuPerAnyTask: Double?

    /// Expected gain per task of a priority-1 task before any evidence.
    public static let priorGainPerPriority = 0.1
    /// The prior counts as this many tasks; a pool as at most `poolWeight`.
    public static let priorWeight = 1.0
    public static let poolWeight = 4.0
    /// CPU-seconds of a task in a registry that never ran one.
    public static let defaultCPUSeconds = 60.0
    /// A task whose draw is below this fraction of the best task's expected gain per CPU-second waits.
    public static let lowReturn = 0.1
    /// The least CPU a task is expected to take (a measured 0 is a clock's resolution).
    public static let minimumCPUSeconds = 0.01
    /// The least spread of one task's gain, so no record looks certain.
    public static let minimumSD = 0.01

    public init(models: [String: [String: GainStats]], pools: [String: GainStats], seed: UInt64) {
        self.models = models
        self.pools = pools
        self.seed = seed
        var cpu: [String: (Double, Double)] = [:]
        for (key, g) in pools {
            let type = String(key.split(separator: " ").last ?? "")
            cpu[type, default: (0, 0)].0 += g.cpuSeconds
            cpu[type, default: (0, 0)].1 += g.tasks
        }
        cpuPerTask = cpu.compactMapValues { $0.1 > 0 && $0.0 > 0 ? $0.0 / $0.1 : nil }
        let all = cpu.values.reduce((0.0, 0.0)) { ($0.0 + $1.0, $0.1 + $1.1) }
        cpuPerAnyTask = all.1 > 0 && all.0 > 0 ? all.0 / all.1 : nil
    }

    /// From the summary of history; nil when no task was ever recorded (the rules plan alone).
    public init?(_ summary: HistorySummary, seed: UInt64) {
        guard summary.pools.values.contains(where: { $0.tasks > 0 }) else { return nil }
        self.init(models: summary.models.mapValues(\.learned), pools: summary.pools, seed: seed)
    }

    /// `priority`: the rules' priority before `backoff`, the rules' discount for candidates
    /// not promoted in a row, which scales the posterior: a record says what a kind gains
    /// when it works, a run of failures that it has stopped working for now.
    public func estimate(_ a: ModelAssessment, _ type: TaskType, priority: Double, backoff: Double = 1) -> GainEstimate {
        let own = models[a.id]?[type.rawValue] ?? GainStats()
        let features = ModelFeatures(task: a.task, parameters: a.metrics["parameters"])
        var pool = pools[GainStats.pool(features, type.rawValue)] ?? GainStats()
        // The pool without this model's own tasks (forgetting makes this approximate; floored at 0).
        pool = GainStats(tasks: max(0, pool.tasks - own.tasks), gain: max(0, pool.gain - own.gain),
                         gainSquared: max(0, pool.gainSquared - own.gainSquared), cpuSeconds: max(0, pool.cpuSeconds - own.cpuSeconds))
        let priorGain = max(0, priority) * Self.priorGainPerPriority
        let priorSD = max(priorGain, 0.05)
        let w0 = Self.priorWeight, wp = min(pool.tasks, Self.poolWeight)
        let poolMean = pool.tasks > 0 ? pool.gain / pool.tasks : 0
        let poolSquare = pool.tasks > 0 ? pool.gainSquared / pool.tasks : 0
        let n = w0 + wp + own.tasks
        let mean = (w0 * priorGain + wp * poolMean + own.gain) / n
        let square = (w0 * (priorSD * priorSD + priorGain * priorGain) + wp * poolSquare + own.gainSquared) / n
        let sd = max(Self.minimumSD, (max(0, square - mean * mean)).squareRoot()) / n.squareRoot()
        let c0 = cpuPerTask[type.rawValue] ?? cpuPerAnyTask ?? Self.defaultCPUSeconds
        let poolCPU = pool.tasks > 0 && pool.cpuSeconds > 0 ? pool.cpuSeconds / pool.tasks : c0
        let cpu = max(Self.minimumCPUSeconds, (w0 * c0 + wp * poolCPU + own.cpuSeconds) / n)
        var rng = RNG(seed: Self.mix(seed, a.id, type.rawValue))
        let draw = (mean + sd * Double(rng.normal())) * backoff
        return GainEstimate(gainPerCPUSecond: mean * backoff / cpu, sd: sd * backoff / cpu, sampled: draw / cpu, gainPerTask: mean * backoff,
                            cpuSecondsPerTask: cpu, tasks: own.tasks, pooledTasks: pool.tasks, priorGain: priorGain * backoff)
    }

    /// One stream per model and kind, so a draw does not depend on what else is planned.
    static func mix(_ seed: UInt64, _ id: String, _ type: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ seed
        for b in id.utf8 + [0] + type.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return h
    }

    /// The seed of cycle `iteration`'s draws: the same registry state plans the same.
    public static func seed(iteration: Int) -> UInt64 { UInt64(truncatingIfNeeded: iteration) &* 0x9E37_79B9_7F4A_7C15 ^ 0x4C45_4152_4E }

    /// The reason `--plan` gives for a task's place.
    static func reason(_ e: GainEstimate, _ type: TaskType) -> String {
        let record = e.tasks >= 0.5 ? String(format: "%.1f %@ task(s) of this model", e.tasks, type.rawValue) : "no \(type.rawValue) task of this model yet"
        return String(format: "learned: %@ gains %.3g ± %.2g per CPU-second (%.3g per task over %.3g CPU-s; %@, %.1f pooled from alike models, prior %.3g from the rules); Thompson draw %.3g",
                      type.rawValue, e.gainPerCPUSecond, e.sd, e.gainPerTask, e.cpuSecondsPerTask, record, e.pooledTasks, e.priorGain, e.sampled)
    }
}
