import Foundation
import NimpCore

/// stdout carries data, stderr carries people's messages. A failed write to stdout
/// (closed pipe, full disk) is an error, never silence.
public enum Console {
    nonisolated(unsafe) public static var quiet = false
    nonisolated(unsafe) public static var verbose = false

    public static var stderrIsTerminal: Bool { isatty(2) != 0 }
    public static var stdoutIsTerminal: Bool { isatty(1) != 0 }
    public static var colorEnabled: Bool {
        stderrIsTerminal && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true
    }

    /// Writes `text` to stdout; throws exit 74 when the write fails.
    public static func out(_ text: String) throws {
        try writeAll(fd: 1, Array(text.utf8), name: "standard output")
    }

    /// Writes one line (a newline is added) to stdout.
    public static func line(_ text: String) throws { try out(text + "\n") }

    /// A message for people on stderr, unless --quiet.
    public static func info(_ text: String) {
        guard !quiet else { return }
        _ = try? writeAll(fd: 2, Array((text + "\n").utf8), name: "standard error")
    }

    public static func debug(_ text: String) {
        guard verbose else { return }
        info(text)
    }

    /// A warning on stderr (shown even with --quiet).
    public static func warn(_ text: String) {
        _ = try? writeAll(fd: 2, Array(("warning: " + text + "\n").utf8), name: "standard error")
    }

    public static func error(_ error: NimpError) {
        let prefix = colorEnabled ? "\u{1B}[31merror:\u{1B}[0m " : "error: "
        _ = try? writeAll(fd: 2, Array((prefix + error.description + "\n").utf8), name: "standard error")
    }

    /// A progress line that rewrites itself; only when stderr is a terminal.
    public static func progress(_ text: String) {
        guard !quiet, stderrIsTerminal else { return }
        _ = try? writeAll(fd: 2, Array(("\r\u{1B}[2K" + text).utf8), name: "standard error")
    }

    public static func endProgress() {
        guard !quiet, stderrIsTerminal else { return }
        _ = try? writeAll(fd: 2, Array("\r\u{1B}[2K".utf8), name: "standard error")
    }

    static func writeAll(fd: Int32, _ bytes: [UInt8], name: String) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw NimpError.io(name, "writing output failed: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }
}
