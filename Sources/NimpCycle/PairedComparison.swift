import Foundation
import NimpCore
import NimpIO
import NimpOperators
import NimpRegistry

/// A champion and a candidate on the same eval rows: the paired evidence behind each
/// quality metric (README, "The gate").
public struct PairedComparison: Sendable {
    public var champion: SampleOutcomes
    public var candidate: SampleOutcomes

    public init(champion: SampleOutcomes, candidate: SampleOutcomes) {
        precondition(champion.count == candidate.count && champion.task == candidate.task, "paired outcomes of different rows")
        self.champion = champion
        self.candidate = candidate
    }

    public var rows: Int { champion.count }

    /// The candidate's improvement on `metric` with its interval, or nil for a metric that
    /// is not a quality metric of this task. R² and MSE are compared on squared errors,
    /// MAE on absolute errors and log loss on per-row log loss (paired t); accuracy on
    /// right/wrong (McNemar); macro F1, which is no mean over rows, by a paired bootstrap.
    public func evidence(_ metric: String, confidence: Double) -> PairedEvidence? {
        func t(_ old: [Double], _ new: [Double]) -> PairedEvidence? {
            guard old.count == rows, new.count == rows else { return nil }
            return PairedTest.t(improvements: zip(old, new).map { $0 - $1 }, confidence: confidence)
        }
        switch metric {
        case "r2": return t(champion.scaledSquaredError, candidate.scaledSquaredError)
        case "mse", "rmse": return t(champion.squaredError, candidate.squaredError)
        case "mae": return t(champion.absoluteError, candidate.absoluteError)
        case "log_loss": return t(champion.logLoss, candidate.logLoss)
        case "accuracy", "macro_f1":
            guard champion.task == .classification else { return nil }
            let labels = champion.labels, old = champion.predicted, new = candidate.predicted
            var better = 0, worse = 0
            for i in 0..<rows {
                let wasRight = old[i] == labels[i], isRight = new[i] == labels[i]
                if isRight && !wasRight { better += 1 } else if wasRight && !isRight { worse += 1 }
            }
            if metric == "accuracy" { return PairedTest.mcNemar(better: better, worse: worse, n: rows, confidence: confidence) }
            let classes = champion.classes
            return PairedTest.bootstrap(n: rows, confidence: confidence, seed: 0x6A7E, robust: better >= 2) { weights in
                var a = [Int](repeating: 0, count: classes * classes), b = a
                for i in 0..<rows where weights[i] > 0 {
                    let w = Int(weights[i]), l = Int(labels[i])
                    a[l * classes + Int(old[i])] += w
                    b[l * classes + Int(new[i])] += w
                }
                return macroF1(confusion: b, classes: classes) - macroF1(confusion: a, classes: classes)
            }
        default:
            return nil
        }
    }

    /// The test each quality metric gets.
    static func test(_ metric: String) -> PairedEvidence.Test {
        switch metric {
        case "accuracy": .mcNemar
        case "macro_f1": .bootstrap
        default: .pairedT
        }
    }

    /// What the test compares, in words.
    static func basis(_ metric: String) -> String {
        switch metric {
        case "r2", "mse", "rmse": "squared error"
        case "mae": "absolute error"
        case "log_loss": "log loss"
        case "accuracy": "right/wrong"
        default: "macro F1"
        }
    }
}

/// The evidence on one metric as the history and messages show it: the change
/// (candidate − champion, in the metric's direction) and its interval.
public struct MetricEvidence: Sendable, Equatable {
    public var metric: String
    public var evidence: PairedEvidence

    /// The metric the change is stated in: RMSE is tested as MSE.
    public var shownMetric: String { metric == "rmse" ? "mse" : metric }
    var sign: Double { MetricKind.isHigherBetter(metric) ? 1 : -1 }
    public var change: Double { sign * evidence.effect }
    public var interval: (Double, Double) {
        let a = sign * evidence.lower, b = sign * evidence.upper
        return (min(a, b), max(a, b))
    }

    /// `r2 +0.0223 (95% bounds +0.0110 … +0.0336; paired t on squared error, n=400, p=0.0004)`:
    /// each bound one-sided at the confidence.
    public var text: String {
        let (lo, hi) = interval
        let p = evidence.pValue < 1e-4 ? "p<0.0001" : String(format: "p=%.4f", evidence.pValue)
        return String(format: "%@ %+.4g (%.0f%% bounds %+.4g … %+.4g; %@ on %@, n=%d, %@)", shownMetric, change,
                      evidence.confidence * 100, lo, hi, evidence.test.rawValue, PairedComparison.basis(metric), evidence.n, p)
    }

    public var json: JSONValue {
        let (lo, hi) = interval
        func number(_ x: Double) -> JSONValue { x.isFinite ? .number(x) : .null }
        return .object([
            "metric": .string(shownMetric), "test": .string(evidence.test.rawValue), "on": .string(PairedComparison.basis(metric)),
            "n": .int(evidence.n), "change": number(change), "bounds": .array([number(lo), number(hi)]),
            "confidence": .number(evidence.confidence), "p_value": number(evidence.pValue),
        ])
    }
}
