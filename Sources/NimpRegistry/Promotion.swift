import Foundation
import NimpCore
import NimpIO

/// What a promotion or rollback changed.
public struct ChampionChangeResult: Sendable, Equatable {
    public var model: String
    public var from: Int?
    public var to: Int
    /// False when `to` already was the champion (nothing was written).
    public var changed: Bool
}

extension Registry {
    /// Makes `version` the champion of model `id`. The archive is read and checked
    /// first (exit 65 when damaged). `history` entries (e.g. the cycle's task line) are
    /// appended with the promote entry; `fields` go into the promote entry.
    ///
    /// Steps (failpoints): `promote.begin`, `promote.log.{write,fsync}`,
    /// `promote.pointer-begin`, `promote.pointer.{create,write,fsync,rename,fsync-dir}`,
    /// `promote.history.{write,fsync}`, `promote.done`. A crash at any step leaves the
    /// old or the new champion; an error at any step leaves the old one.
    @discardableResult
    public func promote(_ id: String, version: Int, reason: String, fields: [String: JSONValue] = [:],
                        history extra: [HistoryEntry] = []) throws -> ChampionChangeResult
    {
        try withLock {
            let store = champions(id)
            let current = try store.current()
            _ = try archive(id, version: version)
            guard current != version else {
                return ChampionChangeResult(model: id, from: current, to: version, changed: false)
            }
            try Failpoint.hit("promote.begin", file: layout.champion(id))
            let undo = try store.commit(ChampionChange(action: .promote, from: current, to: version, reason: reason), failpoint: "promote")
            var entry = HistoryEntry(.promote, model: id, fields: fields)
            entry["from"] = current.map { .int($0) } ?? .null
            entry["to"] = .int(version)
            entry["reason"] = .string(reason)
            do {
                try history.append(extra + [entry], failpoint: "promote.history")
            } catch {
                undo.run()
                throw error
            }
            undo.discard()
            try Failpoint.hit("promote.done", file: layout.champion(id))
            return ChampionChangeResult(model: id, from: current, to: version, changed: true)
        }
    }

    /// Makes the previous champion of `id` the champion again (exit 1 when there is
    /// none). Steps as for promote, named `rollback.*`.
    @discardableResult
    public func rollback(_ id: String, reason: String, fields: [String: JSONValue] = [:]) throws -> ChampionChangeResult {
        try withLock {
            let store = champions(id)
            let stack = try store.stack()
            guard let current = stack.last else {
                throw NimpError(.failure, "\(layout.champion(id)): model \(id) has no champion to roll back",
                                hint: "promote a version with `nimp registry promote \(id) VERSION`")
            }
            guard stack.count >= 2 else {
                throw NimpError(.failure, "\(layout.championLog(id)): model \(id) has no previous champion; \(VersionName.label(current)) is its first",
                                hint: "promote another version with `nimp registry promote \(id) VERSION`")
            }
            let target = stack[stack.count - 2]
            _ = try archive(id, version: target)
            try Failpoint.hit("rollback.begin", file: layout.champion(id))
            let undo = try store.commit(ChampionChange(action: .rollback, from: current, to: target, reason: reason), failpoint: "rollback")
            var entry = HistoryEntry(.rollback, model: id, fields: fields)
            entry["from"] = .int(current)
            entry["to"] = .int(target)
            entry["reason"] = .string(reason)
            do {
                try history.append(entry, failpoint: "rollback.history")
            } catch {
                undo.run()
                throw error
            }
            undo.discard()
            try Failpoint.hit("rollback.done", file: layout.champion(id))
            return ChampionChangeResult(model: id, from: current, to: target, changed: true)
        }
    }

    /// After a takeover: a champion change that a dead writer committed (its
    /// champion.log entry and the pointer agree) but whose history line it did not live
    /// to write gets that line now, with the change's own time and `"recovered": true`.
    func recoverChampionHistory() throws {
        var recorded: HistorySummary?
        var missing: [HistoryEntry] = []
        for id in (try? modelDirectories()) ?? [] where !id.hasPrefix(".") {
            let store = champions(id)
            guard let pointer = try? store.current(), let log = try? store.log.read(),
                  let last = log.lines.last.flatMap({ ChampionChange.parse($0.text) }), last.to == pointer
            else { continue }
            // The summary knows each model's last recorded champion change, without reading history.
            if recorded == nil { recorded = try historySummary().summary }
            if let change = recorded!.models[id]?.champion, change.time >= last.time, change.version == last.to { continue }
            var entry = HistoryEntry(last.action == .promote ? .promote : .rollback, model: id, time: last.time)
            entry["from"] = last.from.map { .int($0) } ?? .null
            entry["to"] = .int(last.to)
            entry["reason"] = .string(last.reason)
            entry["recovered"] = .bool(true)
            entry["message"] = .string("the writer that made this change was killed before recording it; recovered from champion.log")
            missing.append(entry)
        }
        if !missing.isEmpty { try history.append(missing, failpoint: "history.recover") }
    }
}
