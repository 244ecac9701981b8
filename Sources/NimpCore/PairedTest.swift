import Foundation

/// Evidence that a candidate beats a champion on the same rows (README, "The gate").
/// `effect` and its interval are the candidate's improvement in the metric's own units
/// (positive: better), so an R² gain of 0.01 is `effect 0.01` and a log-loss drop of 0.01
/// is `effect 0.01` too.
public struct PairedEvidence: Sendable, Equatable {
    public enum Test: String, Sendable {
        case pairedT = "paired t"
        case mcNemar = "McNemar exact"
        case bootstrap = "paired bootstrap"
    }

    public var test: Test
    public var n: Int
    public var effect: Double
    /// One-sided bounds of the effect, each at `confidence`: the effect is at least `lower`
    /// (and at most `upper`) with that confidence. Together, a two-sided interval at
    /// 2 × confidence − 1.
    public var lower: Double
    public var upper: Double
    public var confidence: Double
    /// One-sided: how likely an improvement at least this large is when both models are equally good.
    public var pValue: Double
    /// Whether the improvement survives dropping the one row that favours the candidate most:
    /// a gain that rests on a single row is never evidence.
    public var robust: Bool

    /// The lower bound lies above zero (one-sided p < 1 − confidence) and no single row carries the gain.
    public var significantlyBetter: Bool { lower > 0 && robust }
    /// The upper bound lies below zero.
    public var significantlyWorse: Bool { upper < 0 }
}

/// Paired tests on per-row outcomes of two models over the same rows.
public enum PairedTest {
    /// Student's paired t on per-row improvements (champion's loss − candidate's loss).
    /// `scale` turns the mean improvement into the metric's units (it multiplies effect and interval).
    public static func t(improvements d: [Double], confidence: Double, scale: Double = 1) -> PairedEvidence {
        let n = d.count
        var mean = 0.0, m2 = 0.0
        for (i, x) in d.enumerated() {
            let delta = x - mean
            mean += delta / Double(i + 1)
            m2 += delta * (x - mean)
        }
        let sum = d.reduce(0, +), top = d.max() ?? 0
        let robust = n >= 2 && sum - top > 1e-12 * max(abs(sum), abs(top))
        guard n >= 2 else {
            return PairedEvidence(test: .pairedT, n: n, effect: mean * scale, lower: -.infinity, upper: .infinity,
                                  confidence: confidence, pValue: 1, robust: false)
        }
        let se = (m2 / Double(n - 1)).squareRoot() / Double(n).squareRoot()
        let df = Double(n - 1)
        let p: Double
        let half: Double
        if se > 0 {
            p = 1 - studentTCDF(mean / se, df: df)
            half = studentTQuantile(confidence, df: df) * se
        } else {
            p = mean > 0 ? 0 : (mean < 0 ? 1 : 0.5)
            half = 0
        }
        return PairedEvidence(test: .pairedT, n: n, effect: mean * scale, lower: (mean - half) * scale,
                              upper: (mean + half) * scale, confidence: confidence, pValue: p, robust: robust)
    }

    /// McNemar's exact test for paired right/wrong outcomes: `better` rows the candidate
    /// gets right and the champion wrong, `worse` the reverse, of `n` rows. The effect is the
    /// accuracy change (better − worse) / n; its bounds come from the Clopper–Pearson
    /// bounds of the share of `better` among the discordant rows, so bounds and test agree.
    public static func mcNemar(better: Int, worse: Int, n: Int, confidence: Double) -> PairedEvidence {
        let m = better + worse
        let effect = n > 0 ? Double(better - worse) / Double(n) : 0
        guard m > 0, n > 0 else {
            return PairedEvidence(test: .mcNemar, n: n, effect: 0, lower: 0, upper: 0, confidence: confidence, pValue: 1, robust: false)
        }
        let alpha = 1 - confidence
        let lo = better == 0 ? 0 : betaQuantile(alpha, Double(better), Double(m - better + 1))
        let hi = better == m ? 1 : betaQuantile(1 - alpha, Double(better + 1), Double(m - better))
        let toEffect = { (share: Double) in Double(m) / Double(n) * (2 * share - 1) }
        return PairedEvidence(test: .mcNemar, n: n, effect: effect, lower: toEffect(lo), upper: toEffect(hi),
                              confidence: confidence, pValue: binomialUpperTail(better, of: m), robust: better - 1 > worse)
    }

