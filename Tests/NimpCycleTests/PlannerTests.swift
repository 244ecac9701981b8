import Foundation
import NimpCore
import NimpRegistry
import Testing
@testable import NimpCycle

@Suite struct PlannerTests {
    let calm = EnvironmentState(loadPerCore: 0.1, memoryAvailableFraction: 0.8, diskFreeBytes: 1e11)

    func assessment(_ id: String, r2: Double, latency: Double = 1, targets: [String: Double] = ["r2": 0.99],
                    gains: [Double] = [], eval: String = "e1") -> ModelAssessment {
        ModelAssessment(id: id, task: .regression, evalSHA256: eval, championVersion: 1,
                        metrics: ["r2": r2, "latency_p50_us": latency, "parameters": 5000],
                        targets: targets, constraints: [:], genome: Genome(), recentTrainingGains: gains)
    }

    @Test func qualityGapPlansTrainingWithReasons() {
        let planner = Planner(signals: SignalState(), environment: calm, threshold: 0.1, maxTasks: 3)
        let plan = planner.plan([assessment("a", r2: 0.9)])
        #expect(plan.count == 1)
        #expect(plan[0].type == .training)
        #expect(plan[0].metric == "r2")
        // error 0.1 vs target error 0.01: 90% of the error is the gap.
        #expect(abs(plan[0].gap - 0.9) <= 1e-9)
        #expect(abs(plan[0].priority - 0.9) <= 1e-9)  // no reward yet: modulation 1
        #expect(plan[0].reasons.joined().contains("r2 0.9 on held-out data, target 0.99"))
        #expect(plan[0].reasons.joined().contains("dopamine 0.30"))
    }

    @Test func metTargetsPlanNothing() {
        let planner = Planner(signals: SignalState(), environment: calm, threshold: 0.1, maxTasks: 3)
        #expect(planner.plan([assessment("a", r2: 0.995)]).isEmpty)
    }

    @Test func plateauSwitchesToArchitectureSearch() {
        let planner = Planner(signals: SignalState(), environment: calm, threshold: 0.1, maxTasks: 3)
        let plan = planner.plan([assessment("a", r2: 0.9, gains: [0.01, 0.02])])
        #expect(plan.first?.type == .architecture)
        #expect(plan.first!.triggers.contains("plateau"))
        let busy = Planner(signals: SignalState(), environment: EnvironmentState(loadPerCore: 2, memoryAvailableFraction: 0.8, diskFreeBytes: 1e11), threshold: 0.1, maxTasks: 3)
        let underLoad = busy.plan([assessment("a", r2: 0.9, gains: [0.01, 0.02])])
        #expect(underLoad.first?.type == .architecture)
        #expect(abs(underLoad.first!.priority - plan.first!.priority * 0.5) <= 1e-9, "half priority under high load")
    }

    @Test func latencyGapPlansOptimization() {
        let planner = Planner(signals: SignalState(), environment: calm, threshold: 0.1, maxTasks: 3)
        let plan = planner.plan([assessment("a", r2: 0.999, latency: 4, targets: ["r2": 0.99, "latency_p50_us": 2])])
        #expect(plan.first?.type == .optimization)
        #expect(plan.first?.metric == "latency_p50_us")
        #expect(abs(plan.first!.gap - 0.5) <= 1e-9)
    }

    @Test func betterPeerOnSameEvalSetPlansDistillation() {
        let planner = Planner(signals: SignalState(), environment: calm, threshold: 0.1, maxTasks: 3)
        let plan = planner.plan([assessment("small", r2: 0.995, targets: [:]), assessment("big", r2: 0.999, targets: [:]),
                                 assessment("other", r2: 0.5, targets: [:], eval: "e2")])
        let small = plan.first { $0.model == "small" }
        #expect(small?.type == .distillation)
        #expect(small?.teacher == "big")
        // Without targets the others keep training while it pays off, at the threshold's priority.
        for m in ["big", "other"] {
            let task = plan.first { $0.model == m }
            #expect(task?.type == .training)
            #expect(abs((task?.priority ?? 0) - 0.1) <= 1e-9)
            #expect(task?.triggers.contains("no_target") == true)
        }
    }

    /// A model's best peer is the best other model on its eval set: the best one's is the
    /// second best; equal errors go to the later id, as when every model was compared.
    @Test func theBestPeerIsTheBestOtherModelOnTheSameEvalSet() {
        let models = [assessment("a", r2: 0.9), assessment("b", r2: 0.99), assessment("c", r2: 0.95), assessment("d", r2: 0.95),
                      assessment("x", r2: 0.999, eval: "e2")]
        let context = PlanningContext(models: models, signals: SignalState(), environment: calm, threshold: 0.1)
        #expect(context.bestPeer(of: models[0])?.id == "b")
        #expect(context.bestPeer(of: models[1])?.id == "d", "the best model's peer is the next one, the later of two equal")
        #expect(context.bestPeer(of: models[4]) == nil, "alone on its eval set")
        #expect(PlanningContext.plateauLength <= ModelHistory.gainsKept, "the summary keeps the gains a plateau needs")
    }

