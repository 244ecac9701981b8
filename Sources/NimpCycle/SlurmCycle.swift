import Foundation
import NimpCore
import NimpIO
import NimpRegistry

/// How `nimp cycle --executor slurm` asks Slurm for its jobs.
public struct SlurmOptions: Sendable {
    public var partition: String?
    /// Array elements running at once (`--array=…%N`); nil: as many as Slurm allows.
    public var arrayLimit: Int?
    /// Each element's time limit (sbatch `--time`); nil: from the tasks' budget.
    public var time: String?
    /// Passed to every sbatch call as they are.
    public var sbatchArguments: [String] = []
    /// The nimp binary the jobs run: it must have this path on every node.
    public var nimp: String
    public init(nimp: String) { self.nimp = nimp }
}

/// A plan handed to Slurm, recorded in DIR/slurm/submission.json: which job arrays ran
/// which task indices (line n + 1 of DIR/slurm/tasks.txt is index n), and the gate jobs.
/// While it exists and one of its jobs is queued or running, the cycle is in flight.
public struct SlurmSubmission: Codable, Sendable {
    public static let format = "nimp-slurm-submission"
    public static let formatVersion = 1

    public struct JobArray: Codable, Sendable {
        public var job: String
        public var indices: [Int]
        public var submitted: String
    }

    public var format = Self.format
    public var formatVersion = Self.formatVersion
    public var plan: String
    public var registry: String
    public var nimp: String
    public var tasks: [String]
    public var partition: String?
    public var arrayLimit: Int?
    public var time: String?
    public var sbatchArguments: [String]
    /// Resubmissions allowed per task (config max_task_retries at submission).
    public var maxRetries: Int
    public var arrays: [JobArray] = []
    public var gates: [String] = []

    enum CodingKeys: String, CodingKey {
        case format, plan, registry, nimp, tasks, partition, time, arrays, gates
        case formatVersion = "format_version"
        case arrayLimit = "array_limit"
        case sbatchArguments = "sbatch_arguments"
        case maxRetries = "max_retries"
    }

    /// Slurm's id of the last element that ran task `index` (`ARRAY_INDEX`).
    public func job(ofIndex index: Int) -> String? {
        arrays.last { $0.indices.contains(index) }.map { "\($0.job)_\(index)" }
    }

    public func attempts(ofIndex index: Int) -> Int { arrays.count { $0.indices.contains(index) } }

    public var jobs: [String] { arrays.map(\.job) + gates }

    static func path(_ dir: String) -> String { dir + "/slurm/submission.json" }

    public static func read(_ dir: String) throws -> SlurmSubmission {
        let path = path(dir)
        let s = try JSONCoding.decode(SlurmSubmission.self, from: try readSmallFile(path, limit: 64 << 20, what: "submission file"), file: path)
        guard s.format == format, (1...formatVersion).contains(s.formatVersion) else {
            throw NimpError.data(path, "key \"format\"", "expected \"\(format)\" version 1 to \(formatVersion)")
        }
        return s
    }

    func write(_ dir: String) throws {
        try AtomicFile.write(try JSONCoding.pretty(self), to: Self.path(dir), failpoint: "slurm.submission")
    }
}

/// A cycle whose tasks run on a Slurm cluster (README, "Many machines: Slurm"): the
/// plan is written into the shared registry, one job array runs a `nimp task run` per
/// task, and a gate job that depends on the array (`afterany`) resubmits the tasks that
/// left no result, up to max_task_retries, then gates what is there.
public enum SlurmCycle {
    /// What `nimp cycle --executor slurm` did.
    public enum Outcome: Sendable {
        /// Jobs submitted: the gate job ends the cycle.
        case submitted(directory: String, submission: SlurmSubmission)
        /// Nothing to submit (no task, or the cycle was skipped): the cycle ended here.
        case finished(Cycle.Result)
    }

