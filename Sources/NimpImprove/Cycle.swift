import Foundation
import NimpCore
import NimpIO
import NimpRegistry

/// How to run a cycle.
public struct CycleOptions: Sendable {
    /// Print the plan and change nothing.
    public var planOnly = false
    /// Run even if the last cycle ended less than `improvement_interval` ago.
    public var force = false
    /// Wall-time budget for the whole cycle; tasks share it.
    public var budgetSeconds: Double = 600
    /// Write a Prometheus textfile (nimp.prom) here for node_exporter.
    public var textfileDirectory: String?
    public var commandLine: [String] = []
    public var latencySamples = 500

    public init() {}
}

/// The cycle's one-line JSON summary (and its history line).
public struct CycleSummary: Codable, Sendable {
    public var iteration: Int
    /// `completed`, `planned`, or `skipped` (interval not elapsed, max_iterations reached).
    public var status: String
    public var reason: String?
    public var models: Int
    public var tasks: Int
    public var promoted: Int
    public var rejected: Int
    public var failed: Int
    public var modelsImproved: [String]
    public var totalGain: Double
    public var bestGain: Double
    public var averageTaskSeconds: Double
    public var seconds: Double
    public var evaluated: Int
    public var signals: SignalLevels
    public var triggers: [String]
    public var memoryBytes: Int
    /// Models whose eval set was regenerated before this cycle (gate_refresh_decisions).
    public var evalRefreshed: [String] = []
    /// Models left out of the plan: their eval set cannot be regenerated and has taken
    /// gate_promotion_budget promotions (`nimp registry refresh ID --eval FILE`).
    public var evalSpent: [String] = []

    enum CodingKeys: String, CodingKey {
        case iteration, status, reason, models, tasks, promoted, rejected, failed, seconds, evaluated, signals, triggers
        case evalRefreshed = "eval_refreshed"
        case evalSpent = "eval_spent"
        case modelsImproved = "models_improved"
        case totalGain = "total_gain"
        case bestGain = "best_gain"
        case averageTaskSeconds = "average_task_seconds"
        case memoryBytes = "memory_bytes"
    }
}

/// What happened to one task.
public struct TaskOutcome: Sendable {
    public var task: PlannedTask
    /// `promoted`, `rejected`, `failed`, `timeout`.
    public var status: String
    public var parent: Int?
    public var candidate: Int?
    public var before: [String: Double]
    public var after: [String: Double]
    public var gain: Double
    public var reason: String
    public var seconds: Double
    /// The eval set the gate decided on.
    public var evalSha256: String
    /// The gate's paired test and the other quality metrics it compared.
    public var evidence: MetricEvidence?
    public var checks: [MetricEvidence] = []
    /// Quality on the audit set of the champion and of the promoted candidate (recorded, never decided on).
    public var auditBefore: [String: Double]?
    public var auditAfter: [String: Double]?
}

/// One run of the self-improvement loop (README, "The cycle").
public enum Cycle {
    public struct Result: Sendable {
        public var summary: CycleSummary
        public var plan: [PlannedTask]
        public var outcomes: [TaskOutcome]
    }

    public static func run(_ registry: Registry, options: CycleOptions) throws -> Result {
        if options.planOnly { return try plan(registry, options: options) }
        var registry = registry
        registry.lockWait = 0
        return try registry.withLock { try runLocked(registry, options: options) }
    }

    /// The plan, read-only: no lock, no cache writes, no history.
    static func plan(_ registry: Registry, options: CycleOptions) throws -> Result {
        let start = Date()
        let brain = try BrainState.sense(registry)
        let models = try Assessor.assess(registry, brain: brain, record: false, latencySamples: options.latencySamples)
        let planner = makePlanner(brain)
        let (open, spent) = budgeted(models, config: brain.config)
        for m in models where m.spec.source?.canGenerate == true && m.evalDecisions >= brain.config.gateRefreshDecisions {
            Console.info("\(m.id): its eval set has decided \(m.evalDecisions) gates; the cycle will regenerate it first")
        }
        let plan = describeGates(planner.plan(open.map(\.assessment)), models: open, config: brain.config, threshold: planner.threshold)
        var summary = CycleSummary(
            iteration: brain.iteration, status: "planned", reason: nil, models: models.count, tasks: plan.count, promoted: 0,
            rejected: 0, failed: 0, modelsImproved: [], totalGain: 0, bestGain: 0, averageTaskSeconds: 0,
            seconds: Date().timeIntervalSince(start), evaluated: models.filter(\.evaluatedNow).count,
            signals: brain.signals.levels, triggers: brain.environment.triggers, memoryBytes: residentMemoryBytes())
        summary.evalSpent = spent
        return Result(summary: summary, plan: plan, outcomes: [])
    }

