import Foundation
import NimpIO

/// The machine as the cycle senses it: load, memory and disk under the registry.
/// Values that cannot be read are nil.
public struct MachineState: Sendable, Equatable {
    /// 1, 5 and 15 minute load averages (/proc/loadavg).
    public var loadAverage: [Double]?
    public var cpus: Int
    /// MemAvailable and MemTotal from /proc/meminfo, in bytes.
    public var memoryAvailableBytes: Int?
    public var memoryTotalBytes: Int?
    /// Free space (for unprivileged users) and size of the filesystem holding `path`.
    public var diskFreeBytes: Int?
    public var diskTotalBytes: Int?

    /// Reads the current state; `path` is where disk space is measured.
    public static func read(path: String) -> MachineState {
        let meminfo = readText("/proc/meminfo").map(parseMeminfo) ?? [:]
        var fs = statvfs()
        let hasFS = statvfs(path, &fs) == 0
        return MachineState(
            loadAverage: readText("/proc/loadavg").map(parseLoadAverage),
            cpus: ProcessInfo.processInfo.activeProcessorCount,
            memoryAvailableBytes: meminfo["MemAvailable"],
            memoryTotalBytes: meminfo["MemTotal"],
            diskFreeBytes: hasFS ? Int(fs.f_bavail) * Int(fs.f_frsize) : nil,
            diskTotalBytes: hasFS ? Int(fs.f_blocks) * Int(fs.f_frsize) : nil)
    }

    static func readText(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// `0.52 0.58 0.59 1/467 12345` → [0.52, 0.58, 0.59].
    static func parseLoadAverage(_ text: String) -> [Double] {
        Array(text.split(separator: " ").prefix(3).compactMap { Double($0) })
    }

    /// `MemAvailable:   12345 kB` lines → bytes by name.
    static func parseMeminfo(_ text: String) -> [String: Int] {
        var values: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == ":" || $0 == " " })
            guard parts.count >= 2, let n = Int(parts[1]) else { continue }
            values[String(parts[0])] = parts.count >= 3 && parts[2] == "kB" ? n * 1024 : n
        }
        return values
    }

    public var json: JSONValue {
        var o: [String: JSONValue] = ["cpus": .int(cpus)]
        if let loadAverage { o["load_average"] = .array(loadAverage.map { .number($0) }) }
        if let memoryAvailableBytes { o["memory_available_bytes"] = .int(memoryAvailableBytes) }
        if let memoryTotalBytes { o["memory_total_bytes"] = .int(memoryTotalBytes) }
        if let diskFreeBytes { o["disk_free_bytes"] = .int(diskFreeBytes) }
        if let diskTotalBytes { o["disk_total_bytes"] = .int(diskTotalBytes) }
        return .object(o)
    }
}
