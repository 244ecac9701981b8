import Foundation

/// The adaptive signals ("hormones"): levels in [0, 1] that decay toward a baseline
/// every cycle and move with what the cycle saw. They modulate the plan:
/// - dopamine (reward): recent promotion gains; raises the priority of the task types
///   that recently paid off.
/// - cortisol (stress): failed tasks, rejected candidates, machine pressure; raises
///   the priority of optimization, lowers concurrency and per-task budgets.
/// - growth (learning-rate adaptation): plateaus raise it; scales the learning rate
///   and epochs of training tasks.
/// - serotonin (stability): rises after quiet cycles, falls with promotions and
///   rollbacks; below its baseline it raises the promotion threshold to stop churn.
public struct SignalLevels: Codable, Equatable, Sendable {
    public var dopamine: Double
    public var cortisol: Double
    public var growth: Double
    public var serotonin: Double

    public init(dopamine: Double, cortisol: Double, growth: Double, serotonin: Double) {
        self.dopamine = dopamine
        self.cortisol = cortisol
        self.growth = growth
        self.serotonin = serotonin
    }

    public static let baseline = SignalLevels(dopamine: 0.3, cortisol: 0.2, growth: 0.3, serotonin: 0.6)

    /// Fraction of the distance to the baseline removed each cycle.
    public static let decayRate = 0.3

    public var asDictionary: [String: Double] {
        ["dopamine": dopamine, "cortisol": cortisol, "growth": growth, "serotonin": serotonin]
    }
}

/// What one cycle did, as the signals see it.
public struct CycleOutcome: Sendable {
    /// Relative gains of the promotions made, by task type.
    public var promotions: [(type: TaskType, gain: Double)] = []
    public var rejected = 0
    public var failed = 0
    public var rollbacks = 0
    /// Models on a plateau / models assessed.
    public var plateauFraction = 0.0
    /// 0 (idle machine) … 1 (load, memory or disk at their limits).
    public var pressure = 0.0

    public init() {}
}

/// The state of the signals: levels and per-task-type reward memory. The registry's
/// signals.json persists it, with the history of levels.
public struct SignalState: Codable, Equatable, Sendable {
    public var levels: SignalLevels
    /// Exponential moving average of promotion gains per task type, in [0, 1].
    public var reward: [String: Double]

    public init(levels: SignalLevels = .baseline, reward: [String: Double] = [:]) {
        self.levels = levels
        self.reward = reward
    }

    /// Decay toward the baseline, then apply the cycle's outcome. Documented in the
    /// README ("Signals"); tests pin each rule.
    public mutating func update(after outcome: CycleOutcome) {
        let b = SignalLevels.baseline
        let k = 1 - SignalLevels.decayRate
        var l = SignalLevels(dopamine: b.dopamine + (levels.dopamine - b.dopamine) * k,
                             cortisol: b.cortisol + (levels.cortisol - b.cortisol) * k,
                             growth: b.growth + (levels.growth - b.growth) * k,
                             serotonin: b.serotonin + (levels.serotonin - b.serotonin) * k)
        let totalGain = outcome.promotions.reduce(0) { $0 + $1.gain }
        l.dopamine += 0.5 * min(1, totalGain)
        l.cortisol += 0.1 * Double(outcome.failed) + 0.05 * Double(outcome.rejected) + 0.15 * outcome.pressure
        l.growth += 0.3 * outcome.plateauFraction - 0.05 * Double(outcome.promotions.count)
        let changes = outcome.promotions.count + outcome.rollbacks
        l.serotonin += changes == 0 && outcome.failed == 0 ? 0.1 : -0.08 * Double(changes)
        levels = SignalLevels(dopamine: clamp(l.dopamine), cortisol: clamp(l.cortisol),
                              growth: clamp(l.growth), serotonin: clamp(l.serotonin))

        for type in ImprovementKinds.types {
            let gains = outcome.promotions.filter { $0.type == type }.map(\.gain)
            let old = reward[type.rawValue] ?? 0
            reward[type.rawValue] = gains.isEmpty ? old * k : clamp(0.5 * old + 0.5 * min(1, gains.reduce(0, +)))
        }
    }

    // MARK: Effects

    /// Priority multiplier for a task type: dopamine amplifies types that paid off; each
    /// kind adds its own (cortisol favours optimization, holds back architecture search).
    public func modulation(for type: TaskType) -> Double {
        ImprovementKinds.named(type)?.modulation(self) ?? 1
    }

    /// Learning-rate multiplier for training tasks: 0.5× at growth 0, 1.5× at growth 1.
    public var learningRateScale: Double { 0.5 + levels.growth }
    /// Epoch multiplier for training tasks: 1× … 2×.
    public var epochScale: Double { 1 + levels.growth }

    /// Tasks per cycle: cortisol above its baseline lowers it, never below 1.
    public func concurrency(configured: Int) -> Int {
        let stress = max(0, levels.cortisol - SignalLevels.baseline.cortisol) / (1 - SignalLevels.baseline.cortisol)
        return max(1, Int((Double(configured) * (1 - 0.5 * stress)).rounded()))
    }

    /// Per-task budget multiplier: 1× … 0.5× with cortisol.
    public var budgetScale: Double { 1 - 0.5 * levels.cortisol }

    /// The promotion threshold: low serotonin raises it (up to 1.5× at serotonin 0).
    public func promotionThreshold(configured: Double) -> Double {
        let deficit = max(0, SignalLevels.baseline.serotonin - levels.serotonin) / SignalLevels.baseline.serotonin
        return configured * (1 + 0.5 * deficit)
    }
}

func clamp(_ x: Double) -> Double { min(1, max(0, x.isFinite ? x : 0)) }
