import Foundation
import NimpCore
import NimpIO

/// stdout carries data, stderr carries people's messages. A failed write to stdout
/// (closed pipe, full disk) is an error, never silence. The library's messages arrive
/// through `sink`, which the commands pass it.
enum Console {
    nonisolated(unsafe) static var quiet = false
    nonisolated(unsafe) static var verbose = false

    static var stderrIsTerminal: Bool { isatty(2) != 0 }
    static var stdoutIsTerminal: Bool { isatty(1) != 0 }
    static var colorEnabled: Bool {
        stderrIsTerminal && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true
    }

    /// Writes `text` to stdout; throws exit 74 when the write fails.
    static func out(_ text: String) throws {
        try out(Array(text.utf8))
    }

    /// Writes bytes to stdout; throws exit 74 when the write fails.
    static func out(_ bytes: [UInt8]) throws {
        // stdout and stderr on one terminal: the progress line makes room for the data
        // and is drawn again after it, so the two never share a line.
        let line = stdoutIsTerminal ? progressLock.withLock { progressLine } : nil
        if line != nil { _ = try? writeAll(fd: 2, Array("\r\u{1B}[2K".utf8), name: "standard error") }
        try writeAll(fd: 1, bytes, name: "standard output")
        if let line { _ = try? writeAll(fd: 2, Array(line.utf8), name: "standard error") }
    }

    /// Writes one line (a newline is added) to stdout.
    static func line(_ text: String) throws { try out(text + "\n") }

    /// A message for people on stderr, unless --quiet.
    static func info(_ text: String) {
        guard !quiet else { return }
        message(text + "\n")
    }

    static func debug(_ text: String) {
        guard verbose else { return }
        info(text)
    }

    /// A warning on stderr (shown even with --quiet).
    static func warn(_ text: String) {
        message("warning: " + text + "\n")
    }

    static func error(_ error: NimpError) {
        let prefix = colorEnabled ? "\u{1B}[31merror:\u{1B}[0m " : "error: "
        message(prefix + error.description + "\n")
    }

    /// Whether progress lines are drawn: stderr is a terminal and not --quiet.
    static var progressVisible: Bool { !quiet && stderrIsTerminal }

    /// Draws `bar` as the progress line; only when stderr is a terminal, and at most every
    /// `redrawInterval` unless the bar is done, so fast loops do not flood the terminal.
    static func progress(_ bar: ProgressBar) {
        guard progressVisible else { return }
        let now = Date()
        let due = progressLock.withLock {
            if !bar.isDone, let last = lastDraw, now.timeIntervalSince(last) < redrawInterval { return false }
            lastDraw = now
            return true
        }
        guard due else { return }
        let text = bar.line(now: now, width: terminalColumns, color: colorEnabled)
        progressLock.withLock { progressLine = text }
        _ = try? writeAll(fd: 2, Array(("\r\u{1B}[2K" + text).utf8), name: "standard error")
    }

    static func endProgress() {
        guard progressVisible else { return }
        progressLock.withLock { progressLine = nil; lastDraw = nil }
        _ = try? writeAll(fd: 2, Array("\r\u{1B}[2K".utf8), name: "standard error")
    }

    /// The width of the terminal on stderr ($COLUMNS, else 80, when it cannot be asked).
    static var terminalColumns: Int {
        var size = winsize()
        if ioctl(2, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return ProcessInfo.processInfo.environment["COLUMNS"].flatMap { Int($0) } ?? 80
    }

    /// The progress line on screen, if any: messages are written above it.
    nonisolated(unsafe) static var progressLine: String?
    /// When the progress line was last drawn, for `redrawInterval`.
    nonisolated(unsafe) static var lastDraw: Date?
    static let redrawInterval = 0.1
    static let progressLock = NSLock()

    /// Writes a message to stderr; a progress line on screen is cleared first and
    /// drawn again below the message.
    static func message(_ text: String) {
        let line = progressLock.withLock { progressLine }
        let bytes = line.map { "\r\u{1B}[2K" + text + $0 } ?? text
        _ = try? writeAll(fd: 2, Array(bytes.utf8), name: "standard error")
    }

    /// Holds text printed through the C library (argument-parser's help, version and
    /// completion scripts) to the same rule: when stdout cannot be flushed at exit, the
    /// process says so and exits with an I/O error instead of 0.
    static func checkStandardOutputAtExit() {
        atexit {
            guard fflush(nil) != 0 else { return }
            let text = "error: standard output: writing output failed: \(String(cString: strerror(errno)))\n"
            _ = text.withCString { write(2, $0, strlen($0)) }
            _exit(ExitStatus.code(for: .ioError))
        }
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

extension Console {
    /// The sink every command passes the library: its messages and progress on stderr.
    static let sink: any DiagnosticSink = TerminalSink()

    struct TerminalSink: DiagnosticSink {
        func emit(_ diagnostic: Diagnostic) {
            switch diagnostic {
            case .warning(let text): Console.warn(text)
            case .info(let text): Console.info(text)
            case .error(let error): Console.error(error)
            case .progress(let bar): Console.progress(bar)
            case .progressEnd: Console.endProgress()
            }
        }
    }
}
