import Foundation
import Testing

@testable import NimpCore

@Suite struct EpochOrderTests {
    /// Every row exactly once per epoch, in full batches but the last, for both shuffles.
    @Test func everyRowOncePerEpoch() {
        for window in [nil, (blockRows: 7, windowBlocks: 3), (blockRows: 1, windowBlocks: 1), (blockRows: 50, windowBlocks: 2)] {
            var released: [Range<Int>] = []
            let order = EpochOrder(rows: 103, batch: 10, seed: 4, window: window) { released.append($0) }
            var previous: [Int] = []
            for _ in 0..<3 {
                order.startEpoch()
                var seen: [Int] = []
                for s in 0..<11 {
                    let (p, n) = order.nextBatch()
                    #expect(n == (s < 10 ? 10 : 3))
                    seen += (0..<n).map { Int(p[$0]) }
                }
                #expect(seen.sorted() == Array(0..<103), "\(String(describing: window))")
                #expect(seen != previous, "a new order each epoch")
                #expect(seen != Array(0..<103))
                previous = seen
            }
            if window != nil { #expect(!released.isEmpty, "finished windows are released") }
        }
    }

    /// The full shuffle is the permutation the array shuffle gives (the golden trajectory's order).
    @Test func fullShuffleMatchesArrayShuffle() {
        let order = EpochOrder(rows: 37, batch: 37, seed: 11, window: nil)
        var rng = RNG(seed: 11)
        var expected = Array(0..<37)
        for _ in 0..<3 {
            order.startEpoch()
            rng.shuffle(&expected)
            let (p, n) = order.nextBatch()
            #expect((0..<n).map { Int(p[$0]) } == expected)
        }
    }

    /// A window holds rows of whole blocks: within a window's batches, rows come from at
    /// most `windowBlocks` blocks (plus the carried rows of the previous window).
    @Test func windowsDrawFromFewBlocks() {
        let order = EpochOrder(rows: 1000, batch: 20, seed: 2, window: (blockRows: 100, windowBlocks: 2))
        order.startEpoch()
        var blocks = Set<Int>()
        for _ in 0..<9 {  // 180 of the first window's 200 rows
            let (p, n) = order.nextBatch()
            for i in 0..<n { blocks.insert(Int(p[i]) / 100) }
        }
        #expect(blocks.count == 2)
    }
}
