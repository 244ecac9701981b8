import Foundation
import NimpCore

/// Named places in the write path where tests can crash the process or make a write
/// fail, to prove that a kill or an I/O error at any step loses nothing.
///
/// `NIMP_FAILPOINT=NAME[:ACTION][@N]` triggers at the Nth hit (default 1) of the
/// failpoint NAME; ACTION is `crash` (SIGKILL, the default), `eio`, `enospc` or `stop`
/// (SIGSTOP: the process waits there for SIGCONT).
/// `NIMP_FAILPOINT_TRACE=FILE` appends the name of every failpoint reached, one per
/// line, so a test can enumerate the steps of a command and then fail each in turn.
public enum Failpoint {
    struct Spec {
        var name: String
        var action: String
        var hit: Int
    }

    nonisolated(unsafe) static var counts: [String: Int] = [:]
    static let lock = NSLock()
    static let spec: Spec? = {
        guard let raw = ProcessInfo.processInfo.environment["NIMP_FAILPOINT"], !raw.isEmpty else { return nil }
        var rest = Substring(raw)
        var hit = 1
        if let at = rest.lastIndex(of: "@"), let n = Int(rest[rest.index(after: at)...]) {
            hit = n
            rest = rest[..<at]
        }
        var action = "crash"
        if let colon = rest.lastIndex(of: ":") {
            action = String(rest[rest.index(after: colon)...])
            rest = rest[..<colon]
        }
        return Spec(name: String(rest), action: action, hit: hit)
    }()
    static let traceFile = ProcessInfo.processInfo.environment["NIMP_FAILPOINT_TRACE"]

    /// Marks a step. Crashes or throws when the environment asks for it here.
    public static func hit(_ name: String, file: String = "") throws {
        if let traceFile {
            let fd = open(traceFile, O_WRONLY | O_APPEND | O_CREAT, 0o644)
            if fd >= 0 {
                let line = Array((name + "\n").utf8)
                _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                close(fd)
            }
        }
        guard let spec, spec.name == name else { return }
        lock.lock()
        counts[name, default: 0] += 1
        let count = counts[name]!
        lock.unlock()
        guard count == spec.hit else { return }
        switch spec.action {
        case "eio": throw NimpError.io(file.isEmpty ? name : file, "Input/output error (failpoint \(name))")
        case "enospc": throw NimpError.io(file.isEmpty ? name : file, "No space left on device (failpoint \(name))")
        // Stops here until SIGCONT: a test changes the world at this step (fills the
        // disk, starts an overlapping cycle), then lets the command go on.
        case "stop": kill(getpid(), SIGSTOP)
        default: kill(getpid(), SIGKILL)
        }
    }
}
