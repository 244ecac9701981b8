import Foundation
import NimpCore
import NimpIO
import NimpOperators
import NimpRegistry

/// What the gate is given: a result file, or a task that left none (its run was killed,
/// or the executor gave up on it).
public enum GateItem: Sendable {
    case result(String)
    case missing(task: String, reason: String)
}

/// The last step of a cycle: under the registry lock, each result is checked against
/// the registry as it is now, and each candidate is measured again on the eval set (one
/// at a time, so a latency figure never shares the CPU with a running task). Nothing a
/// result file says about quality is trusted. Then promotions, history, signals and
/// the Prometheus textfile (README, "The gate").
public enum CycleGate {
    public struct Options: Sendable {
        public var latencySamples = 500
        public var reporter: (any CycleReporter)?
        /// Record tasks of a plan directory that left no result as failed (else they wait).
        public var finish = false
        /// Why a task left no result, by task id, for those `finish` records as failed.
        public var missingReasons: [String: String] = [:]
        public init() {}
    }

    /// Gate results on their own (`nimp cycle gate`): takes the lock.
    public static func run(_ registry: Registry, inputs: [String], options: Options) throws -> Cycle.Result {
        try registry.withLock {
            let context = try CycleContext.sense(registry, record: true)
            _ = try Cycle.refreshEvalSets(registry, context: context)
            var items: [GateItem] = [], plans: [CyclePlan.Header] = [], dirs: [String] = []
            let targets = inputs.isEmpty ? pendingPlanDirectories(registry) : inputs
            for input in targets {
                var isDir: ObjCBool = false
                guard FileManager.default.fileExists(atPath: input, isDirectory: &isDir) else {
                    throw NimpError(.noInput, "\(input): no such result file or plan directory")
                }
                if isDir.boolValue {
                    let header = try CyclePlan.readHeader(input)
                    plans.append(header)
                    dirs.append(input)
                    items += planItems(input, header: header, finish: options.finish, reasons: options.missingReasons)
                } else {
                    items.append(.result(input))
                }
            }
            let models = plans.isEmpty ? nil : plans.map(\.models).max()
            let plateaus = plans.map(\.plateaus).max() ?? 0
            let earlier = try gatedEarlier(items, plans: plans, registry: registry)
            let result = try gateLocked(registry, context: context, items: items, models: models, plateaus: plateaus, options: options,
                                        earlier: earlier)
            for dir in dirs where absolute(dir).hasPrefix(absolute(registry.layout.cycles) + "/") { removeIfDone(dir, registry: registry) }
            return result
        }
    }

