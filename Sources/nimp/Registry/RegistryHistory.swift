import ArgumentParser
import Foundation
import NimpCore
import NimpIO
import NimpRegistry

struct RegistryHistory: NimpCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Print history: tasks, cycles, promotions, rollbacks, adds, gc, lock takeovers.",
        discussion: """
            Oldest first. JSON lines as stored unless stdout is a terminal. A damaged line is \
            skipped with a warning naming the file and line; a torn last line (an interrupted \
            write) is reported and every earlier line kept.
            """)

    @Option(help: "Only entries about this model.", completion: .modelID())
    var model: String?

    @Option(help: ArgumentHelp("Only entries at or after TIME: ISO 8601 (2025-01-31 or 2025-01-31T12:00:00Z) or an age like 30m, 6h, 2d.",
                               valueName: "time"))
    var since: String?

    @Option(help: "Only entries of this type (task, cycle, promote, rollback, add, version, gc, config, lock-takeover).")
    var type: String?

    @Option(help: "Only the newest N entries.")
    var limit: Int?

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var listing: ListingOutputOptions

    func validate() throws {
        if let limit, limit < 0 { throw ValidationError("--limit must be 0 or more") }
        if let since, HistoryTime.parse(since) == nil {
            throw ValidationError("--since \(since): expected an ISO 8601 time (2025-01-31, 2025-01-31T12:00:00Z) or an age (30m, 6h, 2d)")
        }
    }

    func execute() throws {
        let reg = try registry.open()
        let result = try reg.history.read(model: model, since: since.flatMap { HistoryTime.parse($0) },
                                          types: type.map { [HistoryKind(rawValue: $0)] }, limit: limit)
        for problem in result.problems { Console.warn(problem.description) }
        if listing.isTable {
            var table = TextTable(["TIME", "TYPE", "MODEL", "DETAILS"])
            for e in result.entries {
                let details = e.fields.sorted { $0.key < $1.key }.map { "\($0.key)=\(compact($0.value))" }.joined(separator: " ")
                table.add([String(RegistryTime.string(e.time).prefix(19)), e.type.rawValue, e.model ?? "-", String(details.prefix(120))])
            }
            try listing.emit(table.text)
        } else {
            try listing.emit(lines: result.entries.map { try $0.jsonLine() })
        }
    }

    private func compact(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): s
        case .number(let d): formatMetric(d)
        default: (try? JSONCoding.line(value)) ?? "?"
        }
    }
}

/// `--since` values: ISO 8601 times and dates, or ages (`90s`, `30m`, `6h`, `2d`, `1w`).
enum HistoryTime {
    static func parse(_ text: String, now: Date = Date()) -> Date? {
        if let date = RegistryTime.parse(text) { return date }
        if let date = try? Date.ISO8601FormatStyle().year().month().day().parse(text) { return date }
        guard let unit = text.last, let n = Double(text.dropLast()), n >= 0 else { return nil }
        let seconds: Double
        switch unit {
        case "s": seconds = n
        case "m": seconds = n * 60
        case "h": seconds = n * 3600
        case "d": seconds = n * 86400
        case "w": seconds = n * 7 * 86400
        default: return nil
        }
        return now.addingTimeInterval(-seconds)
    }
}
