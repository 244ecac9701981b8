import Foundation
import NimpCore
import NimpIO
import NimpOperators
import NimpRegistry

/// A task ran out of its time budget.
struct BudgetExceeded: Error {
    var seconds: Double
}

/// `nimp task run`: one task file in, one candidate archive and one result file out.
/// No registry lock: the registry's files are only read, each checked against the
/// sha256 the task names. Writes are atomic and the result comes last, so a killed run
/// leaves nothing the gate could take for a result.
public enum TaskRun {
    public struct Options: Sendable {
        /// Where the result and candidate go (default: `TaskResult.defaultDirectory`).
        public var outputDirectory: String?
        /// Read this registry instead of the one the task names (a different mount point).
        public var registry: String?
        public var executor = "manual"
        public var commandLine: [String] = []
        /// Hears about the data as it is read (columns ignored, rows left out); default: nobody.
        public var diagnostics: any DiagnosticSink = DiscardingSink()
        public init() {}
    }

    public struct Outcome: Sendable {
        public var result: TaskResult
        public var path: String
        /// An earlier run of the same task file had already left this result.
        public var reused: Bool
    }

    public static func run(taskPath: String, options: Options) throws -> Outcome {
        let (task, taskSHA) = try CycleTask.read(path: taskPath)
        let dir = options.outputDirectory ?? TaskResult.defaultDirectory(forTask: taskPath)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let resultPath = dir + "/" + TaskResult.fileName(task.id)
        if let done = try? TaskResult.read(path: resultPath), done.taskSHA256 == taskSHA, done.taskID == task.id,
           done.status != .candidate || (try? SHA256.hex(file: dir + "/" + done.candidate!)) == done.candidateSHA256 {
            return Outcome(result: done, path: resultPath, reused: true)
        }
        removeLeftovers(of: task.id, in: dir)
        let start = Date(), cpu = processCPUSeconds()
        let env = ProcessInfo.processInfo.environment
        var result = TaskResult(taskID: task.id, taskPath: absolute(taskPath), taskSHA256: taskSHA, model: task.model, type: task.type,
                                status: .failed, candidate: nil, candidateSHA256: nil, reason: "", seconds: 0, cpuSeconds: 0,
                                host: env["SLURMD_NODENAME"] ?? LockHolder.hostName, pid: getpid(), executor: options.executor, finishedAt: start)
        if let array = env["SLURM_ARRAY_JOB_ID"], let index = env["SLURM_ARRAY_TASK_ID"] {
            result.job = array + "_" + index
        } else {
            result.job = env["SLURM_JOB_ID"]
        }
        do {
            guard let kind = ImprovementKinds.named(task.type) else { throw NimpError(.dataError, "\(taskPath): unknown kind \(task.type)") }
            let (inputs, fresh) = try loadInputs(task, registryPath: options.registry ?? task.registry, commandLine: options.commandLine,
                                                 start: start, diagnostics: options.diagnostics)
            result.teacherRows = fresh?.data.count
            result.sampling = fresh?.sampling
            if let fresh, fresh.kept {
                // Written before training, so rows paid for outlive a task that fails or runs out of time.
                let bytes = DatasetIO.encode(fresh.data, format: .safetensors)
                let name = TaskResult.rowsName(task.id)
                try AtomicFile.write(bytes, to: dir + "/" + name, failpoint: "task.rows", cleanStale: false)
                result.rows = name
                result.rowsSHA256 = SHA256.hex(bytes)
            }
            let archive = try kind.run(inputs)
            let bytes = try archive.encode()
            let name = TaskResult.candidateName(task.id)
            try AtomicFile.write(bytes, to: dir + "/" + name, failpoint: "task.candidate", cleanStale: false)
            result.status = .candidate
            result.candidate = name
            result.candidateSHA256 = SHA256.hex(bytes)
            result.reason = "candidate written"
        } catch let e as BudgetExceeded {
            result.status = .timeout
            result.reason = String(format: "exceeded its budget of %.0f s (ran %.0f s)", task.budgetSeconds, e.seconds)
        } catch let e as NimpError where e.kind == .ioError {
            throw e
        } catch let e as NimpError {
            result.status = .failed
            result.reason = e.message
        } catch {
            result.status = .failed
            result.reason = "\(error)"
        }
        result.seconds = Date().timeIntervalSince(start)
        result.cpuSeconds = processCPUSeconds() - cpu
        result.finishedAt = Date()
        // removeLeftovers cleaned this task's temporaries already.
        try AtomicFile.write(try JSONCoding.pretty(result.json), to: resultPath, failpoint: "task.result", cleanStale: false)
        return Outcome(result: result, path: resultPath, reused: false)
    }

