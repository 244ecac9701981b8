import Foundation
import NimpCore
import NimpIO
import NimpRegistry
import Testing
@testable import NimpCycle

/// The planner learns held-out gain per CPU-second from the summary of history.
@Suite struct LearningTests {
    let calm = EnvironmentState(loadPerCore: 0.1, memoryAvailableFraction: 0.8, diskFreeBytes: 1e11)

    /// A gap in r2 (0.9 → 0.99: gap 0.9) and in latency (4 → 2: gap 0.5): the rules plan
    /// training (0.9 against 0.5 × the optimization modulation 1.2).
    func assessment(_ id: String, parameters: Double = 5000) -> ModelAssessment {
        ModelAssessment(id: id, task: .regression, evalSHA256: "e", championVersion: 1,
                        metrics: ["r2": 0.9, "latency_p50_us": 4, "parameters": parameters],
                        targets: ["r2": 0.99, "latency_p50_us": 2], constraints: [:], genome: Genome())
    }

    /// Task lines as a cycle writes them: `type` promoted with `gain`, or rejected.
    func history(_ model: String, _ type: TaskType, tasks: Int, gain: Double?, cpu: Double = 30, parameters: Double = 5000) -> [HistoryEntry] {
        (0..<tasks).map { _ in
            HistoryEntry(.task, model: model, fields: [
                "task_type": .string(type.rawValue), "gain": .number(gain ?? -0.01), "promoted": .bool(gain != nil),
                "outcome": .string(gain != nil ? "promoted" : "rejected"), "cpu_seconds": .number(cpu),
                "before": .metrics(["r2": 0.9, "parameters": parameters]), "eval_sha256": .string("e"),
            ])
        }
    }

    func planner(_ entries: [HistoryEntry], seed: UInt64 = 1) -> Planner {
        var summary = HistorySummary()
        for e in entries { summary.apply(e) }
        var p = Planner(signals: SignalState(), environment: calm, threshold: 0.1, maxTasks: 3)
        p.learning = Learning(summary, seed: seed)
        return p
    }

    @Test func aKindThatPaysIsPreferredOverOneThatNeverDoes() throws {
        #expect(planner([]).plan([assessment("a")]).first?.type == .training, "the rules plan training")
        let p = planner(history("a", .training, tasks: 8, gain: nil) + history("a", .optimization, tasks: 8, gain: 0.3))
        for seed in UInt64(1)...20 {
            var q = p
            q.learning?.seed = seed
            let plan = q.plan([assessment("a")])
            #expect(plan.first?.type == .optimization, "seed \(seed): \(plan.first?.reasons ?? [])")
        }
        let task = try #require(p.plan([assessment("a")]).first)
        let e = try #require(task.estimate)
        #expect(e.gainPerTask > 0.2 && abs(e.cpuSecondsPerTask - 30) < 5)
        #expect(task.reasons.last?.hasPrefix("learned: optimization gains") == true, "\(task.reasons)")
    }

    /// Pooled: a model with no history of its own plans like alike models that have one;
    /// a model of another size is not pooled with them.
    @Test func aModelWithoutHistoryLearnsFromAlikeModels() {
        let p = planner(history("a", .training, tasks: 8, gain: nil) + history("a", .optimization, tasks: 8, gain: 0.3)
                        + history("b", .training, tasks: 8, gain: nil) + history("b", .optimization, tasks: 8, gain: 0.3))
        let plan = p.plan([assessment("new")])
        #expect(plan.first?.type == .optimization, "\(plan.first?.reasons ?? [])")
        #expect((plan.first?.estimate?.pooledTasks ?? 0) > 4)
        let other = p.plan([assessment("huge", parameters: 1e6)])
        #expect(other.first?.estimate?.pooledTasks == 0)
    }

    /// CPU goes to nothing rather than to a task expected to return a small fraction of
    /// what the registry's tasks return; the model is told why.
    @Test func aTaskOfLowExpectedReturnWaits() throws {
        var a = assessment("a"), b = assessment("b", parameters: 100)
        a.targets = ["r2": 0.99]
        b.targets = ["r2": 0.99]
        a.recentRejections = [.training: 10, .architecture: 10]
        let p = planner(history("a", .training, tasks: 10, gain: nil) + history("a", .architecture, tasks: 10, gain: nil)
                        + history("b", .training, tasks: 10, gain: 0.3, parameters: 100))
        let plan = p.plan([a, b])
        #expect(plan.map(\.model) == ["b"], "\(plan.map(\.reasons))")
        let idle = p.explain([a, b], planned: plan, disabled: [])
        #expect(idle.count == 1 && idle[0].model == "a" && idle[0].why.contains("expected to return"), "\(idle)")
    }

    @Test func withoutHistoryThePlannerPlansAsToday() {
        #expect(Learning(HistorySummary(), seed: 1) == nil)
        var summary = HistorySummary()
        summary.apply(HistoryEntry(.add, model: "a"))
        #expect(Learning(summary, seed: 1) == nil, "no task recorded yet")
        let rules = Planner(signals: SignalState(), environment: calm, threshold: 0.1, maxTasks: 3)
        let models = [assessment("a"), assessment("b", parameters: 100)]
        #expect(planner([]).plan(models) == rules.plan(models))
        #expect(rules.plan(models).allSatisfy { $0.estimate == nil })
        var off = planner(history("a", .optimization, tasks: 8, gain: 0.3))
        var config = RegistryConfig()
        config.learnedPriority = false
        off.configure(config)
        #expect(off.plan(models) == rules.plan(models), "learned_priority false")
    }

    @Test func plansAreReproducibleForASeed() {
        let entries = history("a", .training, tasks: 3, gain: 0.1) + history("a", .optimization, tasks: 3, gain: nil)
            + history("b", .training, tasks: 2, gain: nil) + history("c", .architecture, tasks: 2, gain: 0.2)
        let models = ["a", "b", "c", "d"].map { assessment($0) }
        #expect(planner(entries, seed: 7).plan(models) == planner(entries, seed: 7).plan(models))
        let draws = (UInt64(1)...10).map { planner(entries, seed: $0).plan(models).compactMap { $0.estimate?.sampled } }
        #expect(Set(draws.map { $0.description }).count > 1, "another seed draws otherwise")
    }

    /// The summary keeps what the planner learns, and a reader folds it on from where it stood.
    @Test func theSummaryFoldsGainsIncrementally() throws {
        let entries = history("a", .training, tasks: 5, gain: 0.2, cpu: 10) + history("a", .training, tasks: 1, gain: nil, cpu: 20)
        var whole = HistorySummary()
        for e in entries { whole.apply(e) }
        let g = try #require(whole.models["a"]?.learned["training"])
        let k = GainStats.modelForgetting
        #expect(abs(g.tasks - (0..<6).reduce(0) { $0 + pow(k, Double($1)) }) < 1e-9)
        #expect(abs(g.gain - (1...5).reduce(0) { $0 + 0.2 * pow(k, Double($1)) }) < 1e-9, "a rejected task gains 0")
        #expect(whole.pools[GainStats.pool(ModelFeatures(task: .regression, parameters: 5000), "training")]?.tasks ?? 0 > 5)
    }
}
