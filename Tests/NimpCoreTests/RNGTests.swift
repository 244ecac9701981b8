import XCTest
@testable import NimpCore

final class RNGTests: XCTestCase {
    func testSameSeedSameSequence() {
        var a = RNG(seed: 123), b = RNG(seed: 123), c = RNG(seed: 124)
        let sa = (0..<100).map { _ in a.next() }
        XCTAssertEqual(sa, (0..<100).map { _ in b.next() })
        XCTAssertNotEqual(sa, (0..<100).map { _ in c.next() })
    }

    /// Golden values: xoshiro256** seeded by splitmix64. Changing them breaks every
    /// recorded seed; only re-record (print and paste) for a deliberate, announced change.
    func testGoldenFirstOutputs() {
        var r = RNG(seed: 0)
        XCTAssertEqual((0..<3).map { _ in r.next() }, RNGGolden.seed0)
        var u = RNG(seed: 42)
        XCTAssertEqual((0..<3).map { _ in u.uniform() }, RNGGolden.uniform42)
        var n = RNG(seed: 42)
        XCTAssertEqual((0..<3).map { _ in n.normal() }, RNGGolden.normal42)
        var i = RNG(seed: 42)
        XCTAssertEqual((0..<5).map { _ in i.int(below: 10) }, RNGGolden.int42)
    }

    func testRanges() {
        var r = RNG(seed: 7)
        for _ in 0..<10_000 {
            let u = r.uniform()
            XCTAssert(u >= 0 && u < 1)
            let k = r.int(below: 3)
            XCTAssert((0..<3).contains(k))
        }
    }

    func testNormalMoments() {
        var r = RNG(seed: 9)
        let n = 100_000
        var s = 0.0, s2 = 0.0
        for _ in 0..<n { let v = Double(r.normal()); s += v; s2 += v * v }
        // Standard errors: mean 1/√n ≈ 0.003, variance √(2/n) ≈ 0.0045; 5σ bounds.
        XCTAssertEqual(s / Double(n), 0, accuracy: 0.016)
        XCTAssertEqual(s2 / Double(n), 1, accuracy: 0.023)
    }

    func testShuffleIsAPermutationAndReproducible() {
        var a = Array(0..<50), b = Array(0..<50)
        var r1 = RNG(seed: 5), r2 = RNG(seed: 5)
        r1.shuffle(&a)
        r2.shuffle(&b)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, Array(0..<50))
        XCTAssertEqual(a.sorted(), Array(0..<50))
    }
}