    /// Plans under the lock and submits the tasks and their gate job; returns at once.
    public static func submit(_ registry: Registry, options: CycleOptions, slurm: SlurmOptions) throws -> Outcome {
        var registry = registry
        registry.lockWait = 0
        return try registry.withLock {
            let start = Date()
            let client = Slurm()
            var context = try CycleContext.sense(registry, record: true)
            if !options.force, let reason = Cycle.skipReason(context, now: start) {
                return .finished(Cycle.skipped(context, reason: reason, start: start))
            }
            let settled = try settleInFlight(registry, client: client)
            Cycle.removeKilledCycles(registry)
            let refreshed = try Cycle.refreshEvalSets(registry, context: context)
            if settled || !refreshed.isEmpty { context = try CycleContext.sense(registry, record: true) }
            let assessed = try Assessor.assess(registry, context: context, record: true, latencySamples: options.latencySamples)
            var planOptions = CyclePlanOptions()
            planOptions.budgetSeconds = options.budgetSeconds
            planOptions.latencySamples = options.latencySamples
            planOptions.concurrency = slurm.arrayLimit ?? context.config.maxConcurrentTasks
            let plan = try CyclePlanning.plan(registry, context: context, assessed: assessed, options: planOptions,
                                              directory: { absolute(registry.layout.cycles) + "/" + $0 })
            guard let dir = plan.directory, !plan.tasks.isEmpty else {
                // Nothing for Slurm to do: the cycle ends here, as a local one would.
                var local = options
                local.executor = InProcessExecutor(diagnostics: registry.diagnostics)
                return .finished(try Cycle.runPlan(plan, registry: registry, context: context, assessed: assessed, refreshed: refreshed,
                                                   options: local, parallel: 1, start: start))
            }
            do {
                let budget = plan.tasks.map(\.budgetSeconds).max() ?? options.budgetSeconds
                var submission = SlurmSubmission(
                    plan: plan.id, registry: absolute(registry.root), nimp: slurm.nimp, tasks: plan.tasks.map(\.id), partition: slurm.partition,
                    arrayLimit: slurm.arrayLimit, time: slurm.time ?? minutes(budget * 2 + 60), sbatchArguments: slurm.sbatchArguments,
                    maxRetries: context.config.maxTaskRetries)
                try writeScripts(dir, submission: submission, taskPaths: plan.taskPaths)
                try submission.write(dir)
                try Failpoint.hit("slurm.submit", file: registry.root)
                try submitRound(Array(plan.tasks.indices), dir: dir, submission: &submission, client: client)
                return .submitted(directory: dir, submission: submission)
            } catch {
                // Nothing stays recorded as in flight: the plan goes, and any job submitted with it.
                if let s = try? SlurmSubmission.read(dir) { client.cancel(s.jobs) }
                try? FileManager.default.removeItem(atPath: dir)
                throw error
            }
        }
    }

    /// One job array over `indices` and a gate job after it; recorded in the submission.
    static func submitRound(_ indices: [Int], dir: String, submission: inout SlurmSubmission, client: Slurm) throws {
        var common: [String] = []
        // Every path is absolute; the submitting directory need not exist on the nodes.
        common.append("--chdir=\(submission.registry)")
        if let p = submission.partition { common.append("--partition=\(p)") }
        common += submission.sbatchArguments
        let spec = ranges(indices) + (submission.arrayLimit.map { "%\($0)" } ?? "")
        var taskArgs = ["--array=\(spec)", "--job-name=nimp-\(submission.plan.prefix(5))-tasks", "--output=\(dir)/slurm/task-%A_%a.log", "--requeue",
                        // A requeued element writes to the same log: keep the first run's lines.
                        "--open-mode=append"]
        if let t = submission.time { taskArgs.append("--time=\(t)") }
        let array = try client.submit(script: dir + "/slurm/task.sh", arguments: common + taskArgs)
        submission.arrays.append(.init(job: array, indices: indices, submitted: RegistryTime.string(Date())))
        try submission.write(dir)
        let gateArgs = ["--dependency=afterany:\(array)", "--job-name=nimp-\(submission.plan.prefix(5))-gate", "--output=\(dir)/slurm/gate-%j.log"]
        let gate = try client.submit(script: dir + "/slurm/gate.sh", arguments: common + gateArgs)
        submission.gates.append(gate)
        try submission.write(dir)
    }

    /// The gate job (`nimp cycle gate DIR --resubmit`): tasks that left no result go back to
    /// Slurm while they have retries left, with a new gate job after them; else every
    /// result is gated and the rest recorded as failed, with Slurm's reason.
    public enum GateJobOutcome: Sendable {
        case resubmitted(tasks: [String], submission: SlurmSubmission)
        case gated(Cycle.Result)
    }

    public static func gateJob(_ registry: Registry, directory dir: String, resubmit: Bool, options: CycleGate.Options) throws -> GateJobOutcome {
        try registry.withLock {
            let client = Slurm()
            var submission = try SlurmSubmission.read(dir)
            let header = try CyclePlan.readHeader(dir)
            guard header.tasks == submission.tasks else {
                throw NimpError.data(SlurmSubmission.path(dir), "key \"tasks\"", "does not match \(dir)/plan.json: the submission is not this plan's")
            }
            let missing = header.tasks.indices.filter { !FileManager.default.fileExists(atPath: resultPath(dir, header.tasks[$0])) }
            let retry = missing.filter { submission.attempts(ofIndex: $0) <= submission.maxRetries }
            if resubmit, !retry.isEmpty {
                for i in retry {
                    let why = describe(submission.job(ofIndex: i), client: client)
                    registry.diagnostics.info("\(header.tasks[i]): no result (\(why)); resubmitted, attempt \(submission.attempts(ofIndex: i) + 1) of \(submission.maxRetries + 1)")
                }
                // The scripts and sbatch arguments on disk run again: only if nobody else could have changed them.
                for file in ["task.sh", "gate.sh", "submission.json"] {
                    try CommandTrust.check(dir + "/slurm/" + file, root: registry.root, what: "what Slurm runs for a resubmitted task")
                }
                Temporaries.clean(in: [dir + "/results"])
                try submitRound(retry, dir: dir, submission: &submission, client: client)
                return .resubmitted(tasks: retry.map { header.tasks[$0] }, submission: submission)
            }
            var gate = options
            gate.finish = true
            for i in missing {
                let attempts = submission.attempts(ofIndex: i)
                let slurm = describe(submission.job(ofIndex: i), client: client)
                gate.missingReasons[header.tasks[i]] = "no result after \(attempts) attempt\(attempts == 1 ? "" : "s"): \(slurm)"
            }
            return .gated(try CycleGate.run(registry, inputs: [dir], options: gate))
        }
    }

