import XCTest
import NimpCore
@testable import NimpCycle

/// The gate on synthetic per-row outcomes: each case sets the rows on which the two models
/// differ, so the evidence is known exactly.
final class GateTests: XCTestCase {
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

    func testClearGainIsPromotedWithItsEvidence() {
        let (old, new) = pair(share: 0.5)
        let d = decide(old, new)
        XCTAssertTrue(d.promote, d.reason)
        let e = try! XCTUnwrap(d.evidence)
        XCTAssertEqual(e.evidence.test, .pairedT)
        XCTAssertEqual(e.evidence.n, 200)
        XCTAssertGreaterThan(e.interval.0, 0)
        XCTAssertEqual(e.change, metrics(new)["r2"]! - metrics(old)["r2"]!, accuracy: 1e-12)
        XCTAssertTrue(d.reason.contains("paired t on squared error, n=200"), d.reason)
    }

    func testWorseOrSmallGainsAreRejected() {
        let (old, new) = pair(share: -0.2)
        XCTAssertFalse(decide(old, new).promote)
        // 5% less error against a 10% threshold.
        let (a, b) = pair(share: 0.025)
        let small = decide(a, b)
        XCTAssertFalse(small.promote)
        XCTAssertTrue(small.reason.contains("below the threshold"), small.reason)
    }

    /// A gain above the threshold made of noise: the errors move both ways (×1.3 on even rows,
    /// ×0.5 on odd ones), 3% less squared error on average.
    func testNoisyGainIsNotSignificant() {
        let (old, _) = pair(rows: 60, share: 0)
        let new = regression(old.absoluteError.enumerated().map { $0.element * ($0.offset % 2 == 0 ? 1.3 : 0.5) })
        let d = decide(old, new, threshold: 0)
        XCTAssertFalse(d.promote, d.reason)
        XCTAssertTrue(d.reason.contains("not significant"), d.reason)
    }

    /// The penguins case: 86 rows, one more right, log loss worse. Accuracy 0.988 → 1.0 is "100% less error".
    func testOneRowNeverPromotes() {
        var right = [Bool](repeating: true, count: 86)
        right[40] = false
        let old = classification(right: right, loss: [Double](repeating: 0.0257, count: 86))
        let new = classification(right: [Bool](repeating: true, count: 86), loss: [Double](repeating: 0.0338, count: 86))
        let d = decide(old, new)
        XCTAssertEqual(d.gain, 1, accuracy: 1e-12)
        XCTAssertFalse(d.promote, d.reason)
        XCTAssertEqual(d.evidence?.evidence.test, .mcNemar)
        XCTAssertTrue(d.reason.contains("not significant"), d.reason)
    }

    /// Accuracy up significantly, log loss up significantly too: a trade, rejected.
    func testNoSilentTrade() {
        let n = 300
        var oldRight = [Bool](repeating: true, count: n)
        for i in 0..<60 { oldRight[i] = false }
        let old = classification(right: oldRight, loss: (0..<n).map { 0.3 + 0.01 * Double($0 % 5) })
        var newRight = [Bool](repeating: true, count: n)
        for i in 0..<20 { newRight[i] = false }
        let overconfident = classification(right: newRight, loss: (0..<n).map { 0.5 + 0.01 * Double($0 % 7) })
        let d = decide(old, overconfident)
        XCTAssertFalse(d.promote, d.reason)
        XCTAssertTrue(d.reason.contains("log_loss is significantly worse"), d.reason)
        XCTAssertEqual(d.checks.map(\.metric), ["log_loss"])
        // The same accuracy gain with a log loss that is worse only within its noise: accepted, and written down.
        var closeLoss: [Double] = (0..<n).map { 0.3 + 0.01 * Double(($0 + 2) % 5) }
        closeLoss[7] += 0.2
        let close = classification(right: newRight, loss: closeLoss)
        let accepted = decide(old, close)
        XCTAssertTrue(accepted.promote, accepted.reason)
        XCTAssertTrue(accepted.reason.contains("log_loss is worse within its noise, accepted"), accepted.reason)
    }

