import Foundation

/// A small, fast, seedable random number generator: xoshiro256** (Blackman & Vigna)
/// whose 256-bit state is filled from the 64-bit seed by four steps of splitmix64.
///
/// Every derived draw is specified exactly, so a seed reproduces a run bit for bit on
/// any machine:
/// - `uniform()` = `(next() >> 40) * 2^-24`, a Float in [0, 1) on a 2^-24 grid;
/// - `normal()` = Box–Muller in Double on two `next()` draws (one value per call,
///   no cached second value), rounded to Float;
/// - `int(below:)` = Lemire's multiply-shift with rejection, unbiased;
/// - `shuffle` = Fisher–Yates from the last element down, drawing `int(below: i + 1)`.
public struct RNG: Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    public init(seed: UInt64) {
        var x = seed
        func splitmix64() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitmix64()
        s1 = splitmix64()
        s2 = splitmix64()
        s3 = splitmix64()
    }

    /// The next 64 raw bits.
    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1): the top 24 bits scaled by 2^-24.
    @inline(__always)
    public mutating func uniform() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// Uniform in [0, 1) with 53 bits.
    public mutating func uniformDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Standard normal (mean 0, variance 1) by Box–Muller.
    public mutating func normal() -> Float {
        let u1 = 1 - uniformDouble()  // (0, 1]: log is finite
        let u2 = uniformDouble()
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// Uniform integer in `0..<n`, unbiased.
    public mutating func int(below n: Int) -> Int {
        precondition(n > 0, "int(below:) needs a positive bound")
        let bound = UInt64(n)
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return Int(m.high)
    }

    /// Fisher–Yates shuffle in place.
    public mutating func shuffle(_ a: inout [Int]) {
        a.withUnsafeMutableBufferPointer { shuffle($0) }
    }

    /// Fisher–Yates shuffle in place; the same draws and swaps as for an array.
    public mutating func shuffle<T>(_ p: UnsafeMutableBufferPointer<T>) {
        guard p.count > 1 else { return }
        var i = p.count - 1
        while i > 0 {
            let j = int(below: i + 1)
            p.swapAt(i, j)
            i -= 1
        }
    }

    @inline(__always)
    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