    /// What an earlier run of this task left half-written (it was killed, its node died):
    /// only this task's own temporaries, since other tasks' writers may run on other hosts.
    static func removeLeftovers(of id: String, in dir: String) {
        let mine = [TaskResult.fileName(id), TaskResult.candidateName(id), TaskResult.rowsName(id)].map { "." + $0 + ".tmp-" }
        for name in AtomicFile.names(in: dir, startingWith: "." + id + ".") where mine.contains(where: name.hasPrefix) {
            unlink(dir + "/" + name)
        }
    }

    /// The champion, teacher and training rows the task names, each checked, and the fresh
    /// rows the generator or teacher command labelled for this task.
    static func loadInputs(_ task: CycleTask, registryPath: String, commandLine: [String], start: Date,
                           diagnostics: any DiagnosticSink) throws -> (TaskInputs, FreshRows?) {
        let registry = try Registry.open(registryPath, diagnostics: diagnostics)
        func load(_ ref: ArchiveRef, _ role: String) throws -> ModelArchive {
            let path = registry.layout.archive(ref.model, ref.version)
            let data = try readResultFile(path)
            let sha = SHA256.hex(data)
            guard sha == ref.sha256 else {
                throw NimpError.data(path, nil, "has sha256 \(sha.prefix(12))…, but the task names \(ref.sha256.prefix(12))… for the \(role)",
                                     hint: "the registry changed since the plan; plan again with `nimp cycle plan`")
            }
            return try ModelArchive.decode(data, name: path)
        }
        let parent = try task.champion.map { try load($0, "champion") }
        let teacher = try task.teacher.map { try load($0, "teacher") }
        let path = registry.layout.resolve(task.spec.train.path)
        // Read as the champion reads data, so a fresh model keeps its schema and classes.
        let contract = parent.map { DataContract(model: $0.model, owner: "the champion of \(task.model)") }
        var train = try contract.map { try DatasetIO.load(path: path, for: $0, diagnostics: diagnostics) } ?? DatasetIO.load(path: path, diagnostics: diagnostics)
        let budget = task.budgetSeconds
        let fresh = try FreshRows.draw(task, train: train, champion: parent, registry: registry,
                                       secondsLeft: { budget - Date().timeIntervalSince(start) }, diagnostics: diagnostics)
        if let fresh { train = Dataset.concatenate(train, fresh.data) }
        let inputs = TaskInputs(task: task, spec: task.spec, parent: parent, teacher: teacher, train: train,
                                commandLine: commandLine + ["#", "cycle \(task.cycle) \(task.type.rawValue) \(task.model)"],
                                checkBudget: {
                                    let elapsed = Date().timeIntervalSince(start)
                                    if elapsed > budget { throw BudgetExceeded(seconds: elapsed) }
                                },
                                deadline: .now + .seconds(budget - Date().timeIntervalSince(start)))
        return (inputs, fresh)
    }

    /// A file a task wrote (its candidate archive, its labelled rows): exit 66 when it is
    /// missing, 74 when it cannot be read.
    static func readResultFile(_ path: String, what: String = "archive") throws -> Data {
        guard FileManager.default.fileExists(atPath: path) else { throw NimpError(.noInput, "\(path): no such \(what)") }
        do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw NimpError(.ioError, "\(path): cannot read: \(error.localizedDescription)")
        }
    }
}

extension Dataset {
    /// The rows of `a` then `b` (same features and targets).
    static func concatenate(_ a: Dataset, _ b: Dataset) -> Dataset {
        var x = a.x
        x.rows += b.x.rows
        x.data += b.x.data
        let y: Targets
        switch (a.y, b.y) {
        case (.values(var ma), .values(let mb)):
            ma.rows += mb.rows
            ma.data += mb.data
            y = .values(ma)
        case (.classes(let ca), .classes(let cb)):
            y = .classes(ca + cb)
        default:
            return a
        }
        return Dataset(x: x, y: y, featureNames: a.featureNames, targetNames: a.targetNames, source: a.source, seed: a.seed)
    }
}
