import Foundation
import NimpCore
import NimpIO
import NimpOperators
import NimpRegistry

/// The first step of a cycle: a snapshot of the registry and one self-contained task
/// file per task, in a plan directory (README, "The cycle: plan, run, gate"):
///
/// ```
/// DIR/plan.json            the snapshot: champions by sha256, signals, models without a task and why
/// DIR/tasks/ID.json        one task each (`nimp task run`)
/// DIR/results/ID.*         what `nimp task run` leaves for `nimp cycle gate`
/// ```
public struct CyclePlan: Sendable {
    public static let format = "nimp-plan"
    public static let formatVersion = 1

    public var id: String
    public var cycle: Int
    public var directory: String?
    public var tasks: [CycleTask]
    public var idle: [IdleModel]
    public var summary: CycleSummary
    /// Models on a plateau, for the signals (growth) once the plan is gated.
    public var plateaus: Int
    /// Written by `nimp cycle` for its own run: a leftover one is a killed cycle's, removed by the next.
    public var byCycle = false

    public var taskPaths: [String] { directory.map { d in tasks.map { d + "/tasks/" + $0.id + ".json" } } ?? [] }

    var json: JSONValue {
        .object([
            "format": .string(Self.format), "format_version": .int(Self.formatVersion), "id": .string(id), "cycle": .int(cycle),
            "created": .string(RegistryTime.string(Date())), "models": .int(summary.models), "evaluated": .int(summary.evaluated),
            "plateaus": .int(plateaus), "triggers": .array(summary.triggers.map { .string($0) }),
            "signals": .metrics(summary.signals.asDictionary), "tasks": .array(tasks.map { .string($0.id) }),
            "champions": .object(Dictionary(uniqueKeysWithValues: tasks.compactMap { t in t.champion.map { (t.model, $0.json) } })),
            "idle": .array(idle.map(\.json)), "eval_spent": .array(summary.evalSpent.map { .string($0) }),
            "by_cycle": .bool(byCycle),
        ])
    }

    /// What a gate needs from plan.json: the model and plateau counts for the signals.
    struct Header {
        var id: String
        /// When the plan was made (nil in a hand-made plan.json): its tasks were gated after.
        var created: Date?
        var models: Int
        var plateaus: Int
        var evaluated: Int
        var tasks: [String]
        var byCycle: Bool
    }

    static func readHeader(_ dir: String) throws -> Header {
        let path = dir + "/plan.json"
        let data = try readSmallFile(path, limit: 64 << 20, what: "plan file")
        var o = try StrictObject(try JSONCoding.parse(data, file: path), file: path)
        guard try o.requiredString("format") == format else { throw o.fail("format", "expected \"\(format)\"") }
        guard let v = try o.int("format_version"), (1...formatVersion).contains(v) else { throw o.fail("format_version", "expected 1 to \(formatVersion)") }
        let tasks = try o.strings("tasks") ?? []
        guard tasks.allSatisfy(TaskID.isValid) else { throw o.fail("tasks", "expected task ids (letters, digits, '.', '_', '-')") }
        return Header(id: try o.requiredString("id"), created: try o.string("created").flatMap(RegistryTime.parse),
                      models: try o.int("models") ?? 0, plateaus: try o.int("plateaus") ?? 0,
                      evaluated: try o.int("evaluated") ?? 0, tasks: tasks, byCycle: try o.bool("by_cycle") ?? false)
    }
}

public struct CyclePlanOptions: Sendable {
    /// Wall-time budget of the cycle; each task's share goes into its file.
    public var budgetSeconds: Double = 600
    public var latencySamples = 500
    /// How many tasks will run at once (shares the budget).
    public var concurrency = 1
    public init() {}
}