    @Test func modelsWithoutTargetsStopAtAPlateauAndSayWhy() {
        let planner = Planner(signals: SignalState(), environment: calm, threshold: 0.1, maxTasks: 3)
        let flat = assessment("flat", r2: 0.8, targets: [:], gains: [0.01, 0.02])
        #expect(planner.plan([flat]).isEmpty)
        let idle = planner.explain([flat], planned: [], disabled: [])
        #expect(idle.map(\.model) == ["flat"])
        #expect(idle[0].why.contains("no target for r2") && idle[0].why.contains("0.010, 0.020"), "\(idle[0].why)")
        #expect(idle[0].change.contains("nimp task add flat"), "\(idle[0].change)")
        let met = planner.explain([assessment("met", r2: 0.995)], planned: [], disabled: ["genetic_architecture_search false"])
        #expect(met[0].why.hasPrefix("targets met: r2 0.995 against 0.99"), "\(met[0].why)")
        #expect(met[0].why.contains("switched off: genetic_architecture_search false"))
    }

    @Test func everyKindIsOneEntryInOneList() {
        #expect(ImprovementKinds.types.map(\.rawValue) == ["training", "optimization", "architecture", "distillation"])
        var config = RegistryConfig()
        config.geneticArchitectureSearch = false
        var planner = Planner(signals: SignalState(), environment: calm, threshold: 0.1, maxTasks: 3)
        planner.configure(config)
        #expect(planner.kinds.map(\.type) == [.training, .optimization, .distillation])
        // Switched off, a plateau no longer hands the model to architecture search.
        #expect(planner.plan([assessment("a", r2: 0.9, gains: [0.01, 0.02])]).first?.type == .training)
    }

    @Test func priorityOrderAndConcurrencyCut() {
        var stressed = SignalState()
        stressed.levels.cortisol = 1
        let models = (0..<5).map { assessment("m\($0)", r2: 0.5 + 0.09 * Double($0)) }
        let plan = Planner(signals: SignalState(), environment: calm, threshold: 0.1, maxTasks: 3).plan(models)
        #expect(plan.map(\.model) == ["m0", "m1", "m2"])
        #expect(Planner(signals: stressed, environment: calm, threshold: 0.1, maxTasks: 3).plan(models).count == 2)
    }

    @Test func dopamineRaisesTypesThatPaidOff() {
        var s = SignalState()
        s.levels.dopamine = 1
        s.reward["training"] = 1
        let p = Planner(signals: s, environment: calm, threshold: 0.1, maxTasks: 3).plan([assessment("a", r2: 0.9)])
        #expect(abs(p[0].priority - 0.9 * 2) <= 1e-9)
    }

    @Test func gainIsRelativeErrorReduction() {
        #expect(abs(MetricKind.relativeGain("r2", old: 0.9, new: 0.95) - 0.5) <= 1e-9)
        #expect(abs(MetricKind.relativeGain("rmse", old: 0.2, new: 0.3) - (-0.5)) <= 1e-9)
        #expect(abs(MetricKind.relativeGain("latency_p50_us", old: 4, new: 1) - 0.75) <= 1e-9)
    }
}

extension PlannerTests {
    @Test func repeatedRejectionsBackOff() {
        let planner = Planner(signals: SignalState(), environment: calm, threshold: 0.1, maxTasks: 3)
        var a = assessment("a", r2: 0.9)
        a.recentRejections = [.training: 2]
        let plan = planner.plan([a])
        #expect(abs(plan[0].priority - 0.9 * 0.25) <= 1e-9)
        #expect(plan[0].reasons.joined().contains("the last 2 training candidate(s)"))
    }
}

extension PlannerTests {
    /// Continue and restart take turns while training candidates are turned down: a champion
    /// stuck in a poor valley gets a fresh start every other task (README, "The cycle", step 5).
    @Test func aTrainingTaskAfterARejectedOneStartsFromFreshWeights() throws {
        let planner = Planner(signals: SignalState(), environment: calm, threshold: 0.1, maxTasks: 3)
        let kind = TrainingKind()
        for (rejections, restarts) in [(0, false), (1, true), (2, false), (3, true)] {
            var a = assessment("a", r2: 0.9)
            a.recentRejections = [.training: rejections, .architecture: 1]
            let task = try #require(planner.plan([a]).first { $0.type == .training })
            let settings = try kind.settings(task, a, planner.context([a]))
            #expect((settings["restart"] == .bool(true)) == restarts, "\(rejections) rejection(s): \(settings)")
            #expect(task.reasons.joined().contains("starts from fresh weights") == restarts, "\(task.reasons)")
        }
    }
}
