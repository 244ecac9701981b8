import Foundation
import NimpCore
import NimpIO
import NimpOperators

/// Runs a plan's task files and reports the ones that left no result and why. The
/// cycle's local executor runs `nimp task run` processes; a cluster executor (Slurm)
/// hands the same files to its scheduler.
public protocol TaskExecutor: Sendable {
    var name: String { get }
    /// Runs every task file, at most `concurrency` at once; returns task path → why it left no result.
    func run(_ taskPaths: [String], concurrency: Int, budgetSeconds: Double, progress: @escaping @Sendable (Int, String) -> Void) throws -> [String: String]
}

/// Runs each task in this process, one after another (library callers and tests).
public struct InProcessExecutor: TaskExecutor {
    public var name: String { "inline" }
    public var commandLine: [String]
    public var diagnostics: any DiagnosticSink
    public init(commandLine: [String] = [], diagnostics: any DiagnosticSink) {
        self.commandLine = commandLine
        self.diagnostics = diagnostics
    }

    public func run(_ taskPaths: [String], concurrency: Int, budgetSeconds: Double, progress: @escaping @Sendable (Int, String) -> Void) throws -> [String: String] {
        var options = TaskRun.Options()
        options.executor = name
        options.commandLine = commandLine
        options.diagnostics = diagnostics
        for (n, path) in taskPaths.enumerated() {
            progress(n, (path as NSString).lastPathComponent)
            _ = try TaskRun.run(taskPath: path, options: options)
        }
        return [:]
    }
}

/// Runs each task as its own `nimp task run` process, up to `concurrency` at once, with
/// one BLAS thread each when several share the cores. A process that outlives its budget
/// by far is killed. Each task's stderr goes to `results/ID.log`.
public struct LocalProcessExecutor: TaskExecutor {
    public var name: String { "local" }
    public var executable: String
    /// The kind of failure an exit status of `executable` stands for: the executable
    /// knows its own statuses, the cycle only needs to spot an I/O error.
    public var failureKind: @Sendable (Int32) -> NimpError.Kind?
    public init(executable: String, failureKind: @escaping @Sendable (Int32) -> NimpError.Kind?) {
        self.executable = executable
        self.failureKind = failureKind
    }

    public func run(_ taskPaths: [String], concurrency: Int, budgetSeconds: Double, progress: @escaping @Sendable (Int, String) -> Void) throws -> [String: String] {
        let lock = NSLock()
        nonisolated(unsafe) var failures: [String: String] = [:]
        nonisolated(unsafe) var done = 0
        nonisolated(unsafe) var ioError: String?
        let slots = DispatchSemaphore(value: max(1, concurrency))
        let group = DispatchGroup()
        for path in taskPaths {
            slots.wait()
            let log = TaskResult.defaultDirectory(forTask: path) + "/" + ((path as NSString).lastPathComponent as NSString).deletingPathExtension + ".log"
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = ["task", "run", path, "--executor", name]
            var env = ProcessInfo.processInfo.environment
            if concurrency > 1 { env["OPENBLAS_NUM_THREADS"] = "1" }
            // The cycle's own failpoints stay in the cycle; tests reach a task's with NIMP_TASK_FAILPOINT.
            env["NIMP_FAILPOINT"] = env["NIMP_TASK_FAILPOINT"]
            env["NIMP_FAILPOINT_TRACE"] = env["NIMP_TASK_FAILPOINT_TRACE"]
            process.environment = env
            // The task's stderr goes to its log (best effort: the disk may be full) and its
            // last lines stay in memory, so a failure can always say why.
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            let handle = FileHandle(forWritingAtPath: log)
            let pipe = Pipe()
            let tail = StderrTail()
            pipe.fileHandleForReading.readabilityHandler = { h in
                let data = h.availableData
                guard !data.isEmpty else { return }
                tail.append(data)
                try? handle?.write(contentsOf: data)
            }
            process.standardError = pipe
            process.standardOutput = FileHandle.nullDevice
            group.enter()
            let started = Date()
            process.terminationHandler = { p in
                pipe.fileHandleForReading.readabilityHandler = nil
                tail.append(pipe.fileHandleForReading.readDataToEndOfFile())
                try? handle?.close()
                lock.lock()
                if p.terminationStatus != 0 {
                    let tail = tail.lastError
                    let how = p.terminationReason == .uncaughtSignal ? "was killed by signal \(p.terminationStatus)" : "exited \(p.terminationStatus)"
                    failures[path] = String(format: "`nimp task run` %@ after %.0f s%@", how, Date().timeIntervalSince(started), tail.isEmpty ? "" : ": " + tail)
                    if p.terminationReason == .exit, failureKind(p.terminationStatus) == .ioError, ioError == nil {
                        ioError = tail.isEmpty ? "a task hit an I/O error (exit \(p.terminationStatus))" : tail
                    }
                }
                done += 1
                let n = done
                lock.unlock()
                progress(n, (path as NSString).lastPathComponent)
                slots.signal()
                group.leave()
            }
            do {
                try process.run()
            } catch {
                lock.lock()
                failures[path] = "cannot start \(executable): \(error.localizedDescription)"
                lock.unlock()
                process.terminationHandler = nil
                try? handle?.close()
                slots.signal()
                group.leave()
                continue
            }
            // Tasks watch their own budget; this only catches one that hangs.
            let pid = process.processIdentifier
            DispatchQueue.global().asyncAfter(deadline: .now() + budgetSeconds * 2 + 60) {
                if process.isRunning, process.processIdentifier == pid { kill(pid, SIGKILL) }
            }
        }
        group.wait()
        // A full disk or an I/O error under a task ends the cycle with an I/O error, as it would in one process.
        if let ioError { throw NimpError(.ioError, ioError) }
        return failures
    }
}

/// The last few kilobytes a task wrote to stderr.
final class StderrTail: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes = Data()

    func append(_ data: Data) {
        lock.lock()
        bytes.append(data)
        if bytes.count > 16384 { bytes = bytes.suffix(8192) }
        lock.unlock()
    }

    /// The last `error:` line without its prefix, else the last line.
    var lastError: String {
        lock.lock()
        defer { lock.unlock() }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
        if let e = lines.last(where: { $0.hasPrefix("error: ") }) { return String(e.dropFirst(7)) }
        return lines.last ?? ""
    }
}
