import XCTest
@testable import NimpImprove

final class GateTests: XCTestCase {
    let before = ["r2": 0.90, "latency_p50_us": 1.0, "parameters": 1000.0]

    func decide(_ metric: String, after: [String: Double], threshold: Double = 0.1, targets: [String: Double] = [:],
                constraints: [String: Double] = [:]) -> Gate.Decision {
        Gate.decide(metric: metric, qualityMetric: "r2", before: before, after: after, threshold: threshold,
                    targets: targets, constraints: constraints)
    }

    func testWorseCandidateIsNeverPromoted() {
        let d = decide("r2", after: ["r2": 0.85, "latency_p50_us": 1, "parameters": 1000])
        XCTAssertFalse(d.promote)
        XCTAssertLessThan(d.gain, 0)
        XCTAssertTrue(d.reason.contains("below the threshold"), d.reason)
    }

    func testSmallGainBelowThresholdIsRejected() {
        // error 0.10 → 0.095: 5% less error, threshold 10%.
        XCTAssertFalse(decide("r2", after: ["r2": 0.905]).promote)
        XCTAssertTrue(decide("r2", after: ["r2": 0.92]).promote)
    }

    func testCompressionMayNotCostMoreQualityThanTolerance() {
        let fast = ["r2": 0.90 - 2 * Gate.qualityTolerance, "latency_p50_us": 0.5, "parameters": 300.0]
        let d = decide("latency_p50_us", after: fast)
        XCTAssertFalse(d.promote)
        XCTAssertTrue(d.reason.contains("guard: r2"), d.reason)
        XCTAssertTrue(decide("latency_p50_us", after: ["r2": 0.895, "latency_p50_us": 0.5, "parameters": 300]).promote)
    }

    func testConstraintGuardsQualityTasks() {
        let big = ["r2": 0.99, "latency_p50_us": 1.0, "parameters": 9000.0]
        XCTAssertFalse(decide("r2", after: big, constraints: ["max_parameters": 5000]).promote)
        XCTAssertTrue(decide("r2", after: big).promote)
    }

    func testLatencyGuardOnlyWithLatencyTarget() {
        let slow = ["r2": 0.99, "latency_p50_us": 3.0, "parameters": 1000.0]
        XCTAssertTrue(decide("r2", after: slow).promote)
        XCTAssertFalse(decide("r2", after: slow, targets: ["latency_p50_us": 2]).promote)
    }

    func testModelWithoutChampionTakesFirstValidVersion() {
        let d = Gate.decide(metric: "r2", qualityMetric: "r2", before: nil, after: ["r2": -1], threshold: 0.1, targets: [:], constraints: [:])
        XCTAssertTrue(d.promote)
    }
}
