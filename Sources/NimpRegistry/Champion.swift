import Foundation
import NimpCore
import NimpIO

/// One change of champion, as recorded in models/ID/champion.log.
public struct ChampionChange: Equatable, Sendable {
    public enum Action: String, Sendable {
        case promote
        case rollback
    }

    public var time: Date
    public var action: Action
    public var from: Int?
    public var to: Int
    public var reason: String

    public init(time: Date = Date(), action: Action, from: Int?, to: Int, reason: String) {
        self.time = time
        self.action = action
        self.from = from
        self.to = to
        self.reason = reason
    }

    func jsonLine() throws -> String {
        var o: [String: JSONValue] = [
            "time": .string(RegistryTime.string(time)), "action": .string(action.rawValue),
            "to": .int(to), "reason": .string(reason),
        ]
        o["from"] = from.map { .int($0) } ?? .null
        return try JSONCoding.line(JSONValue.object(o))
    }

    static func parse(_ line: Substring) -> ChampionChange? {
        guard let v = try? JSONValue(parsing: Data(line.utf8)),
              let time = v["time"]?.string.flatMap(RegistryTime.parse),
              let action = v["action"]?.string.flatMap(Action.init(rawValue:)),
              let to = v["to"]?.int
        else { return nil }
        return ChampionChange(time: time, action: action, from: v["from"]?.int, to: to, reason: v["reason"]?.string ?? "")
    }
}

/// The champion of a model: `models/ID/champion` holds one line (`v0003`), replaced
/// atomically; it is the truth readers use.
///
/// Previous champions, for rollback, come from `models/ID/champion.log`: every change
/// is appended there (from, to, reason) *before* the pointer is replaced. A kill
/// between the two leaves a log entry that never took effect; it is recognised
/// because the next entry (or, for the last one, the pointer) does not start from its
/// `to`, and ignored. Replaying the committed entries gives the stack of champions:
/// a promotion pushes, a rollback pops.
public struct ChampionStore: Sendable {
    /// The model's directory (models/ID, or a staging directory while adding).
    public let directory: String

    public init(layout: RegistryLayout, model: String) {
        directory = layout.model(model)
    }

    init(directory: String) {
        self.directory = directory
    }

    var pointerPath: String { directory + "/champion" }
    var log: JSONLinesFile { JSONLinesFile(path: directory + "/champion.log") }

    /// The champion version; nil when the model has none. A damaged pointer is exit 65.
    public func current() throws -> Int? {
        guard let data = FileManager.default.contents(atPath: pointerPath) else {
            if FileManager.default.fileExists(atPath: pointerPath) {
                throw NimpError.io(pointerPath, "cannot read")
            }
            return nil
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let version = VersionName.parse(text) else {
            throw NimpError.data(pointerPath, "line 1", "expected a version like v0003, found \(String(reflecting: String(text.prefix(40))))")
        }
        return version
    }

    /// Champions from the first to the current (the last element); rollback returns to
    /// the element before the last.
    public func stack() throws -> [Int] {
        let pointer = try current()
        let contents = try log.read()
        let changes = contents.lines.compactMap { ChampionChange.parse($0.text) }
        var stack: [Int] = []
        for (i, change) in changes.enumerated() {
            let committed = i + 1 < changes.count ? changes[i + 1].from == change.to : pointer == change.to
            guard committed else { continue }
            switch change.action {
            case .promote:
                stack.append(change.to)
            case .rollback:
                if !stack.isEmpty { stack.removeLast() }
                if stack.last != change.to { stack.append(change.to) }
            }
        }
        // A log edited by hand or lost: the pointer wins.
        if let pointer, stack.last != pointer { stack.append(pointer) }
        if pointer == nil { stack.removeAll() }
        return stack
    }

    /// Problems with champion.log lines (for verify); a torn last line included.
    func logProblems() throws -> [LineProblem] {
        let contents = try log.read()
        var problems = contents.lines.compactMap { line in
            ChampionChange.parse(line.text) == nil ? LineProblem(file: log.path, line: line.number, message: "not a champion change") : nil
        }
        if let torn = contents.torn { problems.append(torn) }
        return problems
    }

    /// Makes `change.to` the champion: logs the change, then replaces the pointer. The
    /// caller holds the lock. On an error the old champion and log are put back. The
    /// returned undo does the same when a later step of the operation fails.
    /// Failpoints: `STEP.log.*`, `STEP.pointer-begin`, `STEP.pointer.*` (STEP e.g. `promote`).
    @discardableResult
    public func commit(_ change: ChampionChange, failpoint step: String) throws -> ChampionUndo {
        // The old pointer is written aside first, so putting it back is a rename that
        // needs no free space: the undo runs when the disk has just filled up.
        let prepared = try change.from.map { try ChampionUndo.prepare(VersionName.label($0) + "\n", next: pointerPath) }
        let undo = ChampionUndo(store: self, previous: change.from, logSize: log.size(), prepared: prepared)
        do {
            try log.append([try change.jsonLine()], failpoint: step + ".log")
        } catch {
            undo.discard()
            throw error
        }
        do {
            try Failpoint.hit(step + ".pointer-begin", file: pointerPath)
            try AtomicFile.write(Data((VersionName.label(change.to) + "\n").utf8), to: pointerPath, failpoint: step + ".pointer")
        } catch {
            undo.run()
            throw error
        }
        return undo
    }
}

/// Puts back the champion a `commit` replaced (best effort: used on the error path), or,
/// once the operation has succeeded, discards what it kept for that.
public struct ChampionUndo: Sendable {
    let store: ChampionStore
    let previous: Int?
    let logSize: Int
    /// A temporary next to the pointer holding the old pointer's bytes.
    let prepared: String?

    public func run() {
        if (try? store.current()) != previous {
            if previous != nil {
                if let prepared, rename(prepared, store.pointerPath) == 0 {
                    _ = try? AtomicFile.syncDirectory(URL(fileURLWithPath: store.pointerPath).deletingLastPathComponent().path)
                } else if let previous {
                    try? AtomicFile.write(Data((VersionName.label(previous) + "\n").utf8), to: store.pointerPath, failpoint: "undo.pointer")
                }
            } else {
                unlink(store.pointerPath)
            }
        }
        discard()
        store.log.truncate(to: logSize)
    }

    /// The change stands: the kept copy is not needed.
    public func discard() {
        if let prepared { unlink(prepared) }
    }

    /// Writes `text` to a fresh temporary next to `path` (fsynced, not renamed).
    static func prepare(_ text: String, next path: String) throws -> String {
        let tmp = Temporaries.name(for: path + ".undo")
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let e = errno
            throw NimpError(e == ENOSPC || e == EIO ? .ioError : .cannotCreate, "\(tmp): cannot create file: \(String(cString: strerror(e)))")
        }
        defer { close(fd) }
        do {
            try AtomicFile.writeAll(Data(text.utf8), to: fd, path: tmp)
            guard fsync(fd) == 0 else { throw NimpError.io(tmp, "fsync failed: \(String(cString: strerror(errno)))") }
        } catch {
            unlink(tmp)
            throw error
        }
        return tmp
    }
}
