import Foundation
import Testing
@testable import NimpCore

/// Reference values from SciPy 1.x (`scipy.special.betainc`, `scipy.stats.t`, `binom`, `beta`,
/// `ttest_1samp`).
@Suite struct PairedTestTests {
    @Test func distributionsMatchSciPy() {
        #expect(abs(regularizedIncompleteBeta(2.5, 3.5, 0.3) - 0.29675298929566646) <= 1e-12)
        #expect(abs(regularizedIncompleteBeta(50, 0.5, 0.97) - 0.08169933372182264) <= 1e-12)
        #expect(abs(regularizedIncompleteBeta(0.5, 0.5, 0.01) - 0.06376856085851985) <= 1e-12)
        #expect(abs(studentTCDF(1.0, df: 85) - 0.8399255833929868) <= 1e-12)
        #expect(abs(studentTCDF(-2.3, df: 5) - 0.03488623466601866) <= 1e-12)
        #expect(abs(studentTCDF(0.7, df: 1000) - 0.7579549430036988) <= 1e-12)
        #expect(abs(studentTQuantile(0.975, df: 29) - 2.045229642132703) <= 1e-9)
        #expect(abs(studentTQuantile(0.975, df: 4) - 2.7764451051977934) <= 1e-9)
        #expect(abs(studentTQuantile(0.995, df: 200) - 2.600634436191558) <= 1e-9)
        #expect(abs(binomialUpperTail(8, of: 10) - 0.0546875) <= 1e-13)
        #expect(abs(binomialUpperTail(40, of: 60) - 0.00674464686559593) <= 1e-13)
        #expect(binomialUpperTail(0, of: 5) == 1)
        #expect(abs(betaQuantile(0.025, 9, 3) - 0.4822441476398273) <= 1e-9)
        #expect(abs(betaQuantile(0.975, 10, 2) - 0.9771688017000404) <= 1e-9)
    }

    @Test func pairedTMatchesSciPy() {
        // One-sided bounds at 97.5% are SciPy's two-sided 95% interval.
        let e = PairedTest.t(improvements: [0.3, -0.1, 0.25, 0.4, 0.05, -0.2, 0.5, 0.1], confidence: 0.975)
        #expect(abs(e.pValue - 0.05030015443758762) <= 1e-10)
        #expect(abs(e.lower - (-0.04075307713549148)) <= 1e-9)
        #expect(abs(e.upper - 0.36575307713549143) <= 1e-9)
        #expect(!e.significantlyBetter)
    }

    /// Penguins, 86 rows: one row right that the champion got wrong. No confidence makes it evidence.
    @Test func oneRowIsNeverEvidence() {
        for confidence in [0.01, 0.5, 0.95] {
            #expect(!PairedTest.mcNemar(better: 1, worse: 0, n: 86, confidence: confidence).significantlyBetter)
            var d = [Double](repeating: 0, count: 86)
            d[3] = 1
            #expect(!PairedTest.t(improvements: d, confidence: confidence).significantlyBetter)
            d[4] = -1e-9
            d[5] = 1e-9
            #expect(!PairedTest.t(improvements: d, confidence: confidence).significantlyBetter)
        }
        let clear = PairedTest.mcNemar(better: 12, worse: 1, n: 86, confidence: 0.95)
        #expect(clear.significantlyBetter)
        #expect(abs(clear.effect - 11.0 / 86) <= 1e-12)
        #expect(clear.lower < clear.effect)
        #expect(clear.upper > clear.effect)
    }

    @Test func mcNemarIntervalAgreesWithItsTest() {
        for better in 0...25 {
            for worse in 0...25 {
                let e = PairedTest.mcNemar(better: better, worse: worse, n: 200, confidence: 0.9)
                guard better + worse > 0 else { continue }
                #expect((e.lower > 0) == (e.pValue < 0.1), "better \(better) worse \(worse): \(e)")
            }
        }
    }

    /// Under the null (no model is better), "significantly better" happens at most 1 − confidence
    /// of the time: 5% at 0.95. 4,000 draws; the bound allows 4 standard errors.
    @Test func falsePositiveRateUnderTheNull() {
        var rng = RNG(seed: 7)
        let trials = 4000, alpha = 0.05
        let bound = Int(Double(trials) * alpha + 4 * (Double(trials) * alpha * (1 - alpha)).squareRoot())
        var tHits = 0, mHits = 0, heavyHits = 0
        for _ in 0..<trials {
            let d = (0..<40).map { _ in Double(rng.normal()) }
            if PairedTest.t(improvements: d, confidence: 0.95).significantlyBetter { tHits += 1 }
            // Heavy tails, as squared-error differences have.
            let heavy = (0..<40).map { _ -> Double in let z = Double(rng.normal()); return z * z * z }
            if PairedTest.t(improvements: heavy, confidence: 0.95).significantlyBetter { heavyHits += 1 }
            var better = 0, worse = 0
            for _ in 0..<30 where rng.uniform() < 0.2 { if rng.uniform() < 0.5 { better += 1 } else { worse += 1 } }
            if PairedTest.mcNemar(better: better, worse: worse, n: 30, confidence: 0.95).significantlyBetter { mHits += 1 }
        }
        #expect(tHits <= bound)
        #expect(heavyHits <= bound)
        #expect(mHits <= bound)
        // And the tests have power: a real improvement of half a standard deviation over 40 rows.
        var found = 0
        for _ in 0..<200 where PairedTest.t(improvements: (0..<40).map { _ in Double(rng.normal()) + 0.5 }, confidence: 0.95).significantlyBetter {
            found += 1
        }
        #expect(found > 150)
    }

    @Test func bootstrapIsSeededAndBracketsItsEffect() {
        let gains: [Double] = (0..<60).map { Double($0 % 7) / 10 - 0.2 }
        let f = { (w: [Int32]) -> Double in
            let total = w.reduce(0) { $0 + Int($1) }
            return zip(gains, w).reduce(0.0) { $0 + $1.0 * Double($1.1) } / Double(max(total, 1))
        }
        let a = PairedTest.bootstrap(n: 60, confidence: 0.95, seed: 3, robust: true, improvement: f)
        let b = PairedTest.bootstrap(n: 60, confidence: 0.95, seed: 3, robust: true, improvement: f)
        #expect(a == b)
        #expect(a.lower < a.effect)
        #expect(a.upper > a.effect)
        // Close to the t interval on the same mean.
        let t = PairedTest.t(improvements: gains, confidence: 0.95)
        #expect(abs(a.lower - t.lower) <= 0.03)
        #expect(abs(a.upper - t.upper) <= 0.03)
    }
}