    /// Each task with the gate it will face, in words (for --plan, the log and history).
    static func describeGates(_ plan: [PlannedTask], models: [AssessedModel], config: RegistryConfig, threshold: Double) -> [PlannedTask] {
        let byID = Dictionary(uniqueKeysWithValues: models.map { ($0.id, $0) })
        return plan.map { task in
            var task = task
            guard let m = byID[task.model] else { return task }
            let rows = m.evalRows
            let quality = MetricKind.quality.contains(task.metric)
            let tested = quality ? task.metric : m.assessment.qualityMetric
            var text = String(format: "relative gain on %@ ≥ %.3f, ", task.metric, threshold)
            text += quality
                ? "significant at \(config.promotionConfidence) under a \(PairedComparison.test(tested).rawValue) on \(PairedComparison.basis(tested)) over \(rows) eval rows"
                : String(format: "%@ within its budget of %.3f over %d eval rows", tested, Gate.qualityTolerance, rows)
            if rows < Gate.minimumRows { text += " (too few: insufficient evidence below \(Gate.minimumRows))" }
            text += m.spec.source?.canGenerate == true
                ? "; decision \(m.evalDecisions + 1) of \(config.gateRefreshDecisions) on this eval set before it is regenerated"
                : "; \(m.evalPromotions) of \(config.gatePromotionBudget) promotions this eval set may decide are spent (\(m.evalDecisions) decisions)"
            task.gate = text
            return task
        }
    }

    /// Splits the models into those the gate may still decide on and those whose eval set
    /// cannot be regenerated and has decided its budget of promotions (they wait for fresh rows).
    static func budgeted(_ models: [AssessedModel], config: RegistryConfig) -> (open: [AssessedModel], spent: [String]) {
        var open: [AssessedModel] = [], spent: [String] = []
        for m in models {
            if m.spec.source?.canGenerate != true, m.evalPromotions >= config.gatePromotionBudget {
                Console.warn("\(m.id): left out: its eval set has decided \(m.evalPromotions) promotions (gate_promotion_budget "
                             + "\(config.gatePromotionBudget)) and cannot be regenerated; give fresh rows with `nimp registry refresh \(m.id) --eval FILE`")
                spent.append(m.id)
            } else {
                open.append(m)
            }
        }
        return (open, spent)
    }

    /// Regenerates the eval set of every model with a generator or teacher command whose
    /// eval set has decided `gate_refresh_decisions` gates. Returns the models refreshed.
    static func refreshEvalSets(_ registry: Registry, brain: BrainState) throws -> [String] {
        var refreshed: [String] = []
        for id in try registry.modelIDs() {
            guard let spec = try? registry.spec(id), spec.source?.canGenerate == true else { continue }
            let decisions = Registry.gateDecisions(brain.history, model: id, evalSha256: spec.eval.sha256).decisions
            guard decisions >= brain.config.gateRefreshDecisions else { continue }
            let refreshes = brain.history.count { $0.type == .refresh && $0.model == id }
            do {
                let fresh = try HeldOutSets.regenerateEval(registry, id: id, spec: spec, refresh: refreshes + 1)
                try registry.replaceHeldOut(id, eval: DatasetIO.encode(fresh, format: .safetensors), audit: nil,
                                            reason: "the eval set decided \(decisions) gates (gate_refresh_decisions \(brain.config.gateRefreshDecisions))")
                Console.info("\(id): eval set regenerated after \(decisions) gate decisions")
                refreshed.append(id)
            } catch let e as NimpError where e.status != .ioError {
                Console.warn("\(id): could not regenerate its eval set: \(e.message)")
            }
        }
        return refreshed
    }

