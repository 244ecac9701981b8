import Foundation
import NimpCore
import NimpIO
import NimpOperators
import NimpRegistry

/// How to run a cycle. What it has to say goes to the registry's `diagnostics`, which
/// every step of a cycle reaches.
public struct CycleOptions: Sendable {
    /// Print the plan and change nothing.
    public var planOnly = false
    /// Run even if the last cycle ended less than `improvement_interval` ago.
    public var force = false
    /// Wall-time budget for the whole cycle; tasks share it.
    public var budgetSeconds: Double = 600
    /// Told about the cycle once it is recorded (the Prometheus textfile).
    public var reporter: (any CycleReporter)?
    public var commandLine: [String] = []
    public var latencySamples = 500
    /// Runs the task files; nil: in this process, one after another.
    public var executor: (any TaskExecutor)?
    /// Keep the plan directory (task files, candidates, logs) after the gate.
    public var keepPlan = false
    /// Task processes at once; nil: max_concurrent_tasks, lowered by cortisol, capped by the free cores.
    public var jobs: Int?

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
    public enum Status: String, Sendable, Codable {
        case promoted, rejected, failed, timeout
    }

    public var task: PlannedTask
    public var status: Status
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
    /// Where the task ran: its id, the queue entry it came from, executor, host, CPU-seconds.
    public var taskID: String?
    public var queued: String?
    public var executor: String?
    public var host: String?
    public var job: String?
    public var cpuSeconds: Double?
    /// Rows the generator or teacher command labelled for the task (its teacher calls).
    public var teacherRows: Int?
    public var sampling: String?
    /// Those rows, added to the model's training set (now `trainSha256`) by the gate.
    public var rowsKept: Int?
    public var trainSha256: String?

    mutating func provenance(_ task: CycleTask, _ result: TaskResult?) {
        taskID = task.id
        queued = task.queued
        executor = result?.executor
        host = result?.host
        job = result?.job
        cpuSeconds = result?.cpuSeconds
        teacherRows = result?.teacherRows
        sampling = result?.sampling?.rawValue
    }
}

/// A champion's held-out metrics as the cycle last saw them.
public struct ChampionMetrics: Sendable {
    public var model: String
    public var version: Int?
    public var metrics: [String: Double]
}

/// Told about each cycle after its history line is written: the Prometheus textfile.
public protocol CycleReporter: Sendable {
    func cycleRecorded(_ summary: CycleSummary, outcomes: [TaskOutcome], champions: [ChampionMetrics]) throws
}

/// One run of the self-improvement loop (README, "The cycle").
public enum Cycle {
    public struct Result: Sendable {
        public var summary: CycleSummary
        public var plan: [PlannedTask]
        public var outcomes: [TaskOutcome]
        /// Models that got no task, and why.
        public var idle: [IdleModel] = []
        /// Result files the gate refused (hostile, tampered, not this task's): exit 65.
        public var problems: [NimpError] = []
        /// The plan directory, when the plan was written.
        public var directory: String?
    }

    public static func run(_ registry: Registry, options: CycleOptions) throws -> Result {
        if options.planOnly { return try plan(registry, options: options, writeTo: .nowhere) }
        var registry = registry
        registry.lockWait = 0
        return try registry.withLock { try runLocked(registry, options: options) }
    }

    /// Where `nimp cycle plan` writes its task files.
    public enum PlanDestination: Sendable {
        /// Printed only (`nimp cycle --plan`).
        case nowhere
        /// A new directory under REGISTRY/cycles, named by the plan's id.
        case registry
        case directory(String)
    }

    /// The plan, without the lock and without changing the registry: printed (`--plan`)
    /// or written as task files (`nimp cycle plan`).
    public static func plan(_ registry: Registry, options: CycleOptions, writeTo destination: PlanDestination) throws -> Result {
        let context = try CycleContext.sense(registry, record: false)
        if !options.force, let reason = skipReason(context, now: Date()) { return skipped(context, reason: reason, start: Date()) }
        let assessed = try Assessor.assess(registry, context: context, record: false, latencySamples: options.latencySamples)
        for m in assessed where m.spec.source?.canGenerate == true && m.evalDecisions >= context.config.gateRefreshDecisions {
            registry.diagnostics.info("\(m.id): its eval set has decided \(m.evalDecisions) gates; the gate will regenerate it first")
        }
        var planOptions = CyclePlanOptions()
        planOptions.budgetSeconds = options.budgetSeconds
        planOptions.latencySamples = options.latencySamples
        planOptions.concurrency = concurrency(context)
        let directory: ((String) -> String)? = switch destination {
        case .nowhere: nil
        case .registry: { registry.layout.cycles + "/" + $0 }
        case .directory(let d): { _ in d }
        }
        let plan = try CyclePlanning.plan(registry, context: context, assessed: assessed, options: planOptions, directory: directory)
        return Result(summary: plan.summary, plan: plan.tasks.map(\.planned), outcomes: [], idle: plan.idle, directory: plan.directory)
    }

