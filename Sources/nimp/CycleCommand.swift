import ArgumentParser
import Foundation
import NimpCore
import NimpCycle
import NimpReport
import NimpIO
import NimpRegistry

/// `nimp cycle`: plan, run, gate in one (the job to run from cron), or each step on its own.
struct CycleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cycle",
        abstract: "Run one improvement cycle over the registry (the job to run from cron).",
        discussion: """
            A cycle is three steps over plain files: `nimp cycle plan` writes one task file per \
            task, `nimp task run` runs one task without the registry lock, and `nimp cycle gate` \
            measures each candidate again under the lock and promotes the ones that are better \
            on held-out data. `nimp cycle` alone does all three, running up to \
            max_concurrent_tasks task processes at once.
            """,
        subcommands: [CycleRun.self, CyclePlanCommand.self, CycleGateCommand.self, CycleStatusCommand.self],
        defaultSubcommand: CycleRun.self)
}

/// Prints the cycle's summary line, or the plan, and the models left without a task.
enum CycleOutput {
    static func printPlan(_ result: Cycle.Result) throws {
        for task in result.plan { try Console.line(JSONCoding.line(task)) }
        printIdle(result.idle)
        Console.info("\(result.plan.count) task(s) planned over \(result.summary.models) model(s)"
                     + (result.directory.map { " in \($0)" } ?? "; nothing changed"))
    }

    /// Why each model got no task, on stderr: "no improvements" answered by the tool itself.
    static func printIdle(_ idle: [IdleModel]) {
        for m in idle { Console.info("\(m.model): no task: \(m.why); to change that: \(m.change)") }
    }

    static func printSummary(_ result: Cycle.Result) throws {
        if let reason = result.summary.reason { Console.info("cycle skipped: \(reason)") }
        try Console.line(JSONCoding.line(result.summary))
        if !result.problems.isEmpty {
            throw NimpError(.dataError, "\(result.problems.count) result file(s) refused and never promoted (see above)")
        }
    }
}

