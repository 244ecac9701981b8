import Foundation

/// How far a job counted in steps (epochs, generations, tasks) has got, and how it reads
/// as a bar: `train [=======>     ]  7/20 epochs  3.1 epochs/s  ETA 0:04  loss 0.012`.
///
/// Library code emits it to a `DiagnosticSink`; the executable's draws it on stderr when
/// that is a terminal (at most every 0.1 s, coloured unless `NO_COLOR` is set), so logs and
/// pipes never see it. Written by hand because the terminal libraries that have one
/// (console-kit) pull in swift-nio for a few lines.
public struct ProgressBar: Sendable {
    public let label: String
    /// Steps in the whole job; nil when unknown (only the count and rate are shown).
    public let total: Int?
    /// The plural noun of a step: "epochs", "generations", "tasks".
    public let unit: String
    /// A wall-time budget: the ETA never exceeds what is left of it.
    public let budgetSeconds: Double?
    public let start: Date
    public var completed = 0
    /// Shown after the ETA, e.g. the latest loss.
    public var detail = ""

    public init(_ label: String, total: Int?, unit: String, budgetSeconds: Double? = nil, start: Date = Date()) {
        self.label = label
        self.total = total
        self.unit = unit
        self.budgetSeconds = budgetSeconds
        self.start = start
    }

    /// Every step is done (a bar worth drawing at once).
    public var isDone: Bool { total.map { completed >= $0 } ?? false }

    /// The bar as text at `now`, for a terminal `width` columns wide.
    public func line(now: Date = Date(), width: Int = 80, color: Bool = false) -> String {
        Self.render(label: label, completed: completed, total: total, unit: unit,
                    elapsed: now.timeIntervalSince(start), budgetSeconds: budgetSeconds,
                    detail: detail, width: width, color: color)
    }

    /// The bar as text, at most `width - 1` visible columns (a full-width line would
    /// wrap and break the carriage-return redraw).
    public static func render(label: String, completed: Int, total: Int?, unit: String, elapsed: Double,
                              budgetSeconds: Double? = nil, detail: String = "", width: Int = 80,
                              color: Bool = false) -> String
    {
        var parts = [label]
        var barText = ""
        if let total, total > 0 {
            let fraction = min(1, max(0, Double(completed) / Double(total)))
            barText = bar(fraction: fraction, cells: width >= 100 ? 20 : 10, color: color)
            parts.append(barText)
            parts.append("\(completed)/\(total) \(unit)")
        } else {
            parts.append("\(completed) \(unit)")
        }
        let rate = elapsed > 0 ? Double(completed) / elapsed : 0
        if completed > 0 { parts.append(rateText(rate, unit: unit)) }
        if let eta = eta(completed: completed, total: total, rate: rate, elapsed: elapsed, budgetSeconds: budgetSeconds) {
            parts.append("ETA " + clock(eta))
        }
        // Colour codes take no columns: measure without them.
        let invisible = barText.count - visibleWidth(barText)
        let limit = max(10, width - 1)
        // Drop whole fields of the detail from the end rather than cut a number short.
        var fields = detail.isEmpty ? [] : detail.components(separatedBy: "  ")
        while true {
            let text = (parts + fields).joined(separator: "  ")
            if text.count - invisible <= limit { return text }
            if fields.isEmpty { return String(text.prefix(limit + invisible)) }
            fields.removeLast()
        }
    }

    /// Seconds left: from the rate so far, capped by what is left of the budget; the
    /// budget alone when the number of steps is unknown.
    static func eta(completed: Int, total: Int?, rate: Double, elapsed: Double, budgetSeconds: Double?) -> Double? {
        let remaining = budgetSeconds.map { max(0, $0 - elapsed) }
        guard let total else { return remaining }
        guard completed > 0, rate > 0 else { return nil }
        let left = Double(max(0, total - completed)) / rate
        return remaining.map { min($0, left) } ?? left
    }

    static func bar(fraction: Double, cells: Int, color: Bool) -> String {
        let filled = Int((fraction * Double(cells)).rounded(.down))
        var fill = String(repeating: "=", count: filled)
        if filled < cells { fill += ">" }
        let empty = String(repeating: " ", count: max(0, cells - fill.count))
        return color ? "[\u{1B}[32m\(fill)\u{1B}[0m\(empty)]" : "[\(fill)\(empty)]"
    }

    static func visibleWidth(_ text: String) -> Int {
        text.replacingOccurrences(of: "\u{1B}[32m", with: "").replacingOccurrences(of: "\u{1B}[0m", with: "").count
    }

    /// "3.1 epochs/s", or "12 s/epoch" when a step takes more than a second.
    static func rateText(_ rate: Double, unit: String) -> String {
        if rate >= 1 { return String(format: "%.1f %@/s", rate, unit) }
        let singular = unit.hasSuffix("s") ? String(unit.dropLast()) : unit
        return String(format: "%.1f s/%@", rate > 0 ? 1 / rate : 0, singular)
    }

    /// "0:04", "12:30", "1:02:03".
    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded(.up))
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
