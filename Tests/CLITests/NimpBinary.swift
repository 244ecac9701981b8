import Foundation

/// The built `nimp` binary: `$NIMP_BINARY`, else `nimp` beside the test bundle
/// (`.build/<config>/nimp`).
let nimpBinary: URL = {
    if let path = ProcessInfo.processInfo.environment["NIMP_BINARY"], !path.isEmpty { return URL(fileURLWithPath: path) }
    return Bundle.main.bundleURL.appendingPathComponent("nimp")
}()

/// Runs `nimp args` as a subprocess and waits for it. `env` is added to the test's
/// environment (failpoint variables are cleared unless given); `stdin` is fed in
/// full, else stdin is empty. A process killed by a signal reports 128 + the signal
/// (137 for SIGKILL), as shells do.
@discardableResult
func runNimp(_ args: [String], env: [String: String] = [:], stdin: Data? = nil) -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = nimpBinary
    process.arguments = args
    var environment = ProcessInfo.processInfo.environment
    environment["NIMP_FAILPOINT"] = nil
    environment["NIMP_FAILPOINT_TRACE"] = nil
    for (key, value) in env { environment[key] = value }
    process.environment = environment
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    do {
        try process.run()
    } catch {
        return (127, "", "cannot run \(nimpBinary.path): \(error)")
    }
    // Drain stderr concurrently so a chatty child never blocks on a full pipe.
    final class Box: @unchecked Sendable { var data = Data() }
    let errBox = Box()
    let errDone = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
        errBox.data = err.fileHandleForReading.readDataToEndOfFile()
        errDone.signal()
    }
    if let stdin { try? input.fileHandleForWriting.write(contentsOf: stdin) }
    try? input.fileHandleForWriting.close()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    errDone.wait()
    process.waitUntilExit()
    let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    return (status, String(decoding: stdout, as: UTF8.self), String(decoding: errBox.data, as: UTF8.self))
}
