import Foundation
import Testing
@testable import NimpCore

@Suite struct RNGTests {
    @Test func sameSeedSameSequence() {
        var a = RNG(seed: 123), b = RNG(seed: 123), c = RNG(seed: 124)
        let sa = (0..<100).map { _ in a.next() }
        #expect(sa == (0..<100).map { _ in b.next() })
        #expect(sa != (0..<100).map { _ in c.next() })
    }

    /// Golden values: xoshiro256** seeded by splitmix64. Changing them breaks every
    /// recorded seed; only re-record (print and paste) for a deliberate, announced change.
    @Test func goldenFirstOutputs() {
        var r = RNG(seed: 0)
        #expect((0..<3).map { _ in r.next() } == RNGGolden.seed0)
        var u = RNG(seed: 42)
        #expect((0..<3).map { _ in u.uniform() } == RNGGolden.uniform42)
        var n = RNG(seed: 42)
        #expect((0..<3).map { _ in n.normal() } == RNGGolden.normal42)
        var i = RNG(seed: 42)
        #expect((0..<5).map { _ in i.int(below: 10) } == RNGGolden.int42)
    }

    @Test func ranges() {
        var r = RNG(seed: 7)
        for _ in 0..<10_000 {
            let u = r.uniform()
            #expect(u >= 0 && u < 1)
            let k = r.int(below: 3)
            #expect((0..<3).contains(k))
        }
    }

    @Test func normalMoments() {
        var r = RNG(seed: 9)
        let n = 100_000
        var s = 0.0, s2 = 0.0
        for _ in 0..<n { let v = Double(r.normal()); s += v; s2 += v * v }
        // Standard errors: mean 1/√n ≈ 0.003, variance √(2/n) ≈ 0.0045; 5σ bounds.
        #expect(abs(s / Double(n)) <= 0.016)
        #expect(abs(s2 / Double(n) - 1) <= 0.023)
    }

    @Test func shuffleIsAPermutationAndReproducible() {
        var a = Array(0..<50), b = Array(0..<50)
        var r1 = RNG(seed: 5), r2 = RNG(seed: 5)
        r1.shuffle(&a)
        r2.shuffle(&b)
        #expect(a == b)
        #expect(a != Array(0..<50))
        #expect(a.sorted() == Array(0..<50))
    }
}