struct CycleRun: NimpCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Plan, run and gate one cycle (the default: `nimp cycle`).",
        discussion: """
            Takes the registry lock without waiting (exit 75 when another cycle holds it), \
            assesses every champion on its held-out eval set, plans training, optimization, \
            architecture-search and distillation tasks prioritised by the signals (queued tasks \
            from `nimp task add` first), runs them as `nimp task run` processes, up to \
            max_concurrent_tasks at once and never more than the free cores, and gates each \
            candidate: it is promoted only when its held-out gain is significant. Prints a \
            one-line JSON summary; exits 0 whether or not anything was promoted. With --plan, \
            prints the plan as JSON lines (one task each, with its reasons), says on stderr why \
            each other model got no task, and changes nothing. With --executor slurm, writes the \
            task files under REGISTRY/cycles, submits one Slurm job array (one `nimp task run` \
            per element) and a gate job after it, prints their job ids as one JSON line and \
            exits; while that cycle is in flight, another `nimp cycle` exits 75. The cycle never \
            measures kernels: it uses the cache `nimp tune` writes, or the CPU flags' choice \
            and says so. A teacher command that regenerates an eval set runs only from a \
            model.json that nobody but the user running nimp can write; otherwise the cycle \
            exits 77.
            """)

    @OptionGroup var registry: RegistryOptions

    @Flag(help: "Print the plan as JSON lines and change nothing.")
    var plan = false

    @Flag(help: "Run even if the last cycle ended less than improvement_interval ago.")
    var force = false

    @Option(help: "Wall-time budget for the cycle's tasks, in seconds.")
    var budgetSeconds: Double = 600

    @Option(help: ArgumentHelp("Write a Prometheus textfile (nimp.prom) for node_exporter here.", valueName: "dir"), completion: .directory)
    var textfileDir: String?

    @Flag(help: "Keep the plan directory (task files, candidates, logs) under REGISTRY/cycles after the gate.")
    var keepPlan = false

    @Option(help: "Task processes at once (default: max_concurrent_tasks, lowered by cortisol, at most the free cores).")
    var jobs: Int?

    @Option(help: "Where tasks run: local (processes on this machine) or slurm (a job array on the cluster).")
    var executor: ExecutorName = .local

    @Option(help: "Slurm partition for the cycle's jobs.")
    var partition: String?

    @Option(help: "Slurm array elements running at once (sbatch --array=…%N).")
    var arrayLimit: Int?

    @Option(help: "Time limit of each Slurm task (sbatch --time; default: from the task's budget).")
    var time: String?

    @Option(name: .customLong("sbatch-arg"), help: ArgumentHelp("An argument for every sbatch call, e.g. --sbatch-arg=--account=ml (repeatable).", valueName: "arg"))
    var sbatchArguments: [String] = []

    @OptionGroup var outputOptions: OutputOptions

    func validate() throws {
        guard budgetSeconds > 0, budgetSeconds.isFinite else { throw ValidationError("--budget-seconds must be positive") }
        if let jobs, !(1...256).contains(jobs) { throw ValidationError("--jobs must be 1 to 256") }
        if let arrayLimit, arrayLimit < 1 { throw ValidationError("--array-limit must be 1 or more") }
        if executor != .slurm, partition != nil || arrayLimit != nil || time != nil || !sbatchArguments.isEmpty {
            throw ValidationError("--partition, --array-limit, --time and --sbatch-arg need --executor slurm")
        }
        if executor == .slurm, jobs != nil { throw ValidationError("--jobs is for --executor local; Slurm's is --array-limit") }
    }

    func execute() throws {
        outputOptions.apply()
        // Tuning never runs inside the cycle's budget: the cache, else the flags' choice.
        if BLASKernel.cachePath == nil, !plan {
            // The variable, not OpenBLAS's answer: an idle cycle never loads OpenBLAS.
            let kernel = ProcessInfo.processInfo.environment[BLASKernel.environmentKey].map { "OpenBLAS \($0) as its flags suggest" }
                ?? "OpenBLAS's own choice"
            Console.info("no measured kernel choice for this CPU: tasks run \(kernel); `nimp tune` measures (seconds, once, outside the cycle)")
        }
        let opened = try registry.open()
        var options = CycleOptions()
        options.jobs = jobs
        options.planOnly = plan
        options.force = force
        options.budgetSeconds = budgetSeconds
        options.reporter = textfileDir.map { PrometheusTextfile(directory: $0) }
        options.commandLine = CommandLine.arguments
        options.keepPlan = keepPlan
        options.executor = LocalProcessExecutor(executable: NimpExecutable.path, failureKind: ExitStatus.kind(of:))
        if executor == .slurm, !plan {
            var slurm = SlurmOptions(nimp: NimpExecutable.path)
            slurm.partition = partition
            slurm.arrayLimit = arrayLimit
            slurm.time = time
            slurm.sbatchArguments = sbatchArguments
            switch try SlurmCycle.submit(opened, options: options, slurm: slurm) {
            case .finished(let result):
                CycleOutput.printIdle(result.idle)
                try CycleOutput.printSummary(result)
            case .submitted(let dir, let submission):
                Console.info("\(submission.tasks.count) task(s) submitted to Slurm: job array \(submission.arrays[0].job), gate job \(submission.gates[0]); `nimp cycle status` follows them")
                try Console.line(JSONCoding.line(JSONValue.object([
                    "status": .string("submitted"), "plan": .string(submission.plan), "directory": .string(dir),
                    "tasks": .int(submission.tasks.count), "array_job": .string(submission.arrays[0].job), "gate_job": .string(submission.gates[0]),
                ])))
            }
            return
        }
        let result = try Cycle.run(opened, options: options)
        if plan {
            try CycleOutput.printPlan(result)
        } else {
            CycleOutput.printIdle(result.idle)
            try CycleOutput.printSummary(result)
        }
    }
}

