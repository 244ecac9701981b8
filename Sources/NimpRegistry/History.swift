import Foundation
import NimpCore
import NimpIO

/// What a history line records. Open-ended: the cycle adds its own kinds.
public struct HistoryKind: RawRepresentable, Hashable, Sendable, Codable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public init(from decoder: Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
    public var description: String { rawValue }

    /// One improvement task of a cycle (model, type, versions, metrics, gain, outcome).
    public static let task: HistoryKind = "task"
    /// One cycle (iteration, models improved, gains, signal levels, triggers).
    public static let cycle: HistoryKind = "cycle"
    /// `registry init`.
    public static let initialize: HistoryKind = "init"
    /// A model was added (`registry add`).
    public static let add: HistoryKind = "add"
    /// A new version was stored, not promoted.
    public static let version: HistoryKind = "version"
    public static let promote: HistoryKind = "promote"
    public static let rollback: HistoryKind = "rollback"
    public static let gc: HistoryKind = "gc"
    public static let config: HistoryKind = "config"
    /// A writer took over the lock of a holder that died without releasing it.
    public static let lockTakeover: HistoryKind = "lock-takeover"
    /// A torn last line was cut off before appending.
    public static let repair: HistoryKind = "repair"
}

/// One line of history.jsonl: `{"time": …, "type": …, "model": …, …fields}`.
public struct HistoryEntry: Sendable, Equatable {
    public var time: Date
    public var type: HistoryKind
    public var model: String?
    /// Every other key of the line.
    public var fields: [String: JSONValue]

    public static let reservedKeys: Set<String> = ["time", "type", "model"]

    public init(_ type: HistoryKind, model: String? = nil, time: Date = Date(), fields: [String: JSONValue] = [:]) {
        self.time = time
        self.type = type
        self.model = model
        self.fields = fields.filter { !Self.reservedKeys.contains($0.key) }
    }

    public subscript(key: String) -> JSONValue? {
        get { fields[key] }
        set { fields[key] = newValue }
    }

    /// The line as written (sorted keys, no newline).
    public func jsonLine() throws -> String {
        var object = fields
        object["time"] = .string(RegistryTime.string(time))
        object["type"] = .string(type.rawValue)
        if let model { object["model"] = .string(model) }
        return try JSONCoding.line(JSONValue.object(object))
    }

    public var json: JSONValue {
        var object = fields
        object["time"] = .string(RegistryTime.string(time))
        object["type"] = .string(type.rawValue)
        if let model { object["model"] = .string(model) }
        return .object(object)
    }

    /// Parses one line; nil with a reason when it is not a history entry.
    static func parse(_ line: Data) -> Result<HistoryEntry, LineError> {
        do {
            return parse(try JSONValue(parsing: line))
        } catch {
            return .failure(LineError("\(error)"))
        }
    }

    static func parse(_ value: JSONValue) -> Result<HistoryEntry, LineError> {
        guard var object = value.object else { return .failure(LineError("expected a JSON object")) }
        guard let timeText = object.removeValue(forKey: "time")?.string, let time = RegistryTime.parse(timeText) else {
            return .failure(LineError("missing or invalid \"time\" (an ISO 8601 time)"))
        }
        guard let type = object.removeValue(forKey: "type")?.string, !type.isEmpty else {
            return .failure(LineError("missing \"type\""))
        }
        let model = object.removeValue(forKey: "model")?.string
        return .success(HistoryEntry(HistoryKind(rawValue: type), model: model, time: time, fields: object))
    }
}

/// History: every decision the registry and the cycle made, one JSON line each, in
/// segments (README, "History and state"). Appends go to REGISTRY/history.jsonl; the first
/// append of a new month (UTC) moves it to REGISTRY/history/YYYY-MM.NNN.jsonl.gz. Readers
/// read every segment in order. Nothing a cycle needs reads history: it reads the
/// summary in state/history.json (`HistorySummary`).
public struct History: Sendable {
    /// The current segment, where every append goes.
    public let file: JSONLinesFile
    /// The older segments.
    public let directory: String

    public init(layout: RegistryLayout) {
        file = JSONLinesFile(path: layout.history)
        directory = layout.historySegments
    }

    // MARK: Writing