    static func makePlanner(_ brain: BrainState) -> Planner {
        var planner = Planner(signals: brain.signals, environment: brain.environment,
                              threshold: brain.signals.promotionThreshold(configured: brain.config.performanceThreshold),
                              maxTasks: brain.config.maxConcurrentTasks)
        planner.architectureSearch = brain.config.geneticArchitectureSearch
        planner.distillation = brain.config.crossModelDistillation
        planner.signalDriven = brain.config.signalDrivenPriority
        return planner
    }

    static func skipped(_ brain: BrainState, reason: String, start: Date) -> Result {
        let summary = CycleSummary(
            iteration: brain.iteration - 1, status: "skipped", reason: reason, models: 0, tasks: 0, promoted: 0, rejected: 0,
            failed: 0, modelsImproved: [], totalGain: 0, bestGain: 0, averageTaskSeconds: 0,
            seconds: Date().timeIntervalSince(start), evaluated: 0, signals: brain.signals.levels,
            triggers: brain.environment.triggers, memoryBytes: residentMemoryBytes())
        return Result(summary: summary, plan: [], outcomes: [])
    }

    static func runLocked(_ registry: Registry, options: CycleOptions) throws -> Result {
        let start = Date()
        var brain = try BrainState.sense(registry)
        let config = brain.config
        if !options.force, let last = brain.lastCycle {
            let since = start.timeIntervalSince(last.time)
            if since < config.improvementInterval {
                return skipped(brain, reason: String(format: "the last cycle ended %.0f s ago; improvement_interval is %.0f s (use --force to run now)", since, config.improvementInterval), start: start)
            }
        }
        if brain.iteration > config.maxIterations {
            return skipped(brain, reason: "max_iterations (\(config.maxIterations)) cycles have run; raise it with `nimp registry config max_iterations N`", start: start)
        }
        let refreshed = try refreshEvalSets(registry, brain: brain)
        let assessed = try Assessor.assess(registry, brain: brain, record: true, latencySamples: options.latencySamples)
        let planner = makePlanner(brain)
        let (open, spent) = budgeted(assessed, config: config)
        let plan = describeGates(planner.plan(open.map(\.assessment)), models: open, config: config, threshold: planner.threshold)
        let byID = Dictionary(uniqueKeysWithValues: assessed.map { ($0.id, $0) })
        let runner = TaskRunner(registry: registry, brain: brain, models: byID, iteration: brain.iteration, commandLine: options.commandLine)
        try Failpoint.hit("cycle.tasks", file: registry.root)

        var outcomes: [TaskOutcome] = []
        let progress = ProgressBar("cycle \(brain.iteration)", total: plan.count, unit: "tasks",
                                   budgetSeconds: options.budgetSeconds, start: start)
        defer { progress.finish() }
        for (n, task) in plan.enumerated() {
            progress.update(completed: n, detail: "\(task.type.rawValue) \(task.model)")
            let remaining = options.budgetSeconds - Date().timeIntervalSince(start)
            let share = remaining / Double(plan.count - n) * brain.signals.budgetScale
            Console.info(String(format: "cycle %d: task %d/%d: %@ %@ (priority %.3f, budget %.0f s)", brain.iteration, n + 1, plan.count, task.type.rawValue, task.model, task.priority, max(0, share)))
            outcomes.append(try runTask(task, runner: runner, model: byID[task.model]!, budget: max(1, share),
                                    threshold: planner.threshold, confidence: config.promotionConfidence,
                                    iteration: brain.iteration, latencySamples: options.latencySamples))
            Console.info("  \(outcomes.last!.status): \(outcomes.last!.reason)")
        }
        progress.update(completed: plan.count)

        // Signals: decay, then react to what happened.
        var outcome = CycleOutcome()
        outcome.promotions = outcomes.filter { $0.status == "promoted" }.map { ($0.task.type, max(0, $0.gain)) }
        outcome.rejected = outcomes.filter { $0.status == "rejected" }.count
        outcome.failed = outcomes.filter { $0.status == "failed" || $0.status == "timeout" }.count
        outcome.plateauFraction = assessed.isEmpty ? 0 : Double(assessed.filter { planner.isPlateau($0.assessment) }.count) / Double(assessed.count)
        outcome.pressure = brain.environment.pressure
        brain.signals.update(after: outcome)

        let promoted = outcomes.filter { $0.status == "promoted" }
        let gains = promoted.map(\.gain)
        var summary = CycleSummary(
            iteration: brain.iteration, status: "completed", reason: nil, models: assessed.count, tasks: outcomes.count,
            promoted: promoted.count, rejected: outcome.rejected, failed: outcome.failed,
            modelsImproved: promoted.map(\.task.model).sorted(), totalGain: gains.reduce(0, +), bestGain: gains.max() ?? 0,
            averageTaskSeconds: outcomes.isEmpty ? 0 : outcomes.map(\.seconds).reduce(0, +) / Double(outcomes.count),
            seconds: Date().timeIntervalSince(start), evaluated: assessed.filter(\.evaluatedNow).count,
            signals: brain.signals.levels, triggers: brain.environment.triggers, memoryBytes: residentMemoryBytes())
        summary.evalRefreshed = refreshed
        summary.evalSpent = spent

        var file = brain.signalsFile
        file.record(brain.signals.levels.asDictionary, note: .object(["cycle": .int(brain.iteration)]))
        file.extra["reward"] = .metrics(brain.signals.reward)
        var genomes = file.extra["genomes"]?.object ?? [:]
        for o in promoted where o.task.type == .architecture {
            if let spec = try? registry.spec(o.task.model), let data = try? JSONEncoder().encode(spec.genome),
               let value = try? JSONDecoder().decode(JSONValue.self, from: data) {
                genomes[brain.environment.name] = value
            }
        }
        if !genomes.isEmpty { file.extra["genomes"] = .object(genomes) }
        try Failpoint.hit("cycle.record", file: registry.root)
        try registry.writeSignals(file)
        try registry.history.append(HistoryEntry(.cycle, fields: try cycleFields(summary)), failpoint: "cycle.history")
        if let dir = options.textfileDirectory {
            try PrometheusTextfile.write(summary: summary, outcomes: outcomes, models: assessed, to: dir)
        }
        try Failpoint.hit("cycle.done", file: registry.root)
        return Result(summary: summary, plan: plan, outcomes: outcomes)
    }