enum CyclePlanning {
    /// Plans over `assessed` and, when `directory` is given, writes the plan there
    /// (atomically: tasks first, plan.json last).
    static func plan(_ registry: Registry, context: CycleContext, assessed: [AssessedModel], options: CyclePlanOptions,
                     directory: ((String) -> String)?, byCycle: Bool = false) throws -> CyclePlan {
        let start = Date()
        let config = context.config
        var planner = Cycle.makePlanner(context)
        let (open, spent) = Cycle.budgeted(assessed, config: config, registry.diagnostics)
        let queue = try registry.queuedTasks()
        for problem in queue.problems { registry.diagnostics.warn("queue: \(problem)") }
        var planned: [(PlannedTask, QueuedTask?)] = queuedTasks(queue.tasks, models: open, planner: planner, registry.diagnostics)
        let taken = Set(planned.map(\.0.model))
        planner.maxTasks = max(0, config.maxConcurrentTasks - planned.count)
        let own = planner.maxTasks == 0 ? [] : planner.plan(open.filter { !taken.contains($0.id) }.map(\.assessment))
        planned += own.map { t -> (PlannedTask, QueuedTask?) in (t, nil) }
        let described = Cycle.describeGates(planned.map(\.0), models: open, config: config, threshold: planner.threshold)
        let disabled = ImprovementKinds.all.filter { !$0.isEnabled(config) }.compactMap(\.configSwitch).map { $0 + " false" }
        var idle = planner.explain(open.filter { !taken.contains($0.id) }.map(\.assessment), planned: own, disabled: disabled)
        idle += spent.map { IdleModel(model: $0, why: "its eval set has decided gate_promotion_budget (\(config.gatePromotionBudget)) promotions and cannot be regenerated",
                                      change: "give fresh rows: `nimp registry refresh \($0) --eval FILE`") }

        let id = String(format: "c%04d-", context.iteration) + compactTime(start) + "-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let byID = Dictionary(uniqueKeysWithValues: assessed.map { ($0.id, $0) })
        let waves = max(1, Int((Double(described.count) / Double(max(1, options.concurrency))).rounded(.up)))
        let share = max(1, options.budgetSeconds / Double(waves) * context.signals.budgetScale)
        let pcontext = planner.context(open.map(\.assessment))
        var tasks: [CycleTask] = []
        for (n, task) in described.enumerated() {
            let m = byID[task.model]!
            let kind = ImprovementKinds.named(task.type)!
            var spec = m.spec
            let queued = planned[n].1
            if let q = queued {
                spec.targets.merge(q.targets) { _, new in new }
                spec.constraints.merge(q.constraints) { old, new in min(old, new) }
            }
            let champion = try m.championVersion.map { v in
                ArchiveRef(model: m.id, version: v, sha256: try registry.versions(m.id).summary(v)?.sha256 ?? SHA256.hex(file: registry.layout.archive(m.id, v)))
            }
            let teacher = try task.teacher.flatMap { t -> ArchiveRef? in
                guard let tm = byID[t], let v = tm.championVersion else { return nil }
                return ArchiveRef(model: t, version: v, sha256: try registry.versions(t).summary(v)?.sha256 ?? SHA256.hex(file: registry.layout.archive(t, v)))
            }
            tasks.append(CycleTask(
                id: id + String(format: "-%02d-", n + 1) + task.model + "-" + task.type.rawValue, cycle: context.iteration,
                registry: absolute(registry.root), planned: task, queued: queued?.id, spec: spec, champion: champion, teacher: teacher,
                budgetSeconds: share, seed: taskSeed(task.model, iteration: context.iteration),
                settings: TaskSettings(try kind.settings(task, m.assessment, pcontext)), plannedAt: start))
        }
        let plateaus = assessed.filter { planner.isPlateau($0.assessment) }.count
        var summary = CycleSummary(
            iteration: context.iteration, status: "planned", reason: nil, models: assessed.count, tasks: tasks.count, promoted: 0,
            rejected: 0, failed: 0, modelsImproved: [], totalGain: 0, bestGain: 0, averageTaskSeconds: 0,
            seconds: Date().timeIntervalSince(start), evaluated: assessed.filter(\.evaluatedNow).count,
            signals: context.signals.levels, triggers: context.environment.triggers, memoryBytes: residentMemoryBytes())
        summary.evalSpent = spent
        var plan = CyclePlan(id: id, cycle: context.iteration, directory: nil, tasks: tasks, idle: idle, summary: summary, plateaus: plateaus)
        plan.byCycle = byCycle
        if let directory {
            let dir = directory(id)
            try write(&plan, to: dir)
        }
        return plan
    }