    /// Appends entries as whole lines. The caller holds the registry lock. A torn last
    /// line (from a crash or a full disk) is cut off first and recorded as a `repair`
    /// entry; the current segment is rotated first when `now` is in a later month than
    /// its first entry.
    public func append(_ entries: [HistoryEntry], failpoint: String = "history", now: Date = Date()) throws {
        let lines = try entries.map { try $0.jsonLine() }
        // Found before rotating, so the repair entry can say which line was cut.
        let tornBefore = try? file.tornTail()
        try rotate(now: now)
        var all = lines
        if let tornBefore {
            let repair = HistoryEntry(.repair, time: now, fields: [
                "file": "history.jsonl", "line": .int(tornBefore.line),
                "message": .string("cut a torn last line before appending"),
            ])
            all.insert(try repair.jsonLine(), at: 0)
        }
        try file.append(all, failpoint: failpoint)
    }

    public func append(_ entry: HistoryEntry, failpoint: String = "history", now: Date = Date()) throws {
        try append([entry], failpoint: failpoint, now: now)
    }

    /// Before an append, under the lock: compresses a segment whose rotation a killed
    /// writer left unfinished, then, if `now` is in a later month than the current
    /// segment's first entry, moves history.jsonl to the segment of that month (never
    /// named earlier than the newest segment, so names sort as they were written).
    /// Steps (failpoints): `history.rotate`, `history.compress.*`, `history.compress.unlink`.
    /// An error puts history.jsonl back; a kill leaves a plain segment the next writer compresses.
    func rotate(now: Date) throws {
        let older = try segments()
        for s in older where !s.gzip { try compress(s) }
        guard let first = firstTime(of: HistoryFile(segment: nil, path: file.path, gzip: false)), Month(now) > Month(first) else { return }
        var month = Month(first)
        if let newest = older.last?.segment.flatMap({ Month($0.month) }), newest > month { month = newest }
        let part = (older.compactMap(\.segment).filter { $0.month == month.text }.map(\.part).max() ?? 0) + 1
        let segment = HistorySegment(month: month.text, part: part)
        _ = try file.cutTornTail()
        if mkdir(directory, 0o755) == 0 {
            try AtomicFile.syncDirectory(URL(fileURLWithPath: directory).deletingLastPathComponent().path)
        } else if errno != EEXIST {
            throw NimpError.io(directory, "cannot create: \(String(cString: strerror(errno)))")
        }
        let plain = HistoryFile(segment: segment, path: directory + "/" + segment.name + ".jsonl", gzip: false)
        try Failpoint.hit("history.rotate", file: plain.path)
        guard rename(file.path, plain.path) == 0 else {
            throw NimpError.io(file.path, "cannot move to \(plain.path): \(String(cString: strerror(errno)))")
        }
        do {
            try AtomicFile.syncDirectory(directory)
            try AtomicFile.syncDirectory(URL(fileURLWithPath: file.path).deletingLastPathComponent().path)
            try compress(plain)
        } catch {
            // A failed write leaves history as it was, unless the rotation was complete.
            if !FileManager.default.fileExists(atPath: file.path), FileManager.default.fileExists(atPath: plain.path) {
                unlink(plain.path + ".gz")
                if rename(plain.path, file.path) == 0 { try? AtomicFile.syncDirectory(directory) }
            }
            throw error
        }
    }

    /// Writes a plain segment's `.jsonl.gz` (unless a finished one is there) and removes the plain file.
    func compress(_ plain: HistoryFile) throws {
        let gz = plain.path + ".gz"
        if !FileManager.default.fileExists(atPath: gz) {
            let input = open(plain.path, O_RDONLY | O_CLOEXEC)
            guard input >= 0 else { throw NimpError.io(plain.path, "cannot open: \(String(cString: strerror(errno)))") }
            defer { close(input) }
            try AtomicFile.write(to: gz, failpoint: "history.compress") { output in try Gzip.compress(from: input, to: output, path: gz) }
        }
        try Failpoint.hit("history.compress.unlink", file: plain.path)
        guard unlink(plain.path) == 0 || errno == ENOENT else {
            throw NimpError.io(plain.path, "cannot remove after compressing: \(String(cString: strerror(errno)))")
        }
        try AtomicFile.syncDirectory(directory)
    }

    /// When a file began: the time of its first entry among its first lines.
    func firstTime(of f: HistoryFile) -> Date? {
        guard let lines = try? HistoryLines(f) else { return nil }
        for _ in 0..<16 {
            guard let line = try? lines.next() else { return nil }
            if case .success(let entry) = HistoryEntry.parse(line.bytes) { return entry.time }
        }
        return nil
    }

    /// Where history ends now, for undoing an append whose operation failed later (gc).
    public struct Mark: Sendable {
        var newest: HistorySegment?
        var size: Int
    }

    public func mark() throws -> Mark {
        Mark(newest: try segments().last?.segment, size: file.size())
    }

