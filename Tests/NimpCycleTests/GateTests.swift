import Foundation
import Testing
import NimpCore
@testable import NimpCycle

/// The gate on synthetic per-row outcomes: each case sets the rows on which the two models
/// differ, so the evidence is known exactly.
@Suite struct GateTests {
    /// A regressor's outcomes from its per-row errors (target variance 1, so mean squared error = 1 − R²).
    func regression(_ errors: [Double]) -> SampleOutcomes {
        var o = SampleOutcomes(task: .regression, count: errors.count)
        o.squaredError = errors.map { $0 * $0 }
        o.scaledSquaredError = o.squaredError
        o.absoluteError = errors.map { abs($0) }
        return o
    }

    /// A classifier's outcomes: `right[i]` whether row i is predicted right, `loss[i]` its log loss.
    func classification(right: [Bool], loss: [Double]) -> SampleOutcomes {
        var o = SampleOutcomes(task: .classification, count: right.count)
        o.labels = [Int32](repeating: 0, count: right.count)
        o.predicted = right.map { $0 ? 0 : 1 }
        o.classes = 2
        o.logLoss = loss
        return o
    }

    func metrics(_ o: SampleOutcomes, parameters: Double = 1000, latency: Double = 1) -> [String: Double] {
        var m: [String: Double] = ["parameters": parameters, "latency_p50_us": latency, "bytes": parameters * 4]
        if o.task == .regression {
            let mse = o.squaredError.reduce(0, +) / Double(o.count)
            m["r2"] = 1 - mse
            m["mse"] = mse
            m["mae"] = o.absoluteError.reduce(0, +) / Double(o.count)
        } else {
            m["accuracy"] = Double(zip(o.predicted, o.labels).count { $0 == $1 }) / Double(o.count)
            m["log_loss"] = o.logLoss.reduce(0, +) / Double(o.count)
        }
        return m
    }

    func decide(_ old: SampleOutcomes, _ new: SampleOutcomes, metric: String? = nil, threshold: Double = 0.1,
                before: [String: Double]? = nil, after: [String: Double]? = nil,
                targets: [String: Double] = [:], constraints: [String: Double] = [:]) -> Gate.Decision {
        let quality = old.task == .regression ? "r2" : "accuracy"
        var r = Gate.Request(metric: metric ?? quality, qualityMetric: quality, task: old.task, before: before ?? metrics(old),
                             after: after ?? metrics(new), comparison: PairedComparison(champion: old, candidate: new),
                             threshold: threshold, confidence: 0.95)
        r.targets = targets
        r.constraints = constraints
        return Gate.decide(r)
    }

    /// Errors of a champion on 200 rows, and a candidate that removes `share` of each.
    func pair(rows: Int = 200, share: Double, noise: Double = 0) -> (SampleOutcomes, SampleOutcomes) {
        var rng = RNG(seed: 11)
        let e = (0..<rows).map { _ in 0.3 * Double(rng.normal()) }
        return (regression(e), regression(e.map { $0 * (1 - share) + noise * Double(rng.normal()) }))
    }

    @Test func clearGainIsPromotedWithItsEvidence() throws {
        let (old, new) = pair(share: 0.5)
        let d = decide(old, new)
        #expect(d.promote, "\(d.reason)")
        let e = try #require(d.evidence)
        #expect(e.evidence.test == .pairedT)
        #expect(e.evidence.n == 200)
        #expect(e.interval.0 > 0)
        #expect(abs(e.change - (metrics(new)["r2"]! - metrics(old)["r2"]!)) <= 1e-12)
        #expect(d.reason.contains("paired t on squared error, n=200"), "\(d.reason)")
    }

    @Test func worseOrSmallGainsAreRejected() {
        let (old, new) = pair(share: -0.2)
        #expect(!decide(old, new).promote)
        // 5% less error against a 10% threshold.
        let (a, b) = pair(share: 0.025)
        let small = decide(a, b)
        #expect(!small.promote)
        #expect(small.reason.contains("below the threshold"), "\(small.reason)")
    }

