import Foundation
import NimpCore
import NimpRegistry

/// The promotion gate (README, "The gate"): a candidate replaces the champion only when
/// its gain on the task's metric reaches the threshold and is significant under a paired
/// test on the same eval rows, no other quality metric is significantly worse, quality
/// stays within its budget when the task was about size or speed, and every constraint
/// holds. It reads the eval set only: the audit set never reaches it.
public enum Gate {
    /// The most a size or latency task may lose on the model's quality metric (R², accuracy
    /// or F1 points; relative error for the others).
    public static let qualityTolerance = 0.01
    /// Single-sample latency is noisy on a shared machine: a candidate may be this many
    /// times slower than the champion before latency counts as a regression (only for
    /// models with a latency target or constraint).
    public static let latencyTolerance = 1.5
    /// Fewer eval rows than this decide nothing: the gate reports insufficient evidence.
    public static let minimumRows = 30

    /// The least gain that may spend a promotion of an eval set that cannot be regenerated:
    /// the threshold × √(budget / promotions left), so that the set's last decisions go to
    /// large steps rather than to a run of small ones (1.41× with half the budget left,
    /// 3.16× with one of ten).
    public static func threshold(_ base: Double, promotionsSpent spent: Int, budget: Int) -> Double {
        let left = max(1, budget - spent)
        return base * (Double(max(budget, 1)) / Double(left)).squareRoot()
    }

    public struct Request: Sendable {
        public var metric: String
        public var qualityMetric: String
        public var task: Task
        /// The champion's metrics on the eval set; nil when the model has no champion.
        public var before: [String: Double]?
        public var after: [String: Double]
        /// Both models on the same eval rows; nil when the model has no champion.
        public var comparison: PairedComparison?
        public var threshold: Double
        public var confidence: Double
        public var targets: [String: Double] = [:]
        public var constraints: [String: Double] = [:]

        public init(metric: String, qualityMetric: String, task: Task, before: [String: Double]?, after: [String: Double],
                    comparison: PairedComparison?, threshold: Double, confidence: Double) {
            self.metric = metric
            self.qualityMetric = qualityMetric
            self.task = task
            self.before = before
            self.after = after
            self.comparison = comparison
            self.threshold = threshold
            self.confidence = confidence
        }
    }

    public struct Decision: Sendable {
        public var promote: Bool
        public var gain: Double
        public var reason: String
        /// The paired test that decided (on the task's metric, or on the quality metric for
        /// a size or latency task).
        public var evidence: MetricEvidence?
        /// The other quality metrics compared, so that no trade goes unseen.
        public var checks: [MetricEvidence] = []
    }

