import ArgumentParser
import NimpCore
import NimpIO
import NimpRegistry

struct RegistrySignals: NimpCommand {
    static let configuration = CommandConfiguration(
        commandName: "signals",
        abstract: "Show the signal levels (dopamine, cortisol, growth, serotonin) and their recent history.",
        discussion: """
            JSON lines unless stdout is a terminal: the recent snapshots oldest first \
            ({"time", "levels", "note"}), then the current levels ({"current": true, …}).
            """)

    @Option(help: "Snapshots of history to show.")
    var limit: Int = 10

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var listing: ListingOutputOptions

    func execute() throws {
        let reg = try registry.open()
        let signals = try reg.signals()
        let recent = signals.history.suffix(max(0, limit))
        if listing.isTable {
            let names = Set(signals.levels.keys).union(recent.flatMap(\.levels.keys)).sorted()
            if names.isEmpty {
                try listing.emit("no signal levels yet (a cycle sets them)\n")
                return
            }
            var table = TextTable(["TIME"] + names.map { $0.uppercased() }, rightAligned: Set(1...names.count))
            for s in recent {
                table.add([String(RegistryTime.string(s.time).prefix(19))] + names.map { s.levels[$0].map(formatMetric) ?? "-" })
            }
            table.add(["now"] + names.map { signals.levels[$0].map(formatMetric) ?? "-" })
            try listing.emit(table.text)
        } else {
            var lines = try recent.map { s -> String in
                var o: [String: JSONValue] = ["time": .string(RegistryTime.string(s.time)), "levels": .metrics(s.levels)]
                if let note = s.note { o["note"] = note }
                return try JSONCoding.line(JSONValue.object(o))
            }
            var current: [String: JSONValue] = ["current": true, "levels": .metrics(signals.levels)]
            current["time"] = signals.updated.map { .string(RegistryTime.string($0)) } ?? .null
            lines.append(try JSONCoding.line(JSONValue.object(current)))
            try listing.emit(lines: lines)
        }
    }
}