    /// A fixed eval set's last promotions need larger gains: 30% less error passes the
    /// threshold with the budget untouched, not with one promotion of ten left.
    @Test func theThresholdRisesAsAnEvalSetsPromotionsRunOut() {
        #expect(Gate.threshold(0.1, promotionsSpent: 0, budget: 10) == 0.1)
        #expect(abs(Gate.threshold(0.1, promotionsSpent: 5, budget: 10) - 0.1 * 2.0.squareRoot()) <= 1e-12)
        #expect(abs(Gate.threshold(0.1, promotionsSpent: 9, budget: 10) - 0.1 * 10.0.squareRoot()) <= 1e-12)
        #expect(Gate.threshold(0.1, promotionsSpent: 12, budget: 10) == Gate.threshold(0.1, promotionsSpent: 9, budget: 10))
        let (old, new) = pair(share: 0.17)  // 1 − 0.83² ≈ 31% less squared error
        #expect(decide(old, new, threshold: Gate.threshold(0.1, promotionsSpent: 0, budget: 10)).promote)
        let late = decide(old, new, threshold: Gate.threshold(0.1, promotionsSpent: 9, budget: 10))
        #expect(!late.promote && late.reason.contains("below the threshold 0.3162"), "\(late.reason)")
    }

    /// A gain above the threshold made of noise: the errors move both ways (×1.3 on even rows,
    /// ×0.5 on odd ones), 3% less squared error on average.
    @Test func noisyGainIsNotSignificant() {
        let (old, _) = pair(rows: 60, share: 0)
        let new = regression(old.absoluteError.enumerated().map { $0.element * ($0.offset % 2 == 0 ? 1.3 : 0.5) })
        let d = decide(old, new, threshold: 0)
        #expect(!d.promote, "\(d.reason)")
        #expect(d.reason.contains("not significant"), "\(d.reason)")
    }

    /// The penguins case: 86 rows, one more right, log loss worse. Accuracy 0.988 → 1.0 is "100% less error".
    @Test func oneRowNeverPromotes() {
        var right = [Bool](repeating: true, count: 86)
        right[40] = false
        let old = classification(right: right, loss: [Double](repeating: 0.0257, count: 86))
        let new = classification(right: [Bool](repeating: true, count: 86), loss: [Double](repeating: 0.0338, count: 86))
        let d = decide(old, new)
        #expect(abs(d.gain - 1) <= 1e-12)
        #expect(!d.promote, "\(d.reason)")
        #expect(d.evidence?.evidence.test == .mcNemar)
        #expect(d.reason.contains("not significant"), "\(d.reason)")
    }

    /// Accuracy up significantly, log loss up significantly too: a trade, rejected.
    @Test func noSilentTrade() {
        let n = 300
        var oldRight = [Bool](repeating: true, count: n)
        for i in 0..<60 { oldRight[i] = false }
        let old = classification(right: oldRight, loss: (0..<n).map { 0.3 + 0.01 * Double($0 % 5) })
        var newRight = [Bool](repeating: true, count: n)
        for i in 0..<20 { newRight[i] = false }
        let overconfident = classification(right: newRight, loss: (0..<n).map { 0.5 + 0.01 * Double($0 % 7) })
        let d = decide(old, overconfident)
        #expect(!d.promote, "\(d.reason)")
        #expect(d.reason.contains("log_loss is significantly worse"), "\(d.reason)")
        #expect(d.checks.map(\.metric) == ["log_loss"])
        // The same accuracy gain with a log loss that is worse only within its noise: accepted, and written down.
        var closeLoss: [Double] = (0..<n).map { 0.3 + 0.01 * Double(($0 + 2) % 5) }
        closeLoss[7] += 0.2
        let close = classification(right: newRight, loss: closeLoss)
        let accepted = decide(old, close)
        #expect(accepted.promote, "\(accepted.reason)")
        #expect(accepted.reason.contains("log_loss is worse within its noise, accepted"), "\(accepted.reason)")
    }

    @Test func tooFewRowsIsInsufficientEvidence() {
        let (old, new) = pair(rows: 29, share: 0.9)
        let d = decide(old, new)
        #expect(!d.promote)
        #expect(d.reason.contains("insufficient evidence"), "\(d.reason)")
        #expect(decide(pair(rows: 30, share: 0.9).0, pair(rows: 30, share: 0.9).1).promote)
    }

