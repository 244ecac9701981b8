import Foundation

/// What a finished subprocess left: exit status (128 + signal when killed, as shells
/// report it), stdout and stderr.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var timedOut = false

    public init(status: Int32, stdout: String, stderr: String, timedOut: Bool = false) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
        self.timedOut = timedOut
    }
}

/// The package root (README.md, man/, completions/, scripts/, fixtures/).
public let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The built `nimp` binary: `$NIMP_BINARY`, else `nimp` beside the test bundle
/// (`.build/<config>/nimp`).
public let nimpBinary: URL = {
    if let path = ProcessInfo.processInfo.environment["NIMP_BINARY"], !path.isEmpty { return URL(fileURLWithPath: path) }
    return Bundle.main.bundleURL.appendingPathComponent("nimp")
}()

/// A kernel cache no test writes to: a developer's own `nimp tune` must not change
/// which kernels the tests run on (a test that tunes passes its own XDG_CACHE_HOME).
let isolatedKernelCache: String = {
    let dir = NSTemporaryDirectory() + "nimp-tests-kernel-cache-\(getpid())"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}()

/// The test's environment without failpoint variables and with an empty kernel cache, plus `env`.
func nimpEnvironment(_ env: [String: String]) -> [String: String] {
    var environment = ProcessInfo.processInfo.environment
    environment["NIMP_FAILPOINT"] = nil
    environment["NIMP_FAILPOINT_TRACE"] = nil
    environment["XDG_CACHE_HOME"] = isolatedKernelCache
    for (key, value) in env { environment[key] = value }
    return environment
}

/// Runs a program and waits for it: `env` is added to the test's environment, `stdin`
/// is fed in full (else stdin is empty), and a run longer than `timeout` seconds is
/// killed. A process killed by a signal reports 128 + the signal (137 for SIGKILL).
public func runProcess(_ executable: String, _ args: [String], env: [String: String] = [:], directory: URL? = nil,
                       stdin: Data? = nil, timeout: TimeInterval = 300) -> ProcessResult
{
    run(URL(fileURLWithPath: executable), args, environment: ProcessInfo.processInfo.environment.merging(env) { $1 },
        directory: directory, stdin: stdin, timeout: timeout)
}

/// Runs `nimp args` as a subprocess and waits for it; failpoint variables are cleared
/// unless given in `env`.
@discardableResult
public func runNimp(_ args: [String], env: [String: String] = [:], stdin: Data? = nil, directory: URL? = nil,
                    timeout: TimeInterval? = nil) -> ProcessResult
{
    run(nimpBinary, args, environment: nimpEnvironment(env), directory: directory, stdin: stdin, timeout: timeout)
}

private func run(_ executable: URL, _ args: [String], environment: [String: String], directory: URL?, stdin: Data?,
                 timeout: TimeInterval?) -> ProcessResult
{
    let process = Process()
    process.executableURL = executable
    process.arguments = args
    process.environment = environment
    if let directory { process.currentDirectoryURL = directory }
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = stdin == nil ? FileHandle.nullDevice : input
    do {
        try process.run()
    } catch {
        return ProcessResult(status: 127, stdout: "", stderr: "cannot run \(executable.path): \(error)")
    }
    final class Box: @unchecked Sendable {
        var data = Data()
        var timedOut = false
    }
    // Drain stderr concurrently so a chatty child never blocks on a full pipe.
    let errBox = Box(), timer = Box()
    let errDone = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
        errBox.data = err.fileHandleForReading.readDataToEndOfFile()
        errDone.signal()
    }
    let pid = process.processIdentifier
    let watchdog = DispatchWorkItem {
        timer.timedOut = true
        kill(-pid, SIGKILL)
        kill(pid, SIGKILL)
    }
    if let timeout { DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog) }
    if let stdin {
        let writer = input.fileHandleForWriting
        DispatchQueue.global().async {
            try? writer.write(contentsOf: stdin)
            try? writer.close()
        }
    }
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    errDone.wait()
    process.waitUntilExit()
    watchdog.cancel()
    let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    return ProcessResult(status: status, stdout: String(decoding: stdout, as: UTF8.self),
                         stderr: String(decoding: errBox.data, as: UTF8.self), timedOut: timer.timedOut)
}

/// A `nimp` started with `NIMP_FAILPOINT=STEP:stop`, which stops itself (SIGSTOP) at the
/// step; `stopped` says whether it got there. stdout is discarded; stderr goes to
/// `stderrPath` when given, else is discarded.
public final class StoppedNimp {
    public let process: Process
    public let stderrPath: String?
    public private(set) var stopped = false

    public var pid: Int32 { process.processIdentifier }

    public init(_ args: [String], failpoint: String, stderrPath: String? = nil) throws {
        process = Process()
        self.stderrPath = stderrPath
        process.executableURL = nimpBinary
        process.arguments = args
        process.environment = nimpEnvironment(["NIMP_FAILPOINT": failpoint])
        process.standardOutput = FileHandle.nullDevice
        if let stderrPath {
            _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
            process.standardError = FileHandle(forWritingAtPath: stderrPath)
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        // A bounded number of polls of /proc/PID/stat (state T), not a timed assertion.
        for _ in 0..<3000 where process.isRunning {
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            if let close = stat.lastIndex(of: ")"), stat[stat.index(close, offsetBy: 2)] == "T" {
                stopped = true
                break
            }
            usleep(20_000)
        }
    }

    /// Sends SIGTERM (to a process that never stopped, before `resume`).
    public func terminate() { process.terminate() }

    /// Lets it go on (SIGCONT) and waits; the exit status, 128 + signal when killed.
    @discardableResult
    public func resume() -> Int32 {
        kill(pid, SIGCONT)
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }
}