    /// Cuts what was appended since `mark` (best effort). A rotation since then stays:
    /// it moved lines, it did not add any.
    public func undo(to mark: Mark) {
        let rotated = (try? segments().last?.segment) != mark.newest
        file.truncate(to: rotated ? 0 : mark.size)
    }

    // MARK: Reading

    /// The older segments, oldest first; a plain one where a rotation is unfinished.
    public func segments() throws -> [HistoryFile] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            if !FileManager.default.fileExists(atPath: directory) { return [] }
            throw NimpError.io(directory, "cannot list: \(error.localizedDescription)")
        }
        var gzip: [HistorySegment: Bool] = [:]
        for name in names {
            // A plain file wins: it is whole, and its .gz may not be.
            if let (segment, compressed) = HistorySegment.parse(fileName: name) { gzip[segment] = (gzip[segment] ?? true) && compressed }
        }
        return gzip.keys.sorted().map { s in
            HistoryFile(segment: s, path: directory + "/" + s.name + (gzip[s]! ? ".jsonl.gz" : ".jsonl"), gzip: gzip[s]!)
        }
    }

    /// Every file, oldest first: the older segments, then history.jsonl.
    func files() throws -> [HistoryFile] {
        try segments() + [HistoryFile(segment: nil, path: file.path, gzip: false)]
    }

    /// Runs `body` over the files of history until no rotation happened while it ran
    /// (a reader never takes the lock; it reads again rather than miss or repeat a segment).
    func consistently<T>(_ body: ([HistoryFile]) throws -> T) throws -> T {
        var attempt = 0
        while true {
            let files = try files()
            let result = try body(files)
            attempt += 1
            if try segments().map(\.segment) == files.dropLast().map(\.segment) || attempt == 3 { return result }
        }
    }

    /// What reading found: the entries (oldest first) and the lines that were skipped.
    public struct ReadResult: Sendable {
        public var entries: [HistoryEntry]
        public var problems: [LineProblem]
    }

    /// Reads history across its segments, newest last. Damaged lines are skipped and
    /// reported; `limit` keeps the newest matching entries (the current segment is read
    /// from its end, older ones only when it has too few); `since` skips the segments
    /// that ended before it; `taskIDs` reads only the lines of those tasks (a set lookup
    /// per line, so a gate over thousands of results reads history once).
    public func read(model: String? = nil, since: Date? = nil, types: Set<HistoryKind>? = nil, limit: Int? = nil,
                     taskIDs: Set<String>? = nil) throws -> ReadResult {
        let modelBytes = model.map { Array($0.utf8) }
        let taskKey = Array(#""task_id""#.utf8)
        func worthParsing(_ bytes: Data) -> Bool {
            if let modelBytes, !bytes.contains(bytes: modelBytes) { return false }
            if let taskIDs {
                if let id = bytes.plainStringValue(of: taskKey) { return taskIDs.contains(id) }
                // No task_id, or one written with escapes: parse to be sure.
                if !bytes.contains(bytes: taskKey) { return false }
            }
            return true
        }
        func wanted(_ entry: HistoryEntry) -> Bool {
            if let model, entry.model != model { return false }
            if let taskIDs, !(entry["task_id"]?.string.map { taskIDs.contains($0) } ?? false) { return false }
            if let types, !types.contains(entry.type) { return false }
            if let since, entry.time < since { return false }
            return true
        }
        return try consistently { files in
            var found: [(entries: [HistoryEntry], problems: [LineProblem])] = []
            var count = 0
            for (i, f) in files.enumerated().reversed() {
                if let limit, count >= limit { break }
                // Every entry of a segment was written before the next file's first one (a
                // day allowed for clocks and lock waits): older segments ended before `since`.
                if let since, f.segment != nil, let next = firstTime(of: files[i + 1]), next.addingTimeInterval(86400) <= since { break }
                let need = limit.map { $0 - count }
                var entries: [HistoryEntry] = [], problems: [LineProblem] = []
                func take(_ number: Int, _ bytes: Data) {
                    guard worthParsing(bytes) else { return }
                    switch HistoryEntry.parse(bytes) {
                    case .failure(let reason): problems.append(LineProblem(file: f.path, line: number, message: reason.reason))
                    case .success(let entry): if wanted(entry) { entries.append(entry) }
                    }
                }
                if f.segment != nil {
                    var lines: HistoryLines?
                    do {
                        lines = try HistoryLines(f)
                        while let line = try lines!.next() {
                            guard !line.isBlank else { continue }
                            take(line.number, line.bytes)
                            if let need, entries.count >= 2 * need + 64 { entries.removeFirst(entries.count - need) }
                        }
                        problems += lines!.torn.map { [$0] } ?? []
                    } catch let error as NimpError where error.kind != .ioError {
                        problems.append(HistoryLines.damage(error, f, after: lines))
                    }
                    if let need, entries.count > need { entries.removeFirst(entries.count - need) }
                } else {
                    // From the end: the newest entries without parsing the rest.
                    let contents = try JSONLinesFile(path: f.path).read()
                    problems += contents.torn.map { [$0] } ?? []
                    for (number, text) in contents.lines.reversed() {
                        if let need, entries.count >= need { break }
                        take(number, Data(text.utf8))
                    }
                    entries.reverse()
                }
                count += entries.count
                found.append((entries, problems.sorted { $0.line < $1.line }))
            }
            return ReadResult(entries: found.reversed().flatMap(\.entries), problems: found.reversed().flatMap(\.problems))
        }
    }

    /// The newest entry of a kind (e.g. the last cycle), scanning from the end.
    public func last(_ type: HistoryKind) throws -> HistoryEntry? {
        try read(types: [type], limit: 1).entries.last
    }

    /// What `scan` found besides the entries.
    public struct Scan: Sendable {
        /// Damaged and torn lines.
        public var problems: [LineProblem] = []
        /// Complete, non-blank lines read.
        public var lines = 0
        /// Where history ends now.
        public var end = HistoryPosition()
    }

    /// Reads every line after `position` (all of history when nil), oldest first, in
    /// bounded memory, folding each entry into `state` with `body`. Nil when `position`
    /// is no place in this history (a segment it names is gone, or the line before it
    /// is not the one it recorded): the caller reads everything instead.
    public func scan<State>(after position: HistoryPosition? = nil, into state: State,
                            _ body: (inout State, HistoryEntry) -> Void) throws -> (state: State, scan: Scan)? {
        try consistently { files in
            var start = 0
            if let name = position?.segment {
                guard let i = files.dropLast().firstIndex(where: { $0.segment?.name == name }) else { return nil }
                start = i + 1
            }
            var state = state, scan = Scan()
            var last: HistoryLines.Line?
            for (i, f) in files.enumerated() where i >= start {
                let lines: HistoryLines
                if i == start, let position, position.offset > 0 {
                    // Resume: the line that ends at the offset must be the one recorded there.
                    guard let tail = position.tail, position.offset > tail.bytes else { return nil }
                    lines = f.gzip ? try HistoryLines(f) : try HistoryLines(f, from: position.offset - tail.bytes - 1, number: position.lines - 1)
                    var resumed = false
                    while let line = try lines.next(), line.end <= position.offset {
                        if line.end == position.offset {
                            resumed = line.bytes.count == tail.bytes && SHA256.hex(line.bytes) == tail.sha256
                            last = line
                            break
                        }
                    }
                    guard resumed else { return nil }
                } else {
                    do {
                        lines = try HistoryLines(f)
                    } catch let error as NimpError where error.kind != .ioError {
                        scan.problems.append(HistoryLines.damage(error, f, after: nil))
                        continue
                    }
                    last = nil
                }
                do {
                    while let line = try lines.next() {
                        last = line
                        guard !line.isBlank else { continue }
                        scan.lines += 1
                        switch HistoryEntry.parse(line.bytes) {
                        case .failure(let reason): scan.problems.append(LineProblem(file: f.path, line: line.number, message: reason.reason))
                        case .success(let entry): body(&state, entry)
                        }
                    }
                    if let torn = lines.torn { scan.problems.append(torn) }
                } catch let error as NimpError where error.kind != .ioError {
                    // A damaged segment is reported, and the ones after it are still read.
                    scan.problems.append(HistoryLines.damage(error, f, after: lines))
                }
            }
            scan.end = HistoryPosition(segment: files.dropLast().last?.segment?.name, offset: last?.end ?? 0, lines: last?.number ?? 0,
                                       tail: last.map { .init(bytes: $0.bytes.count, sha256: SHA256.hex($0.bytes)) })
            return (state, scan)
        }
    }
}

/// A place in history: just past a line of the file that was current when it was taken.
public struct HistoryPosition: Sendable, Equatable {
    /// The newest older segment then (nil: there was none); the file after it is where `offset` lies.
    public var segment: String?
    /// Bytes of that file read, up to the end of a line, and the number of that line.
    public var offset = 0
    public var lines = 0
    /// That line's length (without its newline) and sha256: proof the offset is where it was.
    public var tail: Tail?

    public struct Tail: Sendable, Equatable {
        public var bytes: Int
        public var sha256: String
    }
}

/// Why a line was not understood.
struct LineError: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
