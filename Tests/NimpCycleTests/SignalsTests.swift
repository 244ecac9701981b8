import Foundation
import NimpCore
import Testing
@testable import NimpCycle

@Suite struct SignalsTests {
    let tolerance = 1e-12

    @Test func quietCycleDecaysTowardBaselineAndCalms() {
        var s = SignalState(levels: SignalLevels(dopamine: 0.9, cortisol: 0.8, growth: 0.3, serotonin: 0.5))
        s.update(after: CycleOutcome())
        // dopamine: 0.3 + 0.6 × 0.7; cortisol: 0.2 + 0.6 × 0.7; serotonin: 0.6 − 0.1 × 0.7 + 0.1
        #expect(abs(s.levels.dopamine - 0.72) <= tolerance)
        #expect(abs(s.levels.cortisol - 0.62) <= tolerance)
        #expect(abs(s.levels.growth - 0.3) <= tolerance)
        #expect(abs(s.levels.serotonin - 0.63) <= tolerance)
    }

    @Test func rewardRaisesDopamineAndLowersSerotonin() {
        var s = SignalState()
        var o = CycleOutcome()
        o.promotions = [(.training, 0.4)]
        s.update(after: o)
        #expect(abs(s.levels.dopamine - (0.3 + 0.2)) <= tolerance)
        #expect(abs(s.levels.serotonin - (0.6 - 0.08)) <= tolerance)
        #expect(abs(s.reward["training"]! - 0.2) <= tolerance)
        #expect(s.modulation(for: .training) > s.modulation(for: .distillation))
    }

    @Test func failuresAndPressureRaiseCortisolWhichCutsConcurrency() {
        var s = SignalState()
        var o = CycleOutcome()
        o.failed = 2
        o.rejected = 2
        o.pressure = 1
        s.update(after: o)
        #expect(abs(s.levels.cortisol - (0.2 + 0.2 + 0.1 + 0.15)) <= tolerance)
        #expect(s.concurrency(configured: 3) == 2)
        #expect(s.budgetScale < 0.7)
        #expect(abs(s.modulation(for: .optimization) - 1.65) <= tolerance)
    }

    @Test func plateausRaiseGrowthWhichScalesLearning() {
        var s = SignalState()
        var o = CycleOutcome()
        o.plateauFraction = 1
        s.update(after: o)
        #expect(abs(s.levels.growth - 0.6) <= tolerance)
        #expect(abs(s.learningRateScale - 1.1) <= tolerance)
        #expect(abs(s.epochScale - 1.6) <= tolerance)
    }

    @Test func lowSerotoninRaisesThreshold() {
        let calm = SignalState(levels: SignalLevels(dopamine: 0.3, cortisol: 0.2, growth: 0.3, serotonin: 0.8))
        let churn = SignalState(levels: SignalLevels(dopamine: 0.3, cortisol: 0.2, growth: 0.3, serotonin: 0.0))
        #expect(abs(calm.promotionThreshold(configured: 0.1) - 0.1) <= tolerance)
        #expect(abs(churn.promotionThreshold(configured: 0.1) - 0.15) <= tolerance)
    }

    @Test func levelsStayInUnitInterval() {
        var s = SignalState()
        var o = CycleOutcome()
        o.promotions = Array(repeating: (.training, 5.0), count: 20)
        o.failed = 50
        o.pressure = 1
        o.plateauFraction = 1
        for _ in 0..<10 { s.update(after: o) }
        for v in s.levels.asDictionary.values { #expect((0...1).contains(v)) }
    }
}
