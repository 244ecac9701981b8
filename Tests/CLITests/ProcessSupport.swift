import Foundation
import XCTest

/// What a finished subprocess left: exit status (128 + signal when killed, as shells
/// report it), stdout and stderr.
struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
    var timedOut = false
}

/// Runs any program (bash, man, script) for the docs, completion, README and report
/// tests: `env` is added to the test's environment, stdin is empty, and a run longer
/// than `timeout` seconds is killed.
func runProcess(_ executable: String, _ args: [String], env: [String: String] = [:], directory: URL? = nil,
                timeout: TimeInterval = 300) -> ProcessResult
{
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = args
    process.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
    if let directory { process.currentDirectoryURL = directory }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    do {
        try process.run()
    } catch {
        return ProcessResult(status: 127, stdout: "", stderr: "cannot run \(executable): \(error)")
    }
    final class Box: @unchecked Sendable {
        var data = Data()
        var timedOut = false
    }
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
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    errDone.wait()
    process.waitUntilExit()
    watchdog.cancel()
    let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    return ProcessResult(status: status, stdout: String(decoding: stdout, as: UTF8.self),
                         stderr: String(decoding: errBox.data, as: UTF8.self), timedOut: timer.timedOut)
}

/// The package root (for README.md, man/, completions/, scripts/).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A fresh temporary directory, removed when the test ends.
func temporaryDirectory(_ test: XCTestCase, _ name: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nimp-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir
}
