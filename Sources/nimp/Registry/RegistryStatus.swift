import ArgumentParser
import Foundation
import NimpCore
import NimpIO
import NimpRegistry

struct RegistryStatus: NimpCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the brain state: models, champions, last cycle, lock holder, signals, machine, settings.",
        discussion: """
            One JSON object (indented on a terminal): registry, models, versions, champions, \
            cycles, queued (tasks from `nimp task add`), last_cycle, last_entry, lock (pid, host, started, command, expires, alive), signals, \
            config, machine (load_average, memory_available_bytes, disk_free_bytes under the registry).
            """)

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var listing: ListingOutputOptions

    func execute() throws {
        let reg = try registry.open()
        let state = reg.brainState()
        for warning in state.warnings { Console.warn(warning) }
        if listing.isTable {
            try listing.emit(humanReadable(state))
        } else {
            try listing.emit(try JSONCoding.line(state.json) + "\n")
        }
    }

    private func humanReadable(_ s: BrainState) -> String {
        var lines: [String] = []
        lines.append("registry   \(s.registry)")
        let champions = s.champions.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.map(VersionName.label) ?? "-")" }
        lines.append("models     \(s.models) (\(s.versions) versions)" + (champions.isEmpty ? "" : ": " + champions.joined(separator: " ")))
        if let c = s.lastCycle {
            lines.append("last cycle \(RegistryTime.string(c.time)) (\(s.cycles) cycles in history)")
        } else {
            lines.append("last cycle none yet")
        }
        lines.append("queued     " + (s.queued.isEmpty ? "none" : s.queued.map { "\($0.kind) for \($0.model) (\($0.id))" }.joined(separator: ", ")))
        if let lock = s.lock {
            let state = lock.alive == false ? "not running: the next writer takes the lock over" : "running"
            lines.append("lock       held by \(lock.holder.summary), \(state)")
        } else {
            lines.append("lock       free")
        }
        let signals = s.signals.sorted { $0.key < $1.key }.map { "\($0.key)=\(formatMetric($0.value))" }
        lines.append("signals    " + (signals.isEmpty ? "none yet" : signals.joined(separator: " ")))
        let m = s.machine
        if let load = m.loadAverage { lines.append("load       " + load.map { String(format: "%.2f", $0) }.joined(separator: " ") + " (\(m.cpus) cpus)") }
        if let available = m.memoryAvailableBytes { lines.append("memory     \(bytes(available)) available of \(m.memoryTotalBytes.map(bytes) ?? "?")") }
        if let free = m.diskFreeBytes { lines.append("disk       \(bytes(free)) free of \(m.diskTotalBytes.map(bytes) ?? "?") under the registry") }
        for key in RegistryConfig.keys {
            lines.append("config     \(key.name) = \(describe(s.config.value(key)))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func bytes(_ n: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(n)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return String(format: unit == 0 ? "%.0f %@" : "%.1f %@", value, units[unit])
    }
}

/// A setting's value as people write it: 300, 0.1, true.
func describe(_ value: JSONValue) -> String {
    switch value {
    case .bool(let b): String(b)
    case .int(let i): String(i)
    case .number(let d): formatMetric(d)
    case .string(let s): s
    default: (try? JSONCoding.line(value)) ?? "?"
    }
}