    /// Runs one task and records it. A task that fails is recorded and the cycle goes
    /// on, except for an I/O error (a full disk, EIO), which ends the cycle with exit 74:
    /// nothing later could be recorded either, and cron should see the failure.
    static func runTask(_ task: PlannedTask, runner: TaskRunner, model: AssessedModel, budget: Double,
                        threshold: Double, confidence: Double, iteration: Int, latencySamples: Int) throws -> TaskOutcome {
        let start = Date()
        let registry = runner.registry
        var outcome = TaskOutcome(task: task, status: "failed", parent: model.championVersion, candidate: nil,
                                  before: model.assessment.metrics, after: [:], gain: 0, reason: "", seconds: 0,
                                  evalSha256: model.spec.eval.sha256)
        do {
            let candidate = try runner.run(task, budget: budget)
            let evalPath = registry.layout.resolve(model.spec.eval.path)
            let eval = try DatasetIO.load(path: evalPath, for: DataContract(model: candidate.model, owner: "the candidate for \(model.id)"))
            let bytes = try candidate.encode().count
            let after = try Evaluator.evaluate(candidate.model, on: eval, archiveBytes: bytes, latencySamples: latencySamples, throughputSeconds: 0.05).metrics
            outcome.after = after
            // Both models on the same eval rows, each reading them through its own contract.
            let comparison = try runner.champion(model).map { champion in
                let rows = try DatasetIO.load(path: evalPath, for: DataContract(model: champion.model, owner: "the champion of \(model.id)"))
                return PairedComparison(champion: sampleOutcomes(champion.model, on: rows), candidate: sampleOutcomes(candidate.model, on: eval))
            }
            var request = Gate.Request(metric: task.metric, qualityMetric: model.assessment.qualityMetric, task: model.spec.task,
                                       before: model.championVersion == nil ? nil : model.assessment.metrics, after: after,
                                       comparison: comparison, threshold: threshold, confidence: confidence)
            request.targets = model.spec.targets
            request.constraints = model.spec.constraints
            let decision = Gate.decide(request)
            outcome.gain = decision.gain
            outcome.reason = decision.reason
            outcome.evidence = decision.evidence
            outcome.checks = decision.checks
            outcome.seconds = Date().timeIntervalSince(start)
            if decision.promote {
                // Decided: only now is the audit set read, to record what the promotion did there.
                outcome.auditBefore = model.audit
                outcome.auditAfter = try HeldOutSets.auditSet(registry, model.spec, for: candidate.model, id: model.id)
                    .map { HeldOutSets.audit(candidate.model, on: $0) }
                // The cycle holds the lock, so the next version number is known: the task
                // line goes into the same append as the promote line (one write, all or nothing).
                outcome.status = "promoted"
                outcome.candidate = (try registry.versions(model.id).latest ?? 0) + 1
                let version = try registry.addVersion(model.id, archive: candidate, heldOut: after, audit: outcome.auditAfter,
                                                      promote: "cycle \(iteration): \(task.type.rawValue): \(decision.reason)",
                                                      history: [taskEntry(outcome, iteration: iteration)])
                precondition(version == outcome.candidate, "version \(version) stored while the cycle held the lock expecting \(outcome.candidate!)")
                if task.type == .architecture, let genome = candidate.manifest.genome {
                    // Promoted and recorded: from here on nothing turns the task into a failure.
                    var spec = model.spec
                    spec.genome = genome
                    do {
                        try registry.setSpec(model.id, spec)
                    } catch let e as NimpError where e.status != .ioError {
                        Console.warn("\(model.id): promoted, but model.json keeps its genome: \(e.message)")
                    }
                }
                return outcome
            }
            outcome.status = "rejected"
        } catch let e as BudgetExceeded {
            outcome.status = "timeout"
            outcome.reason = String(format: "exceeded its budget of %.0f s (ran %.0f s)", budget, e.seconds)
        } catch let e as NimpError where e.status == .ioError {
            throw e
        } catch let e as NimpError {
            outcome.status = "failed"
            outcome.candidate = nil
            outcome.reason = e.message
        } catch {
            outcome.status = "failed"
            outcome.reason = "\(error)"
        }
        outcome.seconds = Date().timeIntervalSince(start)
        try registry.history.append(taskEntry(outcome, iteration: iteration), failpoint: "cycle.task-history")
        return outcome
    }

