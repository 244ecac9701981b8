import Foundation
@testable import NimpReport
import Testing

/// The pieces of `nimp registry report` that decide what a chart shows.
@Suite struct ParetoReportTests {
    @Test func frontKeepsWhatNothingBeatsEverywhere() {
        // (error, bytes, latency): lower is better in each.
        let costs: [[Double]] = [
            [0.10, 100, 5],  // 0: smallest and fastest
            [0.05, 200, 6],  // 1: better quality, bigger: a trade-off
            [0.05, 250, 7],  // 2: dominated by 1
            [0.20, 300, 9],  // 3: dominated by everything
            [0.01, 900, 4],  // 4: best quality and fastest
        ]
        #expect(ParetoFront.indices(costs) == [0, 1, 4])
    }

    @Test func equalCandidatesAreAllOnTheFrontAndNaNNever() {
        #expect(ParetoFront.indices([[1, 1], [1, 1], [2, 2]]) == [0, 1])
        #expect(ParetoFront.indices([[.nan, 0], [1, 1]]) == [1])
        #expect(ParetoFront.indices([]) == [])
        #expect(ParetoFront.dominates([1, 1], [1, 2]))
        #expect(!ParetoFront.dominates([1, 1], [1, 1]))
        #expect(!ParetoFront.dominates([0, 2], [1, 1]))
    }

    @Test func higherIsBetterQualityIsNegatedForTheFront() {
        func version(_ v: Int, r2: Double, bytes: Int, latency: Double) -> ReportVersion {
            ReportVersion(version: v, quality: r2, heldOut: true, bytes: bytes, latencyMicroseconds: latency)
        }
        let model = ReportModel(id: "m", task: .regression, qualityMetric: "r2", higherIsBetter: true, target: 0.99,
                                targets: ["r2": 0.99], champion: 2,
                                versions: [version(1, r2: 0.80, bytes: 9000, latency: 10),
                                           version(2, r2: 0.95, bytes: 12000, latency: 12),
                                           version(3, r2: 0.90, bytes: 12000, latency: 12),
                                           ReportVersion(version: 4, quality: 0.99, heldOut: false, bytes: 100)],
                                tasks: [])
        #expect(model.paretoVersions == [1, 2], "v3 loses to v2; v4 has no held-out measurement")
    }

    @Test func ticksAreRoundAndInsideTheDomain() {
        let scale = LinearScale(domain: 0.8...1.0, range: 0...100)
        #expect(scale.ticks(5).map { ($0 * 100).rounded() / 100 } == [0.8, 0.85, 0.9, 0.95, 1.0])
        #expect(LinearScale(domain: 0.5...12.5, range: 0...1).integerTicks() == [2, 4, 6, 8, 10, 12])
        #expect(LinearScale(domain: 0.5...3.5, range: 0...1).integerTicks() == [1, 2, 3])
        #expect(LinearScale(domain: 0...10, range: 0...200, flipped: true)(0) == 200)
        #expect(LinearScale.domain([3]) == 2.7...3.3, "a single value sits in the middle")
        #expect(LearningCurve.logTicks(-3.2 ... -0.9) == [-3, log10(2e-3), log10(5e-3), -2, log10(2e-2), log10(5e-2), -1])
    }

    @Test func textIsEscaped() {
        #expect(SVG.escape("a<b & \"c\" 'd'>") == "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;")
        #expect(SVG.n(12.04) == "12")
        #expect(SVG.n(-3.25) == "-3.2")
        #expect(SVG.compact(10500) == "10.5k")
    }
}

extension ParetoReportTests {
    @Test func noiseWithinTheToleranceIsATie() {
        // The first beats the second on quality and size and is 0.3% slower: noise. The
        // third is worse but 20% faster.
        let costs: [[Double]] = [[-0.98, 13312, 22.56], [-0.97, 13824, 22.49], [-0.90, 14000, 18.0]]
        #expect(ParetoFront.indices(costs) == [0, 1, 2], "exact: every latency difference counts")
        #expect(ParetoFront.indices(costs, tolerance: [0, 0, 0.05]) == [0, 2])
    }
}