    @Test func constraintsAreHard() {
        let (old, new) = pair(share: 0.5)
        // The champion meets max_parameters 3000; a better but bigger candidate does not get in.
        let big = decide(old, new, after: metrics(new, parameters: 3277), constraints: ["max_parameters": 3000])
        #expect(!big.promote)
        #expect(big.reason.contains("parameters 3277 is over max_parameters 3000"), "\(big.reason)")
        // A champion further over the constraint may be replaced by one less over it, and the reason says so.
        let shrink = decide(old, old, metric: "parameters", before: metrics(old, parameters: 4801), after: metrics(old, parameters: 3277),
                            constraints: ["max_parameters": 3000])
        #expect(shrink.promote, "\(shrink.reason)")
        #expect(shrink.reason.contains("replaces a champion further over (4801)"), "\(shrink.reason)")
        // Latency marked as a constraint.
        let slow = decide(old, new, after: metrics(new, latency: 2.5), constraints: ["max_latency_p50_us": 2])
        #expect(!slow.promote, "\(slow.reason)")
    }

    @Test func sizeGainsCountOnlyWithinTheQualityBudget() {
        let (old, _) = pair(share: 0)
        var lossy = old
        lossy.squaredError = old.squaredError.map { $0 + 2 * Gate.qualityTolerance }
        lossy.scaledSquaredError = lossy.squaredError
        let d = decide(old, lossy, metric: "parameters", after: metrics(lossy, parameters: 300))
        #expect(!d.promote)
        #expect(d.reason.contains("quality is over its budget"), "\(d.reason)")
        var slight = old
        slight.squaredError = old.squaredError.map { $0 + Gate.qualityTolerance / 2 }
        slight.scaledSquaredError = slight.squaredError
        let ok = decide(old, slight, metric: "parameters", after: metrics(slight, parameters: 300))
        #expect(ok.promote, "\(ok.reason)")
        #expect(ok.reason.contains("quality within its budget: r2 -0.005"), "\(ok.reason)")
    }

    /// Within the budget, but below the quality target the champion meets: turned down. A
    /// champion already short of its target may still trade within the budget.
    @Test func sizeTasksKeepAQualityTargetTheChampionMeets() throws {
        let (old, _) = pair(share: 0)
        var slight = old
        slight.squaredError = old.squaredError.map { $0 + Gate.qualityTolerance / 2 }
        slight.scaledSquaredError = slight.squaredError
        let before = metrics(old), after = metrics(slight, parameters: 300)
        let r2Old = try #require(before["r2"]), r2New = try #require(after["r2"])
        #expect(r2New < r2Old)
        let kept = decide(old, slight, metric: "parameters", after: after, targets: ["r2": r2Old])
        #expect(!kept.promote)
        #expect(kept.reason.contains("below its target"), "\(kept.reason)")
        #expect(decide(old, slight, metric: "parameters", after: after, targets: ["r2": r2New]).promote, "both meet it")
        #expect(decide(old, slight, metric: "parameters", after: after, targets: ["r2": r2Old + 0.001]).promote, "neither meets it")
    }

    @Test func latencyGuardOnlyWithLatencyTarget() {
        let (old, new) = pair(share: 0.5)
        #expect(decide(old, new, after: metrics(new, latency: 3)).promote)
        #expect(!decide(old, new, after: metrics(new, latency: 3), targets: ["latency_p50_us": 2]).promote)
    }

    @Test func modelWithoutChampionTakesFirstValidVersion() {
        let r = Gate.Request(metric: "r2", qualityMetric: "r2", task: .regression, before: nil, after: ["r2": -1, "parameters": 9000],
                             comparison: nil, threshold: 0.1, confidence: 0.95)
        var over = r
        over.constraints = ["max_parameters": 5000]
        #expect(Gate.decide(r).promote)
        let d = Gate.decide(over)
        #expect(d.promote)
        #expect(d.reason.contains("over max_parameters 5000"), "\(d.reason)")
    }

    @Test func tradeMetrics() {
        #expect(Gate.tradeMetrics(.classification, primary: "accuracy", targets: [:]) == ["log_loss"])
        #expect(Gate.tradeMetrics(.classification, primary: "log_loss", targets: ["macro_f1": 0.9]) == ["accuracy", "macro_f1"])
        #expect(Gate.tradeMetrics(.regression, primary: "r2", targets: ["rmse": 0.1]) == ["mae"])
        #expect(Gate.tradeMetrics(.regression, primary: "mae", targets: [:]) == ["r2"])
    }
}
