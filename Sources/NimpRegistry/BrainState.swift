import Foundation
import NimpCore
import NimpIO

/// The "brain state" `status` shows and a cycle senses: the registry's models and
/// champions, its last cycle, the lock holder, signal levels, settings, the machine.
public struct BrainState: Sendable {
    public var registry: String
    public var models: Int
    public var versions: Int
    /// Champion version by model (nil: none).
    public var champions: [String: Int?]
    public var lastCycle: HistoryEntry?
    public var cycles: Int
    public var lastEntry: HistoryEntry?
    /// The recorded lock holder, and whether it still runs (on another host: whether its lease runs).
    public var lock: (holder: LockHolder, alive: Bool?)?
    public var signals: [String: Double]
    public var config: RegistryConfig
    public var machine: MachineState
    /// Tasks queued for the next cycle (`nimp task add`), oldest first.
    public var queued: [QueuedTask] = []
    /// What could not be read (status still reports the rest).
    public var warnings: [String]

    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "registry": .string(registry), "models": .int(models), "versions": .int(versions),
            "champions": .object(champions.mapValues { $0.map { .int($0) } ?? .null }),
            "cycles": .int(cycles), "signals": .metrics(signals), "config": config.json, "machine": machine.json,
        ]
        o["queued"] = .array(queued.map(\.json))
        o["last_cycle"] = lastCycle?.json ?? .null
        o["last_entry"] = lastEntry?.json ?? .null
        if let lock {
            var l: [String: JSONValue] = [
                "pid": .int(Int(lock.holder.pid)), "host": .string(lock.holder.host),
                "started": .string(lock.holder.started), "command": .string(lock.holder.command),
            ]
            l["alive"] = lock.alive.map { .bool($0) } ?? .null
            l["expires"] = lock.holder.expires.map { .string($0) } ?? .null
            o["lock"] = .object(l)
        } else {
            o["lock"] = .null
        }
        return .object(o)
    }
}

extension Registry {
    /// Reads the brain state without locking; damaged parts become warnings.
    public func brainState() -> BrainState {
        var warnings: [String] = []
        func attempt<T>(_ body: () throws -> T) -> T? {
            do { return try body() } catch let error as NimpError {
                warnings.append(error.message)
            } catch { warnings.append("\(error)") }
            return nil
        }
        let ids = attempt { try modelIDs() } ?? []
        var champions: [String: Int?] = [:]
        var versions = 0
        for id in ids {
            champions[id] = attempt { try self.champions(id).current() } ?? nil
            versions += VersionIndex(layout: layout, model: id).archiveVersions().count
        }
        let holder = lockHolder()
        let queue = attempt { try queuedTasks() }
        warnings += queue?.problems ?? []
        let summary = attempt { try historySummary().summary }
        var state = BrainState(
            registry: root, models: ids.count, versions: versions, champions: champions,
            lastCycle: summary?.lastCycle, cycles: summary?.cycles ?? 0, lastEntry: summary?.lastEntry,
            lock: holder.map { ($0, $0.isAlive) },
            signals: attempt { try signals().levels } ?? [:],
            config: attempt { try config() } ?? RegistryConfig(),
            machine: MachineState.read(path: root),
            warnings: warnings)
        state.queued = queue?.tasks ?? []
        return state
    }
}
