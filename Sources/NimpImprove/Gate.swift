import Foundation
import NimpCore

/// The promotion gate: a candidate replaces the champion only when its gain on the
/// task's metric, measured on the fixed held-out eval set, reaches the threshold, and
/// no guarded metric regresses beyond its tolerance.
public enum Gate {
    /// The most a task may lose on the model's quality metric (R², accuracy or F1
    /// points; relative error for the others) when it targets something else.
    public static let qualityTolerance = 0.01
    /// Single-sample latency is noisy on a shared machine: a candidate may be this many
    /// times slower than the champion before latency counts as a regression (only for
    /// models with a latency target or constraint).
    public static let latencyTolerance = 1.5

    public struct Decision: Sendable, Equatable {
        public var promote: Bool
        public var gain: Double
        public var reason: String
    }

    /// `before` nil: the model has no champion, so any valid candidate is promoted.
    public static func decide(metric: String, qualityMetric: String, before: [String: Double]?, after: [String: Double],
                              threshold: Double, targets: [String: Double], constraints: [String: Double]) -> Decision {
        guard let before else {
            return Decision(promote: true, gain: 0, reason: "first valid version of a model without a champion")
        }
        guard let old = before[metric], let new = after[metric] else {
            return Decision(promote: false, gain: 0, reason: "metric \(metric) missing from the measurements")
        }
        let gain = MetricKind.relativeGain(metric, old: old, new: new)
        guard gain >= threshold else {
            return Decision(promote: false, gain: gain, reason: String(format: "gain %.4f on %@ (%.6g → %.6g) is below the threshold %.4f", gain, metric, old, new, threshold))
        }
        if metric != qualityMetric, let qOld = before[qualityMetric], let qNew = after[qualityMetric] {
            let drop = MetricKind.bounded.contains(qualityMetric)
                ? qOld - qNew
                : -MetricKind.relativeGain(qualityMetric, old: qOld, new: qNew)
            if drop > qualityTolerance {
                return Decision(promote: false, gain: gain, reason: String(format: "guard: %@ fell from %.6g to %.6g, more than the tolerance %.3f", qualityMetric, qOld, qNew, qualityTolerance))
            }
        }
        if let limit = constraints["max_parameters"], let p = after["parameters"], p > limit, p > (before["parameters"] ?? 0) {
            return Decision(promote: false, gain: gain, reason: String(format: "guard: %.0f parameters exceed max_parameters %.0f", p, limit))
        }
        let latencyGuarded = targets["latency_p50_us"] != nil || constraints["max_latency_p50_us"] != nil
        if latencyGuarded, metric != "latency_p50_us", let lOld = before["latency_p50_us"], let lNew = after["latency_p50_us"], lNew > lOld * latencyTolerance {
            return Decision(promote: false, gain: gain, reason: String(format: "guard: latency p50 rose from %.3g to %.3g µs", lOld, lNew))
        }
        return Decision(promote: true, gain: gain, reason: String(format: "gain %.4f on %@ (%.6g → %.6g) reaches the threshold %.4f", gain, metric, old, new, threshold))
    }
}