    static func taskEntry(_ o: TaskOutcome, iteration: Int) -> HistoryEntry {
        var e = HistoryEntry(.task, model: o.task.model)
        e["cycle"] = .int(iteration)
        e["task_type"] = .string(o.task.type.rawValue)
        e["metric"] = .string(o.task.metric)
        e["priority"] = .number(o.task.priority)
        e["reasons"] = .array(o.task.reasons.map { .string($0) })
        e["triggers"] = .array(o.task.triggers.map { .string($0) })
        if let t = o.task.teacher { e["teacher"] = .string(t) }
        e["parent"] = o.parent.map { .int($0) } ?? .null
        e["candidate"] = o.candidate.map { .int($0) } ?? .null
        e["before"] = .metrics(o.before)
        e["after"] = .metrics(o.after)
        e["gain"] = .number(o.gain.isFinite ? o.gain : 0)
        e["eval_sha256"] = .string(o.evalSha256)
        if let evidence = o.evidence { e["evidence"] = evidence.json }
        if !o.checks.isEmpty { e["checks"] = .array(o.checks.map(\.json)) }
        if let a = o.auditBefore { e["audit_before"] = .metrics(a) }
        if let a = o.auditAfter { e["audit_after"] = .metrics(a) }
        e["promoted"] = .bool(o.status == "promoted")
        e["outcome"] = .string(o.status)
        e["reason"] = .string(o.reason)
        e["seconds"] = .number(o.seconds)
        return e
    }

    static func cycleFields(_ s: CycleSummary) throws -> [String: JSONValue] {
        let encoder = JSONEncoder()
        let value = try JSONDecoder().decode(JSONValue.self, from: encoder.encode(s))
        return value.object ?? [:]
    }
}