    static func write(_ plan: inout CyclePlan, to dir: String) throws {
        let fm = FileManager.default
        if fm.fileExists(atPath: dir + "/plan.json") {
            throw NimpError(.cannotCreate, "\(dir): holds a plan already", hint: "choose an empty directory, or gate that plan with `nimp cycle gate \(dir)`")
        }
        do {
            try fm.createDirectory(atPath: dir + "/tasks", withIntermediateDirectories: true)
            try fm.createDirectory(atPath: dir + "/results", withIntermediateDirectories: true)
        } catch {
            throw NimpError(.cannotCreate, "\(dir): cannot create the plan directory: \(error.localizedDescription)")
        }
        plan.directory = dir
        // The directory is no plan until plan.json is there, so the task files are written
        // in place and flushed together before it (an fsync each made a plan of 10,000
        // tasks wait on the disk); a failure takes back the ones written.
        do {
            for (task, path) in zip(plan.tasks, plan.taskPaths) {
                try AtomicFile.createNew(try task.encoded(), at: path, failpoint: "plan.task")
            }
            try AtomicFile.syncFileSystem(of: dir + "/tasks", failpoint: "plan.sync")
            try AtomicFile.syncDirectory(dir + "/tasks")
        } catch {
            for path in plan.taskPaths { unlink(path) }
            throw error
        }
        try AtomicFile.write(try JSONCoding.pretty(plan.json), to: dir + "/plan.json", failpoint: "plan.file")
    }

    /// Queued tasks whose model is here and not over its eval budget, as planned tasks.
    static func queuedTasks(_ queue: [QueuedTask], models: [AssessedModel], planner: Planner,
                            _ diagnostics: any DiagnosticSink) -> [(PlannedTask, QueuedTask?)] {
        let byID = Dictionary(uniqueKeysWithValues: models.map { ($0.id, $0) })
        var seen: Set<String> = []
        var tasks: [(PlannedTask, QueuedTask?)] = []
        for q in queue.sorted(by: { ($0.priority, $1.addedAt) > ($1.priority, $0.addedAt) }) {
            guard let m = byID[q.model], !seen.contains(q.model) else { continue }
            let type = TaskType(rawValue: q.kind)
            guard ImprovementKinds.named(type) != nil else {
                diagnostics.warn("queue: \(q.id): unknown kind \(q.kind); left in the queue")
                continue
            }
            if type == .distillation { diagnostics.warn("queue: \(q.id): distillation needs a teacher; planned tasks choose one, queued ones cannot yet"); continue }
            seen.insert(q.model)
            let metric = q.targets.keys.sorted().first ?? (type == .optimization
                ? q.constraints.keys.sorted().first.flatMap { ModelSpec.constraintMetrics[$0] } ?? "parameters"
                : m.assessment.qualityMetric)
            let targetText = q.targets.isEmpty ? "" : " with " + q.targets.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            let constraintText = q.constraints.isEmpty ? "" : "; " + q.constraints.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            tasks.append((PlannedTask(model: q.model, type: type, priority: q.priority, metric: metric, gap: 0, teacher: nil,
                                      reasons: ["queued by `\(q.addedBy)` at \(RegistryTime.string(q.addedAt)) (task \(q.id))\(targetText)\(constraintText)"],
                                      signals: planner.signals.levels, triggers: ["queued"] + planner.environment.triggers), q))
        }
        return tasks
    }

    static func taskSeed(_ id: String, iteration: Int) -> UInt64 {
        var h: UInt64 = 1469598103934665603
        for b in id.utf8 { h = (h ^ UInt64(b)) &* 1099511628211 }
        return h ^ UInt64(iteration) &* 0x9E3779B97F4A7C15
    }

    static func compactTime(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return f.string(from: date)
    }
}