    /// Under the lock, before a new cycle plans: a Slurm cycle whose jobs are still queued
    /// or running makes this one exit 75; one whose jobs all ended without finishing (its
    /// gate job was killed) is gated now, the tasks without a result recorded as failed.
    /// Returns whether it gated one.
    @discardableResult
    static func settleInFlight(_ registry: Registry, client: Slurm = Slurm()) throws -> Bool {
        var gated = false
        for dir in submittedDirectories(registry) {
            guard let submission = try? SlurmSubmission.read(dir) else { continue }
            guard Slurm.isAvailable else {
                throw NimpError(.tempFail, "\(dir): a cycle was handed to Slurm (jobs \(submission.jobs.joined(separator: ", "))), and Slurm's commands are not here to ask how it goes",
                                hint: "run the next cycle where sbatch is, or end that one with `nimp cycle gate \(dir) --finish`")
            }
            let active = try client.active(submission.jobs)
            if !active.isEmpty {
                let counts = Dictionary(grouping: active, by: \.state).map { "\($0.value.count) \($0.key.lowercased())" }.sorted()
                throw NimpError(.tempFail, "a cycle is in flight on Slurm: \(dir) (\(counts.joined(separator: ", ")); jobs \(submission.jobs.joined(separator: ", ")))",
                                hint: "its gate job ends it; see `nimp cycle status`")
            }
            registry.diagnostics.info("\(dir): its Slurm jobs ended without a gate; gating it now")
            _ = try gateJob(registry, directory: dir, resubmit: false, options: CycleGate.Options())
            gated = true
        }
        return gated
    }

    /// Plan directories under REGISTRY/cycles that were handed to Slurm, oldest first.
    public static func submittedDirectories(_ registry: Registry) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: registry.layout.cycles)) ?? []
        return names.sorted().filter { !$0.hasPrefix(".") }.map { registry.layout.cycles + "/" + $0 }
            .filter { FileManager.default.fileExists(atPath: SlurmSubmission.path($0)) }
    }

    /// What Slurm says of an element that left no result.
    static func describe(_ job: String?, client: Slurm) -> String {
        guard let job else { return "never submitted" }
        // An element cancelled before it started leaves no record at all.
        return client.state(job)?.summary ?? "Slurm job \(job) left no record (cancelled before it started, or forgotten after MinJobAge)"
    }

    static func resultPath(_ dir: String, _ task: String) -> String { dir + "/results/" + TaskResult.fileName(task) }

    static func writeScripts(_ dir: String, submission: SlurmSubmission, taskPaths: [String]) throws {
        let slurm = dir + "/slurm"
        try FileManager.default.createDirectory(atPath: slurm, withIntermediateDirectories: true)
        try AtomicFile.write(Data((taskPaths.joined(separator: "\n") + "\n").utf8), to: slurm + "/tasks.txt", failpoint: "slurm.tasks")
        let task = """
            #!/bin/sh
            # One nimp task per array element: line SLURM_ARRAY_TASK_ID + 1 of tasks.txt.
            task=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" \(quote(slurm + "/tasks.txt")))
            export OPENBLAS_NUM_THREADS="${SLURM_CPUS_PER_TASK:-1}"
            exec \(quote(submission.nimp)) task run "$task" --executor slurm

            """
        let gate = """
            #!/bin/sh
            # The cycle's gate: resubmits tasks that left no result, or gates them all.
            exec \(quote(submission.nimp)) cycle gate \(quote(dir)) --registry \(quote(submission.registry)) --resubmit --wait 600

            """
        try AtomicFile.write(Data(task.utf8), to: slurm + "/task.sh", failpoint: "slurm.script", mode: 0o755)
        try AtomicFile.write(Data(gate.utf8), to: slurm + "/gate.sh", failpoint: "slurm.script", mode: 0o755)
    }

    /// `0-3,5,7-8`: Slurm's array index list.
    static func ranges(_ indices: [Int]) -> String {
        var parts: [String] = []
        var i = 0
        let sorted = indices.sorted()
        while i < sorted.count {
            var j = i
            while j + 1 < sorted.count, sorted[j + 1] == sorted[j] + 1 { j += 1 }
            parts.append(i == j ? "\(sorted[i])" : "\(sorted[i])-\(sorted[j])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }

    static func minutes(_ seconds: Double) -> String { String(max(1, Int((seconds / 60).rounded(.up)))) }

    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