    /// Plan directories under REGISTRY/cycles, oldest first.
    static func pendingPlanDirectories(_ registry: Registry) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: registry.layout.cycles)) ?? []
        return names.sorted().filter { !$0.hasPrefix(".") }.map { registry.layout.cycles + "/" + $0 }
            .filter { (try? CyclePlan.readHeader($0))?.byCycle == false }
    }

    /// A plan directory's tasks: those with a result, and (with `finish`) those without.
    static func planItems(_ dir: String, header: CyclePlan.Header, finish: Bool, reasons: [String: String] = [:]) -> [GateItem] {
        header.tasks.compactMap { id in
            let result = dir + "/results/" + TaskResult.fileName(id)
            if FileManager.default.fileExists(atPath: result) { return .result(result) }
            let reason = reasons[id] ?? "no result: the task did not finish (gated with --finish)"
            return finish ? .missing(task: dir + "/tasks/" + id + ".json", reason: reason) : nil
        }
    }

    /// Removes a plan directory inside the registry once every task in it has a history line.
    static func removeIfDone(_ dir: String, registry: Registry) {
        guard let header = try? CyclePlan.readHeader(dir),
              let decided = try? gated(header.tasks, since: header.created, registry: registry),
              header.tasks.allSatisfy(decided.contains) else { return }
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// The tasks among `ids` that history says were gated. Their lines were written after
    /// the plan was made (`since`, less a day for clocks that disagree), so only the
    /// segments since then are read, and only lines that name one of them are parsed.
    static func gated(_ ids: [String], since: Date?, registry: Registry) throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        let wanted = Set(ids)
        let entries = try registry.history.read(since: since?.addingTimeInterval(-86400), types: [.task], taskIDs: wanted).entries
        return Set(entries.compactMap { $0["task_id"]?.string })
    }

    /// Which of the items' tasks history says were gated, from one read of history (the
    /// plans' task ids, and each loose result's), not one read per item.
    static func gatedEarlier(_ items: [GateItem], plans: [CyclePlan.Header], registry: Registry) throws -> Earlier {
        var asked = Set(plans.flatMap(\.tasks))
        var since = plans.map(\.created).reduce(Optional(Date.distantFuture)) { a, b in b.flatMap { b in a.map { min($0, b) } } }
        for case .result(let path) in items where !asked.contains(TaskResult.taskID(fromFileName: path) ?? "") {
            guard let task = try? load(.result(path)).task else { continue }
            asked.insert(task.id)
            since = since.map { min($0, task.plannedAt) }
        }
        return Earlier(asked: asked, gated: try gated(Array(asked), since: since == .distantFuture ? nil : since, registry: registry))
    }

    struct Earlier {
        var asked: Set<String> = []
        var gated: Set<String> = []
    }

    /// Gates `items`; the caller holds the lock. `models` and `plateaus` come from the plan.
    static func gateLocked(_ registry: Registry, context: CycleContext, items: [GateItem], models: Int?, plateaus: Int,
                           options: Options, assessed known: [AssessedModel] = [], start: Date = Date(), recordEmpty: Bool = false,
                           freshPlan: Bool = false, earlier: Earlier = Earlier()) throws -> Cycle.Result {
        var context = context
        let config = context.config
        let threshold = context.signals.promotionThreshold(configured: config.performanceThreshold)
        var outcomes: [TaskOutcome] = [], problems: [NimpError] = []
        var assessed = Dictionary(uniqueKeysWithValues: known.map { ($0.id, $0) })
        let evaluatedBefore = known.filter(\.evaluatedNow).count
        var reported: [String: AssessedModel] = [:]
        func assessment(_ id: String) throws -> AssessedModel? {
            if let m = assessed[id] { return m }
            guard registry.hasModel(id) else { return nil }
            let m = try Assessor.assess(registry, context: context, ids: [id], record: true, latencySamples: options.latencySamples).first
            assessed[id] = m
            return m
        }
        // Task lines of results not promoted go to history in batches: one append (and
        // fsync) per line made a gate over 10,000 results spend most of its time there. A
        // kill loses at most a batch, and those results are gated again next time.
        var unwritten: [HistoryEntry] = []
        func flush() throws {
            guard !unwritten.isEmpty else { return }
            try registry.history.append(unwritten, failpoint: "gate.task-history")
            unwritten.removeAll()
        }
        func record(_ entry: HistoryEntry) throws {
            unwritten.append(entry)
            if unwritten.count >= 512 { try flush() }
        }
        let progress = ProgressBar("gate", total: items.count, unit: "results", start: start)
        defer { registry.diagnostics.endProgress() }
        for (n, item) in items.enumerated() {
            registry.diagnostics.progress(progress, completed: n)
            let loaded: (task: CycleTask, result: TaskResult?, dir: String)
            do {
                loaded = try load(item)
            } catch let e as NimpError where e.kind != .ioError {
                registry.diagnostics.emit(.error(e))
                problems.append(e)
                continue
            }
            let task = loaded.task
            let gatedBefore = try !freshPlan && (earlier.asked.contains(task.id) ? earlier.gated.contains(task.id)
                                                   : gated([task.id], since: task.plannedAt, registry: registry).contains(task.id))
            guard !gatedBefore, !outcomes.contains(where: { $0.taskID == task.id }) else {
                registry.diagnostics.info("\(task.id): gated before; skipped")
                continue
            }
            guard let model = try assessment(task.model) else {
                var o = TaskOutcome(task: task.planned, status: .failed, parent: task.champion?.version, candidate: nil, before: [:], after: [:],
                                    gain: 0, reason: "stale: model \(task.model) is no longer in the registry", seconds: 0, evalSha256: task.spec.eval.sha256)
                o.provenance(task, loaded.result)
                outcomes.append(o)
                try record(Cycle.taskEntry(o, iteration: context.iteration))
                continue
            }
            // Rows the teacher labelled join the training set whatever becomes of the candidate.
            var kept: FreshRows.Kept?
            if let result = loaded.result, result.rows != nil {
                try flush()
                kept = try FreshRows.keep(result, dir: loaded.dir, model: task.model, registry: registry)
            }
            let outcome = try decide(task, result: loaded.result, item: item, dir: loaded.dir, model: model, registry: registry,
                                     threshold: model.threshold(threshold, config: config), confidence: config.promotionConfidence, iteration: context.iteration,
                                     latencySamples: options.latencySamples, kept: kept, record: record)
            if kept != nil { assessed[task.model] = nil }
            registry.diagnostics.info("\(task.model) \(task.type.rawValue): \(outcome.status.rawValue): \(outcome.reason)")
            outcomes.append(outcome)
            if outcome.status == .promoted {
                // The next task of this model is gated against the new champion; the textfile shows it.
                var now = model
                now.assessment.metrics = outcome.after
                now.championVersion = outcome.candidate
                reported[task.model] = now
                assessed[task.model] = nil
            }
            if let q = task.queued {
                try flush()
                try registry.dequeue(q, reason: "cycle \(context.iteration) ran it: \(outcome.status.rawValue)")
            }
        }
        try flush()
        registry.diagnostics.progress(progress, completed: items.count)
        if outcomes.isEmpty, !recordEmpty {
            // Nothing decided: no cycle line, and the signals stay as they are.
            var nothing = Cycle.skipped(context, reason: items.isEmpty ? "no results to gate" : "every result was gated before or refused", start: start)
            nothing.summary.status = "nothing-to-gate"
            nothing.problems = problems
            return nothing
        }
        var result = try Cycle.finish(registry, context: &context, outcomes: outcomes, models: models ?? Set(outcomes.map(\.task.model)).count,
                                      plateaus: plateaus, evaluated: evaluatedBefore + assessed.values.filter { m in m.evaluatedNow && !known.contains { $0.id == m.id } }.count, start: start,
                                      reporter: options.reporter,
                                      assessed: Array(assessed.merging(reported) { _, promoted in promoted }.values).sorted { $0.id < $1.id })
        result.problems = problems
        return result
    }

    /// The task and result an item names, each checked: a result must match its task
    /// file's sha256, and a candidate its archive's.
    static func load(_ item: GateItem) throws -> (task: CycleTask, result: TaskResult?, dir: String) {
        switch item {
        case .missing(let taskPath, _):
            let (task, _) = try CycleTask.read(path: taskPath)
            return (task, nil, TaskResult.defaultDirectory(forTask: taskPath))
        case .result(let path):
            let result = try TaskResult.read(path: path)
            let dir = (absolute(path) as NSString).deletingLastPathComponent
            var taskPath = result.taskPath
            if !FileManager.default.fileExists(atPath: taskPath) {
                // The plan directory moved (another mount point): the task beside its result.
                taskPath = (dir as NSString).deletingLastPathComponent + "/tasks/" + result.taskID + ".json"
            }
            let (task, sha) = try CycleTask.read(path: taskPath)
            guard sha == result.taskSHA256, task.id == result.taskID, task.model == result.model, task.type == result.type else {
                throw NimpError.data(path, "key \"task_sha256\"", "does not match \(taskPath) (sha256 \(sha.prefix(12))…): the result is not this task's",
                                     hint: "a result is gated only with the task file it was made from; run the task again with `nimp task run \(taskPath)`")
            }
            return (task, result, dir)
        }
    }

    static func decide(_ task: CycleTask, result: TaskResult?, item: GateItem, dir: String, model: AssessedModel, registry: Registry,
                       threshold: Double, confidence: Double, iteration: Int, latencySamples: Int, kept: FreshRows.Kept? = nil,
                       record: (HistoryEntry) throws -> Void) throws -> TaskOutcome {
        let start = Date()
        var outcome = TaskOutcome(task: task.planned, status: .failed, parent: model.championVersion, candidate: nil,
                                  before: model.assessment.metrics, after: [:], gain: 0, reason: "", seconds: 0,
                                  evalSha256: model.spec.eval.sha256)
        outcome.provenance(task, result)
        outcome.rowsKept = kept?.rows
        outcome.trainSha256 = kept?.trainSHA256
        var notes: [String] = []
        if task.champion?.version != model.championVersion {
            notes.append("the champion changed since the plan (\(task.champion.map { VersionName.label($0.version) } ?? "none") → \(model.championVersion.map(VersionName.label) ?? "none")): gated against the champion of now")
        }
        if task.spec.eval.sha256 != model.spec.eval.sha256 { notes.append("the eval set was refreshed since the plan: gated on the new rows") }
        do {
            guard let result else {
                if case .missing(_, let reason) = item { throw NimpError(.failure, reason) }
                throw NimpError(.failure, "no result")
            }
            switch result.status {
            case .timeout:
                outcome.status = .timeout
                throw NimpError(.failure, result.reason)
            case .failed:
                throw NimpError(.failure, result.reason)
            case .candidate:
                break
            }
            let path = dir + "/" + result.candidate!
            let bytes = try TaskRun.readResultFile(path)
            let sha = SHA256.hex(bytes)
            guard sha == result.candidateSHA256 else {
                throw NimpError.data(path, nil, "has sha256 \(sha.prefix(12))…, but its result names \(result.candidateSHA256!.prefix(12))…: not the candidate the task made")
            }
            let candidate = try ModelArchive.decode(bytes, name: path)
            let evalPath = registry.layout.resolve(model.spec.eval.path)
            let eval = try DatasetIO.load(path: evalPath, for: DataContract(model: candidate.model, owner: "the candidate for \(model.id)"),
                                          diagnostics: registry.diagnostics)
            let after = try HeldOutMeasure.metrics(candidate.model, archiveBytes: bytes.count, on: eval, latencySamples: latencySamples)
            outcome.after = after
            // Both models on the same eval rows, each reading them through its own contract.
            let champion = try model.champion ?? model.championVersion.map { try registry.archive(model.id, version: $0) }
            let comparison = try champion.map { champion in
                let rows = try DatasetIO.load(path: evalPath, for: DataContract(model: champion.model, owner: "the champion of \(model.id)"),
                                           diagnostics: registry.diagnostics)
                return PairedComparison(champion: sampleOutcomes(champion.model, on: rows), candidate: sampleOutcomes(candidate.model, on: eval))
            }
            var request = Gate.Request(metric: task.planned.metric, qualityMetric: model.assessment.qualityMetric, task: model.spec.task,
                                       before: model.championVersion == nil ? nil : model.assessment.metrics, after: after,
                                       comparison: comparison, threshold: threshold, confidence: confidence)
            request.targets = model.spec.targets.merging(task.spec.targets) { _, queued in queued }
            // A queued task's constraints only tighten the model's own.
            request.constraints = model.spec.constraints.merging(task.spec.constraints) { min($0, $1) }
            let decision = Gate.decide(request)
            outcome.gain = decision.gain
            outcome.reason = ([decision.reason] + notes).joined(separator: "; ")
            outcome.evidence = decision.evidence
            outcome.checks = decision.checks
            outcome.seconds = result.seconds + Date().timeIntervalSince(start)
            if decision.promote {
                // Decided: only now is the audit set read, to record what the promotion did there.
                outcome.auditBefore = model.audit
                outcome.auditAfter = try HeldOutSets.auditSet(registry, model.spec, for: candidate.model, id: model.id)
                    .map { HeldOutSets.audit(candidate.model, on: $0) }
                // The gate holds the lock, so the next version number is known: the task
                // line goes into the same append as the promote line (one write, all or nothing).
                outcome.status = .promoted
                outcome.candidate = (try registry.versions(model.id).latest ?? 0) + 1
                let version = try registry.addVersion(model.id, archive: candidate, heldOut: after, audit: outcome.auditAfter,
                                                      promote: "cycle \(iteration): \(task.type.rawValue): \(decision.reason)",
                                                      history: [Cycle.taskEntry(outcome, iteration: iteration)])
                precondition(version == outcome.candidate, "version \(version) stored while the gate held the lock expecting \(outcome.candidate!)")
                if task.type == .architecture, let genome = candidate.manifest.genome {
                    // Promoted and recorded: from here on nothing turns the task into a failure.
                    var spec = model.spec
                    spec.genome = genome
                    do {
                        try registry.setSpec(model.id, spec)
                    } catch let e as NimpError where e.kind != .ioError {
                        registry.diagnostics.warn("\(model.id): promoted, but model.json keeps its genome: \(e.message)")
                    }
                }
                return outcome
            }
            outcome.status = .rejected
        } catch let e as NimpError where e.kind == .ioError {
            throw e
        } catch let e as NimpError {
            if outcome.status != .timeout { outcome.status = .failed }
            outcome.candidate = nil
            outcome.reason = ([e.message] + notes).joined(separator: "; ")
        }
        if outcome.seconds == 0 { outcome.seconds = (result?.seconds ?? 0) + Date().timeIntervalSince(start) }
        try record(Cycle.taskEntry(outcome, iteration: iteration))
        return outcome
    }
}
