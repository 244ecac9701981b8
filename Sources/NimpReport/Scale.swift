import Foundation

/// A linear map from data values to pixels, with "nice" tick values (1, 2, 5 × 10ⁿ).
struct LinearScale {
    var domain: ClosedRange<Double>
    var range: ClosedRange<Double>
    /// Maps the domain's lower end to the range's upper end (SVG's y grows downward).
    var flipped = false

    func callAsFunction(_ value: Double) -> Double {
        let span = domain.upperBound - domain.lowerBound
        let t = span > 0 ? (value - domain.lowerBound) / span : 0.5
        let u = flipped ? 1 - t : t
        return range.lowerBound + u * (range.upperBound - range.lowerBound)
    }

    /// About `count` round values inside the domain.
    func ticks(_ count: Int = 5) -> [Double] {
        let step = Self.niceStep(domain.upperBound - domain.lowerBound, count: count)
        guard step > 0 else { return [domain.lowerBound] }
        var ticks: [Double] = []
        var v = (domain.lowerBound / step).rounded(.up) * step
        while v <= domain.upperBound + step * 1e-9 && ticks.count < 50 {
            ticks.append(abs(v) < step * 1e-9 ? 0 : v)
            v += step
        }
        return ticks
    }

    /// Whole-number ticks (versions, cycles, epochs): never a fractional step.
    func integerTicks(_ count: Int = 8) -> [Double] {
        let step = max(1, Self.niceStep(domain.upperBound - domain.lowerBound, count: count).rounded(.up))
        var ticks: [Double] = []
        var v = (domain.lowerBound / step).rounded(.up) * step
        while v <= domain.upperBound && ticks.count < 50 {
            ticks.append(v)
            v += step
        }
        return ticks
    }

    static func niceStep(_ span: Double, count: Int) -> Double {
        guard span > 0, span.isFinite, count > 0 else { return 0 }
        let raw = span / Double(count)
        let magnitude = pow(10, floor(log10(raw)))
        let fraction = raw / magnitude
        let nice: Double = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        return nice * magnitude
    }

    /// The smallest nice range holding `values` (and `including`), widened a little
    /// when it would be empty so a single value sits in the middle.
    static func domain(_ values: [Double], including: [Double] = [], pad: Double = 0.05) -> ClosedRange<Double> {
        let all = (values + including).filter(\.isFinite)
        guard var lo = all.min(), var hi = all.max() else { return 0...1 }
        if lo == hi {
            let d = lo == 0 ? 1 : abs(lo) * 0.1
            return (lo - d)...(hi + d)
        }
        let margin = (hi - lo) * pad
        lo -= margin
        hi += margin
        return lo...hi
    }
}
