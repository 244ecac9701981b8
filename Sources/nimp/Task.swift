import ArgumentParser
import Foundation
import NimpCore
import NimpCycle
import NimpIO
import NimpRegistry

/// `nimp task …`: run one task file; queue, list and remove tasks for the next cycle.
struct TaskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "task",
        abstract: "Run one task of a cycle, or queue tasks for the next one.",
        subcommands: [TaskRunCommand.self, TaskAdd.self, TaskList.self, TaskRemove.self])
}

struct TaskRunCommand: NimpCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one task file and write its candidate and result (no registry lock).",
        discussion: """
            Reads the task file (from `nimp cycle plan`), the champion and teacher archives it \
            names (checked by sha256) and the registry's training data, read-only, and writes \
            ID.nimp and ID.result.json atomically, the result last, to -o DIR (default: \
            results/ beside the plan's tasks/). Running a task whose result is already there \
            does nothing. A task that fails or runs out of its budget still writes a result that \
            says so (exit 0); a bad task file is exit 65, a full disk 74. Rows a teacher labelled \
            for a model that keeps them go to ID.rows.safetensors first, for the gate to add to \
            its training set.
            """)

    @Argument(help: ArgumentHelp("The task file.", valueName: "task.json"), completion: .file(extensions: ["json"]))
    var task: String

    @Option(name: .shortAndLong, help: ArgumentHelp("Where to write the candidate and result.", valueName: "dir"), completion: .directory)
    var output: String?

    @Option(name: .customLong("registry"), help: ArgumentHelp("Read this registry instead of the one the task names (another mount point).", valueName: "dir"),
            completion: .directory)
    var registry: String?

    @Option(help: ArgumentHelp("Who runs the task, recorded in history (local, slurm, parallel…).", valueName: "name"))
    var executor = "manual"

    @OptionGroup var outputOptions: OutputOptions

    func execute() throws {
        outputOptions.apply()
        var options = TaskRun.Options()
        options.diagnostics = Console.sink
        options.outputDirectory = output
        options.registry = registry
        options.executor = executor
        options.commandLine = CommandLine.arguments
        let outcome = try TaskRun.run(taskPath: task, options: options)
        let r = outcome.result
        Console.info("\(r.taskID): \(r.status.rawValue)\(outcome.reused ? " (already run)" : ""): \(r.reason)")
        try Console.line(JSONCoding.line(r.json))
    }
}

struct TaskAdd: NimpCommand, WaitsForLock {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Queue a task for the next cycle, which takes queued tasks before its own.",
        discussion: """
            The task's targets and constraints apply to its gate on top of the model's own \
            (a constraint can only tighten). Prints the queued task's id; `nimp task list` \
            shows the queue and `nimp task rm ID` removes one. History records both.
            """)

    @OptionGroup var registry: RegistryOptions

    @Argument(help: "The model id.", completion: .modelID())
    var model: String

    @Option(help: ArgumentHelp("The improvement kind.", valueName: "kind"),
            completion: .list(ImprovementKinds.types.map(\.rawValue)))
    var kind: String

    @Option(help: "Priority among queued tasks (higher first).")
    var priority: Double = 1

    @Option(name: .customLong("target"), help: ArgumentHelp("A target for this task's gate, e.g. accuracy=0.9 (repeatable).", valueName: "metric=value"))
    var targets: [String] = []

    @Option(help: "A hard constraint: at most this many parameters.")
    var maxParameters: Double?
    @Option(help: "A hard constraint: at most this many archive bytes.")
    var maxBytes: Double?
    @Option(help: "A hard constraint: median latency at most this many microseconds.")
    var maxLatencyP50Us: Double?

    @OptionGroup var lock: LockOptions
    @OptionGroup var outputOptions: OutputOptions

    func validate() throws {
        guard ImprovementKinds.named(TaskType(rawValue: kind)) != nil else {
            throw ValidationError("--kind \(kind): expected one of " + ImprovementKinds.types.map(\.rawValue).joined(separator: ", "))
        }
        guard kind != TaskType.distillation.rawValue else {
            throw ValidationError("--kind distillation cannot be queued: a cycle chooses the teacher; queue training, optimization or architecture")
        }
        guard priority > 0, priority <= 1e6 else { throw ValidationError("--priority must be in (0, 1000000]") }
    }

    func execute() throws {
        outputOptions.apply()
        let constraints = try ModelSpec.constraints(["max_parameters": maxParameters, "max_bytes": maxBytes, "max_latency_p50_us": maxLatencyP50Us])
        let opened = try registry.open(wait: lock.wait)
        try opened.requireModel(model)
        let targets = try ModelSpec.targets(parsing: self.targets, task: try opened.spec(model).task)
        let id = "q" + TaskQueueID.make()
        try opened.enqueue(QueuedTask(id: id, model: model, kind: kind, priority: priority, targets: targets, constraints: constraints))
        Console.info("queued \(kind) for \(model) as \(id); the next cycle takes it first")
        try Console.line(id)
    }
}

enum TaskQueueID {
    /// Time-ordered and unique: `20261130T203512Z-1a2b3c4d`.
    static func make() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return f.string(from: Date()) + "-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
    }
}

struct TaskList: NimpCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the queued tasks, oldest first (a table on a terminal, JSON lines otherwise).")

    @OptionGroup var registry: RegistryOptions
    @Option(help: "Output format.") var format: ListingFormat = .auto

    func execute() throws {
        let opened = try registry.open()
        let (tasks, problems) = try opened.queuedTasks()
        for p in problems { Console.warn("queue: \(p)") }
        if format.isTable {
            var table = TextTable(["id", "model", "kind", "priority", "targets", "constraints", "added"])
            for t in tasks {
                table.add([t.id, t.model, t.kind, String(format: "%g", t.priority),
                           t.targets.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","),
                           t.constraints.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","),
                           String(RegistryTime.string(t.addedAt).prefix(19))])
            }
            try Console.out(table.text)
        } else {
            for t in tasks { try Console.line(JSONCoding.line(t.json)) }
        }
    }
}

struct TaskRemove: NimpCommand, WaitsForLock {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Remove a queued task (exit 66 when there is no such task).")

    @OptionGroup var registry: RegistryOptions
    @Argument(help: "The queued task's id (from `nimp task add` or `nimp task list`).") var id: String
    @OptionGroup var lock: LockOptions
    @OptionGroup var outputOptions: OutputOptions

    func execute() throws {
        outputOptions.apply()
        let opened = try registry.open(wait: lock.wait)
        guard TaskID.isValid(id) else { throw NimpError(.usage, "\(id): not a task id") }
        guard try opened.dequeue(id, reason: "removed by `\(LockHolder.currentCommand)`") else {
            let known = (try? opened.queuedTasks().tasks.map(\.id)) ?? []
            throw NimpError(.noInput, "no queued task \(id)", hint: known.isEmpty ? "the queue is empty" : "queued: " + known.joined(separator: ", "))
        }
        Console.info("removed \(id) from the queue")
    }
}