    func testTooFewRowsIsInsufficientEvidence() {
        let (old, new) = pair(rows: 29, share: 0.9)
        let d = decide(old, new)
        XCTAssertFalse(d.promote)
        XCTAssertTrue(d.reason.contains("insufficient evidence"), d.reason)
        XCTAssertTrue(decide(pair(rows: 30, share: 0.9).0, pair(rows: 30, share: 0.9).1).promote)
    }

    func testConstraintsAreHard() {
        let (old, new) = pair(share: 0.5)
        // The champion meets max_parameters 3000; a better but bigger candidate does not get in.
        let big = decide(old, new, after: metrics(new, parameters: 3277), constraints: ["max_parameters": 3000])
        XCTAssertFalse(big.promote)
        XCTAssertTrue(big.reason.contains("parameters 3277 is over max_parameters 3000"), big.reason)
        // A champion further over the constraint may be replaced by one less over it, and the reason says so.
        let shrink = decide(old, old, metric: "parameters", before: metrics(old, parameters: 4801), after: metrics(old, parameters: 3277),
                            constraints: ["max_parameters": 3000])
        XCTAssertTrue(shrink.promote, shrink.reason)
        XCTAssertTrue(shrink.reason.contains("replaces a champion further over (4801)"), shrink.reason)
        // Latency marked as a constraint.
        let slow = decide(old, new, after: metrics(new, latency: 2.5), constraints: ["max_latency_p50_us": 2])
        XCTAssertFalse(slow.promote, slow.reason)
    }

    func testSizeGainsCountOnlyWithinTheQualityBudget() {
        let (old, _) = pair(share: 0)
        var lossy = old
        lossy.squaredError = old.squaredError.map { $0 + 2 * Gate.qualityTolerance }
        lossy.scaledSquaredError = lossy.squaredError
        let d = decide(old, lossy, metric: "parameters", after: metrics(lossy, parameters: 300))
        XCTAssertFalse(d.promote)
        XCTAssertTrue(d.reason.contains("quality is over its budget"), d.reason)
        var slight = old
        slight.squaredError = old.squaredError.map { $0 + Gate.qualityTolerance / 2 }
        slight.scaledSquaredError = slight.squaredError
        let ok = decide(old, slight, metric: "parameters", after: metrics(slight, parameters: 300))
        XCTAssertTrue(ok.promote, ok.reason)
        XCTAssertTrue(ok.reason.contains("quality within its budget: r2 -0.005"), ok.reason)
    }

    func testLatencyGuardOnlyWithLatencyTarget() {
        let (old, new) = pair(share: 0.5)
        XCTAssertTrue(decide(old, new, after: metrics(new, latency: 3)).promote)
        XCTAssertFalse(decide(old, new, after: metrics(new, latency: 3), targets: ["latency_p50_us": 2]).promote)
    }

    func testModelWithoutChampionTakesFirstValidVersion() {
        let r = Gate.Request(metric: "r2", qualityMetric: "r2", task: .regression, before: nil, after: ["r2": -1, "parameters": 9000],
                             comparison: nil, threshold: 0.1, confidence: 0.95)
        var over = r
        over.constraints = ["max_parameters": 5000]
        XCTAssertTrue(Gate.decide(r).promote)
        let d = Gate.decide(over)
        XCTAssertTrue(d.promote)
        XCTAssertTrue(d.reason.contains("over max_parameters 5000"), d.reason)
    }

    func testTradeMetrics() {
        XCTAssertEqual(Gate.tradeMetrics(.classification, primary: "accuracy", targets: [:]), ["log_loss"])
        XCTAssertEqual(Gate.tradeMetrics(.classification, primary: "log_loss", targets: ["macro_f1": 0.9]), ["accuracy", "macro_f1"])
        XCTAssertEqual(Gate.tradeMetrics(.regression, primary: "r2", targets: ["rmse": 0.1]), ["mae"])
        XCTAssertEqual(Gate.tradeMetrics(.regression, primary: "mae", targets: [:]), ["r2"])
    }
}
