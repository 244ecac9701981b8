import Foundation
import NimpCore

/// What library code tells people while it works. Libraries never write to stderr: they
/// emit to the sink their caller passed in (the executable's draws on the terminal, a
/// test's collects). Emitted from any thread.
public protocol DiagnosticSink: Sendable {
    func emit(_ diagnostic: Diagnostic)
}

public enum Diagnostic: Sendable {
    /// Something the user should know and may act on.
    case warning(String)
    /// What is being done and why; for people watching, never needed.
    case info(String)
    /// A failure the work carried on past (one refused result file of many).
    case error(NimpError)
    /// A job counted in steps moved on.
    case progress(ProgressBar)
    /// The job's progress is done with (what follows takes its place).
    case progressEnd
}

extension DiagnosticSink {
    public func warn(_ text: String) { emit(.warning(text)) }
    public func info(_ text: String) { emit(.info(text)) }

    /// `bar` with `completed` steps done; `detail` (e.g. the latest loss) follows the ETA.
    public func progress(_ bar: ProgressBar, completed: Int, detail: String = "") {
        var bar = bar
        bar.completed = completed
        bar.detail = detail
        emit(.progress(bar))
    }

    public func endProgress() { emit(.progressEnd) }
}

/// Drops everything: the sink of a caller that passes none.
public struct DiscardingSink: DiagnosticSink {
    public init() {}
    public func emit(_ diagnostic: Diagnostic) {}
}

/// Keeps everything, for a caller that shows or checks diagnostics later (tests).
public final class CollectingSink: DiagnosticSink, @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [Diagnostic] = []

    public init() {}

    public func emit(_ diagnostic: Diagnostic) { lock.withLock { collected.append(diagnostic) } }

    public var diagnostics: [Diagnostic] { lock.withLock { collected } }

    public var warnings: [String] {
        diagnostics.compactMap { if case .warning(let text) = $0 { text } else { nil } }
    }

    public var infos: [String] {
        diagnostics.compactMap { if case .info(let text) = $0 { text } else { nil } }
    }
}