    public static func decide(_ r: Request) -> Decision {
        guard let before = r.before else {
            var notes = ["first valid version of a model without a champion"]
            notes += violations(r.after, r.constraints).map { "\($0.text); the next cycles work on it first" }
            return Decision(promote: true, gain: 0, reason: notes.joined(separator: "; "))
        }
        guard let old = before[r.metric], let new = r.after[r.metric] else {
            return Decision(promote: false, gain: 0, reason: "metric \(r.metric) missing from the measurements")
        }
        let gain = MetricKind.relativeGain(r.metric, old: old, new: new)
        var d = Decision(promote: false, gain: gain, reason: "")
        func reject(_ why: String) -> Decision {
            d.reason = why
            return d
        }
        let change = String(format: "%@ %.6g → %.6g", r.metric, old, new)
        guard let comparison = r.comparison, comparison.rows >= minimumRows else {
            let n = r.comparison?.rows ?? 0
            return reject("insufficient evidence: the eval set has \(n) rows; a decision needs at least \(minimumRows)")
        }
        var notes: [String] = []
        let quality = MetricKind.quality.contains(r.metric)
        let tested = quality ? r.metric : r.qualityMetric
        d.evidence = comparison.evidence(tested, confidence: r.confidence).map { MetricEvidence(metric: tested, evidence: $0) }
        guard gain >= r.threshold else {
            return reject(String(format: "%@: gain %.4f is below the threshold %.4f", change, gain, r.threshold)
                          + (quality ? d.evidence.map { "; " + $0.text } ?? "" : ""))
        }
        if let e = d.evidence {
            if quality {
                guard e.evidence.significantlyBetter else {
                    let why = e.evidence.effect <= 0 ? "no improvement on the paired rows"
                        : e.evidence.robust ? "its lower bound is not above zero" : "it rests on a single row"
                    return reject(String(format: "%@: gain %.4f is not significant (%@): %@", change, gain, why, e.text))
                }
            } else if let qOld = before[tested], let qNew = r.after[tested] {
                let drop = Metric(rawValue: tested)?.isBoundedByOne == true ? qOld - qNew : -MetricKind.relativeGain(tested, old: qOld, new: qNew)
                if drop > qualityTolerance {
                    return reject(String(format: "%@, but quality is over its budget: %@ fell from %.6g to %.6g, more than %.3f: %@",
                                         change, tested, qOld, qNew, qualityTolerance, e.text))
                }
                // Near a target the budget is smaller: a model that meets its quality target keeps it.
                if let target = r.targets[tested], MetricKind.gap(tested, value: qOld, target: target) == 0,
                   MetricKind.gap(tested, value: qNew, target: target) > 0 {
                    return reject(String(format: "%@, but %@ fell from %.6g to %.6g, below its target %.6g, which the champion meets: %@",
                                         change, tested, qOld, qNew, target, e.text))
                }
                notes.append("quality within its budget: " + e.text)
            }
        }
        for metric in tradeMetrics(r.task, primary: tested, targets: r.targets) {
            guard let e = comparison.evidence(metric, confidence: r.confidence).map({ MetricEvidence(metric: metric, evidence: $0) }) else { continue }
            d.checks.append(e)
            guard e.evidence.effect < 0 else { continue }
            if !quality {
                // A size or latency task may spend the quality budget; what it spent is written down.
                notes.append("\(e.shownMetric) is worse, within the quality budget of a \(r.metric) task: \(e.text)")
            } else if e.evidence.significantlyWorse {
                return reject("\(change), but \(e.shownMetric) is significantly worse: \(e.text)")
            } else {
                notes.append("\(e.shownMetric) is worse within its noise, accepted: \(e.text)")
            }
        }
        for v in violations(r.after, r.constraints) {
            guard let was = before[v.metric], was > v.value else {
                return reject("\(change), but \(v.text)")
            }
            notes.append(String(format: "%@, accepted because it replaces a champion further over (%.6g)", v.text, was))
        }
        let latencyGuarded = r.targets["latency_p50_us"] != nil || r.constraints["max_latency_p50_us"] != nil
        if latencyGuarded, r.metric != "latency_p50_us", let lOld = before["latency_p50_us"], let lNew = r.after["latency_p50_us"],
           lNew > lOld * latencyTolerance {
            return reject(String(format: "%@, but latency p50 rose from %.3g to %.3g µs", change, lOld, lNew))
        }
        d.promote = true
        var reason = String(format: "%@: gain %.4f reaches the threshold %.4f", change, gain, r.threshold)
        if quality, let e = d.evidence { reason += " and is significant: " + e.text }
        d.reason = ([reason] + notes).joined(separator: "; ")
        return d
    }

    /// Quality metrics a candidate may not trade away: those the owner targets and the
    /// task's standard ones (log loss and accuracy for classifiers, R² and MAE for
    /// regressors), less the one tested and its own family (R², MSE and RMSE are one).
    static func tradeMetrics(_ task: Task, primary: String, targets: [String: Double]) -> [String] {
        let squared: Set<String> = ["r2", "mse", "rmse"]
        var metrics = Set(targets.keys.filter { MetricKind.quality.contains($0) })
        metrics.formUnion(task == .classification ? ["log_loss", "accuracy"] : ["r2", "mae"])
        metrics.remove(primary)
        if squared.contains(primary) { metrics.subtract(squared) }
        metrics.subtract(Metric.quality(for: task == .classification ? .regression : .classification).map(\.rawValue))
        return metrics.sorted()
    }

    /// A constraint a version breaks.
    public struct Violation: Sendable, Equatable {
        public var constraint: String
        public var metric: String
        public var limit: Double
        public var value: Double
        public var text: String { String(format: "%@ %.6g is over %@ %.6g", metric, value, constraint, limit) }
    }

    /// The constraints `metrics` break, by constraint name.
    public static func violations(_ metrics: [String: Double], _ constraints: [String: Double]) -> [Violation] {
        constraints.sorted { $0.key < $1.key }.compactMap { name, limit in
            guard let metric = ModelSpec.constraintMetrics[name], let value = metrics[metric], value > limit else { return nil }
            return Violation(constraint: name, metric: metric, limit: limit, value: value)
        }
    }
}