struct CyclePlanCommand: NimpCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Write a cycle's task files (the first step), without the lock and changing nothing else.",
        discussion: """
            Snapshots the registry (champions and data by sha256, signals, config) and writes \
            DIR/plan.json and one self-contained DIR/tasks/ID.json per task; prints the tasks \
            as JSON lines and, on stderr, why each other model got none. Run the tasks with \
            `nimp task run` (in any order, on any machine that reads the registry), then \
            `nimp cycle gate DIR`. DIR defaults to a new directory under REGISTRY/cycles, \
            which `nimp cycle gate` with no arguments finds.
            """)

    @OptionGroup var registry: RegistryOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("The plan directory (default: a new one under REGISTRY/cycles).", valueName: "dir"),
            completion: .directory)
    var output: String?

    @Flag(help: "Plan even if the last cycle ended less than improvement_interval ago.")
    var force = false

    @Option(help: "Wall-time budget of the cycle, in seconds; each task file gets its share.")
    var budgetSeconds: Double = 600

    @OptionGroup var outputOptions: OutputOptions

    func validate() throws {
        guard budgetSeconds > 0, budgetSeconds.isFinite else { throw ValidationError("--budget-seconds must be positive") }
    }

    func execute() throws {
        outputOptions.apply()
        let opened = try registry.open()
        var options = CycleOptions()
        options.force = force
        options.budgetSeconds = budgetSeconds
        options.commandLine = CommandLine.arguments
        let result = try Cycle.plan(opened, options: options, writeTo: output.map { .directory($0) } ?? .registry)
        if result.summary.status == "skipped" { return try CycleOutput.printSummary(result) }
        try CycleOutput.printPlan(result)
    }
}

struct CycleGateCommand: NimpCommand, WaitsForLock {
    static let configuration = CommandConfiguration(
        commandName: "gate",
        abstract: "Gate task results (the last step): measure each candidate again and promote the better ones.",
        discussion: """
            Takes the registry lock, then for each result checks that it belongs to its task file \
            (sha256) and its candidate archive (sha256), measures the candidate and the champion \
            of now on the eval set, and promotes only on significant held-out gain. A champion \
            that changed since the plan is the one the candidate must beat. Results gated \
            before are skipped. Arguments are result files or plan directories; with none, \
            every plan directory under REGISTRY/cycles. Tasks without a result wait for a later \
            gate, or are recorded as failed with --finish. Prints the one-line JSON summary; a \
            refused (tampered, hostile) result file is exit 65 after the rest are gated.
            """)

    @OptionGroup var registry: RegistryOptions

    @Argument(help: ArgumentHelp("Result files or plan directories (default: the plans under REGISTRY/cycles).", valueName: "result-or-dir"),
              completion: .file())
    var inputs: [String] = []

    @Flag(help: "Record the tasks of a plan directory that left no result as failed, so the plan is done.")
    var finish = false

    @Flag(help: "For a plan handed to Slurm (what its gate job runs): resubmit the tasks that left no result, up to max_task_retries each, else gate them all.")
    var resubmit = false

    @Option(help: ArgumentHelp("Write a Prometheus textfile (nimp.prom) for node_exporter here.", valueName: "dir"), completion: .directory)
    var textfileDir: String?

    @OptionGroup var lock: LockOptions
    @OptionGroup var outputOptions: OutputOptions

    func validate() throws {
        if resubmit, inputs.count != 1 { throw ValidationError("--resubmit takes one plan directory") }
    }

    func execute() throws {
        outputOptions.apply()
        let opened = try registry.open(wait: lock.wait)
        var options = CycleGate.Options()
        options.finish = finish
        options.reporter = textfileDir.map { PrometheusTextfile(directory: $0) }
        if resubmit {
            switch try SlurmCycle.gateJob(opened, directory: inputs[0], resubmit: true, options: options) {
            case .gated(let result): try CycleOutput.printSummary(result)
            case .resubmitted(let tasks, let submission):
                try Console.line(JSONCoding.line(JSONValue.object([
                    "status": .string("resubmitted"), "plan": .string(submission.plan), "tasks": .array(tasks.map { .string($0) }),
                    "array_job": .string(submission.arrays.last!.job), "gate_job": .string(submission.gates.last!),
                ])))
            }
            return
        }
        let result = try CycleGate.run(opened, inputs: inputs, options: options)
        try CycleOutput.printSummary(result)
    }
}

enum ExecutorName: String, ExpressibleByArgument, CaseIterable {
    case local, slurm
}

/// This executable, for the task processes a cycle starts.
enum NimpExecutable {
    static var path: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
