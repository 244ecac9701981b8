import NimpCore
import XCTest
@testable import NimpCycle

final class SignalsTests: XCTestCase {
    let tolerance = 1e-12

    func testQuietCycleDecaysTowardBaselineAndCalms() {
        var s = SignalState(levels: SignalLevels(dopamine: 0.9, cortisol: 0.8, growth: 0.3, serotonin: 0.5))
        s.update(after: CycleOutcome())
        // dopamine: 0.3 + 0.6 × 0.7; cortisol: 0.2 + 0.6 × 0.7; serotonin: 0.6 − 0.1 × 0.7 + 0.1
        XCTAssertEqual(s.levels.dopamine, 0.72, accuracy: tolerance)
        XCTAssertEqual(s.levels.cortisol, 0.62, accuracy: tolerance)
        XCTAssertEqual(s.levels.growth, 0.3, accuracy: tolerance)
        XCTAssertEqual(s.levels.serotonin, 0.63, accuracy: tolerance)
    }

    func testRewardRaisesDopamineAndLowersSerotonin() {
        var s = SignalState()
        var o = CycleOutcome()
        o.promotions = [(.training, 0.4)]
        s.update(after: o)
        XCTAssertEqual(s.levels.dopamine, 0.3 + 0.2, accuracy: tolerance)
        XCTAssertEqual(s.levels.serotonin, 0.6 - 0.08, accuracy: tolerance)
        XCTAssertEqual(s.reward["training"]!, 0.2, accuracy: tolerance)
        XCTAssertGreaterThan(s.modulation(for: .training), s.modulation(for: .distillation))
    }

    func testFailuresAndPressureRaiseCortisolWhichCutsConcurrency() {
        var s = SignalState()
        var o = CycleOutcome()
        o.failed = 2
        o.rejected = 2
        o.pressure = 1
        s.update(after: o)
        XCTAssertEqual(s.levels.cortisol, 0.2 + 0.2 + 0.1 + 0.15, accuracy: tolerance)
        XCTAssertEqual(s.concurrency(configured: 3), 2)
        XCTAssertLessThan(s.budgetScale, 0.7)
        XCTAssertEqual(s.modulation(for: .optimization), 1.65, accuracy: tolerance)
    }

    func testPlateausRaiseGrowthWhichScalesLearning() {
        var s = SignalState()
        var o = CycleOutcome()
        o.plateauFraction = 1
        s.update(after: o)
        XCTAssertEqual(s.levels.growth, 0.6, accuracy: tolerance)
        XCTAssertEqual(s.learningRateScale, 1.1, accuracy: tolerance)
        XCTAssertEqual(s.epochScale, 1.6, accuracy: tolerance)
    }

    func testLowSerotoninRaisesThreshold() {
        let calm = SignalState(levels: SignalLevels(dopamine: 0.3, cortisol: 0.2, growth: 0.3, serotonin: 0.8))
        let churn = SignalState(levels: SignalLevels(dopamine: 0.3, cortisol: 0.2, growth: 0.3, serotonin: 0.0))
        XCTAssertEqual(calm.promotionThreshold(configured: 0.1), 0.1, accuracy: tolerance)
        XCTAssertEqual(churn.promotionThreshold(configured: 0.1), 0.15, accuracy: tolerance)
    }

    func testLevelsStayInUnitInterval() {
        var s = SignalState()
        var o = CycleOutcome()
        o.promotions = Array(repeating: (.training, 5.0), count: 20)
        o.failed = 50
        o.pressure = 1
        o.plateauFraction = 1
        for i in 0..<10 { s.update(after: o) }
        for v in s.levels.asDictionary.values { XCTAssertTrue((0...1).contains(v)) }
    }
}