    static func skipReason(_ context: CycleContext, now: Date) -> String? {
        let config = context.config
        if let last = context.lastCycle {
            let since = now.timeIntervalSince(last.time)
            if since < config.improvementInterval {
                return String(format: "the last cycle ended %.0f s ago; improvement_interval is %.0f s (use --force to run now)", since, config.improvementInterval)
            }
        }
        if context.iteration > config.maxIterations {
            return "max_iterations (\(config.maxIterations)) cycles have run; raise it with `nimp registry config max_iterations N`"
        }
        return nil
    }

    /// Task processes at once: max_concurrent_tasks, lowered by cortisol, never more than
    /// the cores the machine has free (load average subtracted).
    static func concurrency(_ context: CycleContext) -> Int {
        let cpus = max(1, context.machine.cpus)
        let busy = Int((context.machine.loadAverage?.first ?? 0).rounded(.down))
        return max(1, min(context.signals.concurrency(configured: context.config.maxConcurrentTasks), cpus - busy, cpus))
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
            var text = String(format: "relative gain on %@ ≥ %.3f, ", task.metric, m.threshold(threshold, config: config))
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
    static func budgeted(_ models: [AssessedModel], config: RegistryConfig,
                         _ diagnostics: any DiagnosticSink) -> (open: [AssessedModel], spent: [String]) {
        var open: [AssessedModel] = [], spent: [String] = []
        for m in models {
            if m.spec.source?.canGenerate != true, m.evalPromotions >= config.gatePromotionBudget {
                diagnostics.warn("\(m.id): left out: its eval set has decided \(m.evalPromotions) promotions (gate_promotion_budget "
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
    /// A teacher command in a file others could write ends the cycle (exit 77).
    static func refreshEvalSets(_ registry: Registry, context brain: CycleContext) throws -> [String] {
        var refreshed: [String] = []
        for id in try registry.modelIDs() {
            guard let spec = try? registry.spec(id), spec.source?.canGenerate == true else { continue }
            let past = brain.summary.models[id] ?? ModelHistory()
            let decisions = past.decisions(onEval: spec.eval.sha256).decisions
            guard decisions >= brain.config.gateRefreshDecisions else { continue }
            let refreshes = past.refreshes
            do {
                let fresh = try HeldOutSets.regenerateEval(registry, id: id, spec: spec, refresh: refreshes + 1)
                try registry.replaceHeldOut(id, eval: DatasetIO.encode(fresh, format: .safetensors), audit: nil,
                                            reason: "the eval set decided \(decisions) gates (gate_refresh_decisions \(brain.config.gateRefreshDecisions))")
                registry.diagnostics.info("\(id): eval set regenerated after \(decisions) gate decisions")
                refreshed.append(id)
            } catch let e as NimpError where e.kind != .ioError && e.kind != .noPermission {
                registry.diagnostics.warn("\(id): could not regenerate its eval set: \(e.message)")
            }
        }
        return refreshed
    }

    static func makePlanner(_ brain: CycleContext) -> Planner {
        var planner = Planner(signals: brain.signals, environment: brain.environment,
                              threshold: brain.signals.promotionThreshold(configured: brain.config.performanceThreshold),
                              maxTasks: brain.config.maxConcurrentTasks)
        planner.learning = Learning(brain.summary, seed: Learning.seed(iteration: brain.iteration))
        planner.configure(brain.config)
        planner.environmentGenomes = brain.environmentGenomes
        return planner
    }

    static func skipped(_ brain: CycleContext, reason: String, start: Date) -> Result {
        let summary = CycleSummary(
            iteration: brain.iteration - 1, status: "skipped", reason: reason, models: 0, tasks: 0, promoted: 0, rejected: 0,
            failed: 0, modelsImproved: [], totalGain: 0, bestGain: 0, averageTaskSeconds: 0,
            seconds: Date().timeIntervalSince(start), evaluated: 0, signals: brain.signals.levels,
            triggers: brain.environment.triggers, memoryBytes: residentMemoryBytes())
        return Result(summary: summary, plan: [], outcomes: [])
    }

    static func runLocked(_ registry: Registry, options: CycleOptions) throws -> Result {
        let start = Date()
        var context = try CycleContext.sense(registry, record: true)
        if !options.force, let reason = skipReason(context, now: start) { return skipped(context, reason: reason, start: start) }
        if try SlurmCycle.settleInFlight(registry) { context = try CycleContext.sense(registry, record: true) }
        removeKilledCycles(registry)
        let refreshed = try refreshEvalSets(registry, context: context)
        if !refreshed.isEmpty { context = try CycleContext.sense(registry, record: true) }
        let assessed = try Assessor.assess(registry, context: context, record: true, latencySamples: options.latencySamples)
        var planOptions = CyclePlanOptions()
        planOptions.budgetSeconds = options.budgetSeconds
        planOptions.latencySamples = options.latencySamples
        let parallel = options.jobs ?? concurrency(context)
        planOptions.concurrency = parallel
        let plan = try CyclePlanning.plan(registry, context: context, assessed: assessed, options: planOptions,
                                          directory: { registry.layout.cycles + "/" + $0 }, byCycle: true)
        do {
            return try runPlan(plan, registry: registry, context: context, assessed: assessed, refreshed: refreshed, options: options,
                               parallel: parallel, start: start)
        } catch {
            // Nothing of a failed cycle's working files stays in the registry.
            if let dir = plan.directory { try? FileManager.default.removeItem(atPath: dir) }
            throw error
        }
    }

    /// Plan directories `nimp cycle` left when it was killed: the lock is ours, so their cycle is dead.
    static func removeKilledCycles(_ registry: Registry) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: registry.layout.cycles)) ?? []
        for name in names.sorted() where !name.hasPrefix(".") {
            let dir = registry.layout.cycles + "/" + name
            guard (try? CyclePlan.readHeader(dir))?.byCycle != false else { continue }
            registry.diagnostics.info("removing \(dir): the working files of a cycle that did not finish")
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    static func runPlan(_ plan: CyclePlan, registry: Registry, context: CycleContext, assessed: [AssessedModel], refreshed: [String],
                        options: CycleOptions, parallel: Int, start: Date) throws -> Result {
        try Failpoint.hit("cycle.tasks", file: registry.root)

        let executor = options.executor ?? InProcessExecutor(commandLine: options.commandLine, diagnostics: registry.diagnostics)
        let paths = plan.taskPaths
        let progress = ProgressBar("cycle \(context.iteration)", total: paths.count, unit: "tasks", budgetSeconds: options.budgetSeconds, start: start)
        for (n, task) in plan.tasks.enumerated() {
            registry.diagnostics.info(String(format: "cycle %d: task %d/%d: %@ %@ (priority %.3g, budget %.0f s)", context.iteration, n + 1, paths.count,
                                task.type.rawValue, task.model, task.planned.priority, task.budgetSeconds))
        }
        if paths.count > 1, parallel > 1 { registry.diagnostics.info("cycle \(context.iteration): \(min(parallel, paths.count)) task processes at once (\(executor.name))") }
        let diagnostics = registry.diagnostics
        let missing = try executor.run(paths, concurrency: parallel, budgetSeconds: plan.tasks.map(\.budgetSeconds).max() ?? options.budgetSeconds) { n, _ in
            diagnostics.progress(progress, completed: n)
        }
        diagnostics.endProgress()
        let items: [GateItem] = zip(plan.tasks, paths).map { task, path in
            let result = plan.directory! + "/results/" + TaskResult.fileName(task.id)
            if FileManager.default.fileExists(atPath: result) { return .result(result) }
            return .missing(task: path, reason: missing[path] ?? "no result")
        }
        var gateOptions = CycleGate.Options()
        gateOptions.latencySamples = options.latencySamples
        gateOptions.reporter = options.reporter
        // The plan was made now: none of its tasks can have been gated before.
        var result = try CycleGate.gateLocked(registry, context: context, items: items, models: assessed.count, plateaus: plan.plateaus,
                                              options: gateOptions, assessed: assessed, start: start, recordEmpty: true, freshPlan: true)
        result.summary.evalRefreshed = refreshed
        result.summary.evalSpent = plan.summary.evalSpent
        result.plan = plan.tasks.map(\.planned)
        result.idle = plan.idle
        if options.keepPlan {
            result.directory = plan.directory
        } else if let dir = plan.directory {
            try? FileManager.default.removeItem(atPath: dir)
        }
        try Failpoint.hit("cycle.done", file: registry.root)
        return result
    }

    /// After the gate: the signals react, and the cycle's history line and textfile are written.
    static func finish(_ registry: Registry, context: inout CycleContext, outcomes: [TaskOutcome], models: Int, plateaus: Int,
                       evaluated: Int, start: Date, reporter: (any CycleReporter)?, assessed: [AssessedModel]) throws -> Result {
        var outcome = CycleOutcome()
        outcome.promotions = outcomes.filter { $0.status == .promoted }.map { ($0.task.type, max(0, $0.gain)) }
        outcome.rejected = outcomes.filter { $0.status == .rejected }.count
        outcome.failed = outcomes.filter { $0.status == .failed || $0.status == .timeout }.count
        outcome.plateauFraction = models == 0 ? 0 : Double(plateaus) / Double(models)
        outcome.pressure = context.environment.pressure
        context.signals.update(after: outcome)

        let promoted = outcomes.filter { $0.status == .promoted }
        let gains = promoted.map(\.gain)
        let summary = CycleSummary(
            iteration: context.iteration, status: "completed", reason: nil, models: models, tasks: outcomes.count,
            promoted: promoted.count, rejected: outcome.rejected, failed: outcome.failed,
            modelsImproved: promoted.map(\.task.model).sorted(), totalGain: gains.reduce(0, +), bestGain: gains.max() ?? 0,
            averageTaskSeconds: outcomes.isEmpty ? 0 : outcomes.map(\.seconds).reduce(0, +) / Double(outcomes.count),
            seconds: Date().timeIntervalSince(start), evaluated: evaluated,
            signals: context.signals.levels, triggers: context.environment.triggers, memoryBytes: residentMemoryBytes())

        var file = context.signalsFile
        file.record(context.signals.levels.asDictionary, note: .object(["cycle": .int(context.iteration)]))
        file.extra["reward"] = .metrics(context.signals.reward)
        var genomes = file.extra["genomes"]?.object ?? [:]
        for o in promoted where o.task.type == .architecture {
            if let spec = try? registry.spec(o.task.model) { genomes[context.environment.name] = try JSONValue(encoding: spec.genome) }
        }
        if !genomes.isEmpty { file.extra["genomes"] = .object(genomes) }
        try Failpoint.hit("cycle.record", file: registry.root)
        try registry.writeSignals(file)
        try registry.history.append(HistoryEntry(.cycle, fields: try cycleFields(summary)), failpoint: "cycle.history")
        // Saved now, so the next cycle reads no history at all.
        try registry.recordHistorySummary()
        try reporter?.cycleRecorded(summary, outcomes: outcomes,
                                    champions: assessed.map { ChampionMetrics(model: $0.id, version: $0.championVersion, metrics: $0.assessment.metrics) })
        return Result(summary: summary, plan: [], outcomes: outcomes)
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
        if let id = o.taskID { e["task_id"] = .string(id) }
        if let q = o.queued { e["queued"] = .string(q) }
        if let x = o.executor { e["executor"] = .string(x) }
        if let h = o.host { e["host"] = .string(h) }
        if let j = o.job { e["job"] = .string(j) }
        if let c = o.cpuSeconds { e["cpu_seconds"] = .number(c) }
        if let n = o.teacherRows { e["teacher_rows"] = .int(n) }
        if let s = o.sampling { e["sampling"] = .string(s) }
        if let n = o.rowsKept { e["rows_kept"] = .int(n) }
        if let s = o.trainSha256 { e["train_sha256"] = .string(s) }
        e["promoted"] = .bool(o.status == .promoted)
        e["outcome"] = .string(o.status.rawValue)
        e["reason"] = .string(o.reason)
        e["seconds"] = .number(o.seconds)
        return e
    }

    static func cycleFields(_ s: CycleSummary) throws -> [String: JSONValue] {
        try JSONValue(encoding: s).object ?? [:]
    }
}