    /// A paired bootstrap for a metric that is not a mean over rows (macro F1): rows are
    /// resampled with replacement, `improvement(weights)` is the candidate's improvement
    /// with each row counted `weights[i]` times. Percentile interval, seeded.
    public static func bootstrap(n: Int, confidence: Double, resamples: Int = 2000, seed: UInt64, robust: Bool,
                                 improvement: ([Int32]) -> Double) -> PairedEvidence {
        let effect = improvement([Int32](repeating: 1, count: n))
        guard n >= 2 else {
            return PairedEvidence(test: .bootstrap, n: n, effect: effect, lower: -.infinity, upper: .infinity,
                                  confidence: confidence, pValue: 1, robust: false)
        }
        var rng = RNG(seed: seed)
        var weights = [Int32](repeating: 0, count: n)
        var effects: [Double] = []
        effects.reserveCapacity(resamples)
        for _ in 0..<resamples {
            for i in 0..<n { weights[i] = 0 }
            for _ in 0..<n { weights[rng.int(below: n)] += 1 }
            effects.append(improvement(weights))
        }
        effects.sort()
        let alpha = 1 - confidence
        let at = { (q: Double) in effects[min(resamples - 1, max(0, Int((Double(resamples) * q).rounded(.down))))] }
        let notBetter = effects.count { $0 <= 0 }
        return PairedEvidence(test: .bootstrap, n: n, effect: effect, lower: at(alpha), upper: at(1 - alpha),
                              confidence: confidence, pValue: Double(notBetter + 1) / Double(resamples + 1), robust: robust)
    }
}

// MARK: Distributions

/// The regularized incomplete beta function I_x(a, b), by its continued fraction
/// (modified Lentz), using the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where that converges faster.
public func regularizedIncompleteBeta(_ a: Double, _ b: Double, _ x: Double) -> Double {
    if x <= 0 { return 0 }
    if x >= 1 { return 1 }
    let front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x))
    if x < (a + 1) / (a + b + 2) { return front * betaContinuedFraction(a, b, x) / a }
    return 1 - front * betaContinuedFraction(b, a, 1 - x) / b
}

private func betaContinuedFraction(_ a: Double, _ b: Double, _ x: Double) -> Double {
    let tiny = 1e-300
    func nonzero(_ v: Double) -> Double { abs(v) < tiny ? tiny : v }
    var c = 1.0
    var d = 1 / nonzero(1 - (a + b) * x / (a + 1))
    var h = d
    for m in 1...10_000 {
        let m = Double(m)
        let even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
        d = 1 / nonzero(1 + even * d)
        c = nonzero(1 + even / c)
        h *= d * c
        let odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
        d = 1 / nonzero(1 + odd * d)
        c = nonzero(1 + odd / c)
        let step = d * c
        h *= step
        if abs(step - 1) < 1e-15 { break }
    }
    return h
}

/// P(T ≤ t) for Student's t with `df` degrees of freedom.
public func studentTCDF(_ t: Double, df: Double) -> Double {
    if t.isInfinite { return t > 0 ? 1 : 0 }
    let tail = 0.5 * regularizedIncompleteBeta(df / 2, 0.5, df / (df + t * t))
    return t > 0 ? 1 - tail : tail
}

/// The t with P(T ≤ t) = p.
public func studentTQuantile(_ p: Double, df: Double) -> Double {
    invert(p, lower: -1e6, upper: 1e6) { studentTCDF($0, df: df) }
}

/// The x with I_x(a, b) = p.
public func betaQuantile(_ p: Double, _ a: Double, _ b: Double) -> Double {
    invert(p, lower: 0, upper: 1) { regularizedIncompleteBeta(a, b, $0) }
}

/// P(X ≥ k) for X ~ Binomial(m, ½).
public func binomialUpperTail(_ k: Int, of m: Int) -> Double {
    guard k > 0 else { return 1 }
    guard k <= m else { return 0 }
    return regularizedIncompleteBeta(Double(k), Double(m - k + 1), 0.5)
}

/// Bisection on a non-decreasing `cdf`: accurate to ~1e-12 relative, robust where Newton is not.
private func invert(_ p: Double, lower: Double, upper: Double, _ cdf: (Double) -> Double) -> Double {
    var lo = lower, hi = upper
    for _ in 0..<200 {
        let mid = (lo + hi) / 2
        if cdf(mid) < p { lo = mid } else { hi = mid }
        if hi - lo <= 1e-13 * max(1, abs(mid)) { break }
    }
    return (lo + hi) / 2
}
