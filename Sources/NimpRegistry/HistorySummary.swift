import Foundation
import NimpCore
import NimpIO

/// REGISTRY/state/history.json: what a cycle needs from history, so that no cycle reads
/// history however long it grows (README, "History and state"): the number of cycles, the
/// last cycle and the last entry, and per model the counters the planner, the gate and
/// takeover recovery read.
///
/// It is a fold of history, entry after entry (`apply`), and records where in history it
/// stands (`position`): a reader folds in only the lines appended since it was saved.
/// One that is missing (a registry of an earlier release), damaged, or at no place in this
/// history is built again from all of history. Writers that hold the lock save it
/// (`Registry.recordHistorySummary`); `registry verify` checks it against history.
public struct HistorySummary: Sendable, Equatable {
    public static let format = "nimp-history-summary"
    /// 2 added what the planner learns (`ModelHistory.learned`, `pools`); a version-1
    /// file is built again from history, as a missing one is.
    public static let formatVersion = 2

    /// Where in history the summary stands.
    public var position = HistoryPosition()
    public var cycles = 0
    public var lastCycle: HistoryEntry?
    public var lastEntry: HistoryEntry?
    public var models: [String: ModelHistory] = [:]
    /// What tasks of each kind paid on models of alike features (`GainStats.pool`), for
    /// models with little history of their own: "FEATURES TYPE" → stats.
    public var pools: [String: GainStats] = [:]

    public init() {}

    /// Folds in the next entry of history.
    public mutating func apply(_ entry: HistoryEntry) {
        lastEntry = entry
        if entry.type == .cycle {
            cycles += 1
            lastCycle = entry
        }
        if let id = entry.model { models[id, default: ModelHistory()].apply(entry) }
        if entry.type == .task, let type = entry["task_type"]?.string, let outcome = GainStats.outcome(entry) {
            pools[GainStats.pool(ModelFeatures(before: entry["before"]), type), default: GainStats()].add(outcome, forgetting: GainStats.poolForgetting)
        }
        if entry.type == .gc, let removed = entry["removed"]?.object {
            // A removed version never comes back (numbers are not reused): no champion can be one.
            for (id, versions) in removed {
                models[id]?.cycleVersions.subtract(versions.array?.compactMap(\.int) ?? [])
            }
        }
    }
}

/// One model's part of the summary.
public struct ModelHistory: Sendable, Equatable {
    /// When history last mentioned the model (the planner's idle boost).
    public var lastTime: Date?
    /// Times its eval or audit set was replaced (seeds the next regenerated set).
    public var refreshes = 0
    /// Versions that cycle tasks made: only those record the registry's training set (fresh data).
    public var cycleVersions: Set<Int> = []
    /// By task type: recent gains (plateau) and candidates not promoted in a row (backoff).
    public var tasks: [String: TaskTypeHistory] = [:]
    /// Gate decisions by eval set, the set decided on most recently last.
    public var evals: [EvalDecisions] = []
    /// The last promote, rollback or add that set a champion: what takeover recovery compares champion.log with.
    public var champion: ChampionRecord?
    /// By task type: held-out gain and CPU-seconds of its tasks (the learning planner).
    public var learned: [String: GainStats] = [:]

    /// The planner's plateau needs the last 2 training gains (`PlanningContext.plateauLength`).
    public static let gainsKept = 4
    /// Eval sets whose decisions are counted; a set used again after more than this many
    /// others starts from zero.
    public static let evalSetsKept = 4

    public init() {}

    public struct TaskTypeHistory: Sendable, Equatable {
        public var gains: [Double] = []
        public var rejections = 0
    }

    public struct EvalDecisions: Sendable, Equatable {
        public var sha256: String
        public var decisions = 0
        public var promotions = 0
    }

    public struct ChampionRecord: Sendable, Equatable {
        public var time: Date
        public var version: Int
    }

    mutating func apply(_ e: HistoryEntry) {
        lastTime = e.time
        switch e.type {
        case .refresh:
            refreshes += 1
        case .promote, .rollback, .add:
            if let v = e["to"]?.int ?? e["champion"]?.int { champion = ChampionRecord(time: e.time, version: v) }
        case .task:
            if let v = e["candidate"]?.int { cycleVersions.insert(v) }
            if let type = e["task_type"]?.string {
                if let outcome = GainStats.outcome(e) { learned[type, default: GainStats()].add(outcome, forgetting: GainStats.modelForgetting) }
                var t = tasks[type, default: TaskTypeHistory()]
                if let gain = e["gain"]?.double { t.gains = Array((t.gains + [gain]).suffix(Self.gainsKept)) }
                t.rejections = e["promoted"]?.bool == true ? 0 : t.rejections + 1
                tasks[type] = t
            }
            // A decision is a promotion or a rejection; a failed task decided nothing.
            let outcome = e["outcome"]?.string
            if let sha = e["eval_sha256"]?.string, outcome == "promoted" || outcome == "rejected" {
                var d = evals.first { $0.sha256 == sha } ?? EvalDecisions(sha256: sha)
                evals.removeAll { $0.sha256 == sha }
                d.decisions += 1
                if outcome == "promoted" { d.promotions += 1 }
                evals.append(d)
                if evals.count > Self.evalSetsKept { evals.removeFirst() }
            }
        default:
            break
        }
    }

    /// Gate decisions taken on the eval set with this sha256, and the promotions among them.
    public func decisions(onEval sha256: String) -> (decisions: Int, promotions: Int) {
        evals.first { $0.sha256 == sha256 }.map { ($0.decisions, $0.promotions) } ?? (0, 0)
    }

    public func recentGains(_ type: String) -> [Double] { tasks[type]?.gains ?? [] }
    public func rejections(_ type: String) -> Int { tasks[type]?.rejections ?? 0 }
}

/// What tasks of one kind gained on held-out data and cost in CPU, summed with
/// exponential forgetting (each new task first scales the sums down), so a model that
/// stops paying off is noticed and the sums stay bounded. The gain of a task is what its
/// gate promoted (0 for a rejected or failed task); its cost the CPU-seconds it took.
public struct GainStats: Sendable, Equatable {
    /// Tasks counted (a weight, after forgetting).
    public var tasks = 0.0
    public var gain = 0.0
    public var gainSquared = 0.0
    public var cpuSeconds = 0.0

    /// Each new task of a model and kind scales the earlier ones by this (memory ≈ 5 tasks):
    /// a model changes as it improves.
    public static let modelForgetting = 0.8
    /// Pools see many models' tasks: a longer memory (≈ 50 tasks).
    public static let poolForgetting = 0.98
    /// A gain counts at most this much, so one hostile line cannot dominate.
    static let maxGain = 10.0

    public init(tasks: Double = 0, gain: Double = 0, gainSquared: Double = 0, cpuSeconds: Double = 0) {
        self.tasks = tasks
        self.gain = gain
        self.gainSquared = gainSquared
        self.cpuSeconds = cpuSeconds
    }

    /// A task line's realized gain and CPU-seconds (wall seconds where CPU was not
    /// recorded); nil for a line that records neither outcome nor time.
    static func outcome(_ e: HistoryEntry) -> (gain: Double, cpu: Double)? {
        guard let outcome = e["outcome"]?.string else { return nil }
        let g = outcome == "promoted" ? min(maxGain, max(0, e["gain"]?.double ?? 0)) : 0
        let c = e["cpu_seconds"]?.double ?? e["seconds"]?.double ?? 0
        return (g.isFinite ? g : 0, c.isFinite ? min(1e7, max(0, c)) : 0)
    }

    mutating func add(_ o: (gain: Double, cpu: Double), forgetting k: Double) {
        tasks = tasks * k + 1
        gain = gain * k + o.gain
        gainSquared = gainSquared * k + o.gain * o.gain
        cpuSeconds = cpuSeconds * k + o.cpu
    }

    /// The key of the pool of `features` models' tasks of `type`.
    public static func pool(_ features: ModelFeatures, _ type: String) -> String { features.key + " " + type }

    var json: JSONValue {
        .object(["tasks": .number(tasks), "gain": .number(gain), "gain_squared": .number(gainSquared), "cpu_seconds": .number(cpuSeconds)])
    }

    init?(json: JSONValue) {
        guard let o = json.object, let t = o["tasks"]?.double, let g = o["gain"]?.double, let g2 = o["gain_squared"]?.double,
              let c = o["cpu_seconds"]?.double, [t, g, g2, c].allSatisfy({ $0.isFinite && $0 >= 0 }) else { return nil }
        self.init(tasks: t, gain: g, gainSquared: g2, cpuSeconds: c)
    }
}

/// What models are pooled by when one has little history: the task (from its quality
/// metrics) and its size within a factor of 4 (`regression/p8` is 2^8 … 2^10 parameters).
public struct ModelFeatures: Sendable, Equatable {
    public var key: String

    public init(task: Task, parameters: Double?) {
        let size = parameters.flatMap { $0 >= 1 && $0.isFinite ? String(Int(log2($0) / 2) * 2) : nil } ?? "?"
        key = task.rawValue + "/p" + size
    }

    /// From a task line's `before` metrics (the champion the task started from).
    init(before: JSONValue?) {
        let metrics = before?.object ?? [:]
        let classification = Metric.classification.contains { metrics[$0.rawValue] != nil }
        self.init(task: classification ? .classification : .regression, parameters: metrics["parameters"]?.double)
    }
}

// MARK: The file

extension HistorySummary {
    var json: JSONValue {
        var position: [String: JSONValue] = [
            "segment": self.position.segment.map { .string($0) } ?? .null, "offset": .int(self.position.offset), "lines": .int(self.position.lines),
        ]
        position["tail"] = self.position.tail.map { .object(["bytes": .int($0.bytes), "sha256": .string($0.sha256)]) } ?? .null
        let models = models.mapValues { m -> JSONValue in
            var o: [String: JSONValue] = [
                "refreshes": .int(m.refreshes), "cycle_versions": .array(m.cycleVersions.sorted().map { .int($0) }),
                "tasks": .object(m.tasks.mapValues { .object(["gains": .array($0.gains.map { .number($0) }), "rejections": .int($0.rejections)]) }),
                "evals": .array(m.evals.map { .object(["sha256": .string($0.sha256), "decisions": .int($0.decisions), "promotions": .int($0.promotions)]) }),
            ]
            o["last_time"] = m.lastTime.map { .string(RegistryTime.string($0)) } ?? .null
            o["champion"] = m.champion.map { .object(["time": .string(RegistryTime.string($0.time)), "version": .int($0.version)]) } ?? .null
            o["learned"] = .object(m.learned.mapValues(\.json))
            return .object(o)
        }
        return .object([
            "format": .string(Self.format), "format_version": .int(Self.formatVersion), "position": .object(position),
            "cycles": .int(cycles), "last_cycle": lastCycle?.json ?? .null, "last_entry": lastEntry?.json ?? .null,
            "models": .object(models), "pools": .object(pools.mapValues(\.json)),
        ])
    }

    /// Reads the file; nil when there is none. Anything unexpected is exit 65 (the caller
    /// builds the summary again from history).
    static func read(path: String) throws -> HistorySummary? {
        guard let data = try JSONLinesFile.readIfPresent(path) else { return nil }
        func bad(_ what: String) -> NimpError { NimpError.data(path, nil, what) }
        guard let top = try JSONCoding.parse(data, file: path).object, top["format"]?.string == format,
              let version = top["format_version"]?.int, (1...formatVersion).contains(version) else { throw bad("not a \(format) file of version 1 to \(formatVersion)") }
        // An earlier release's summary lacks what this one folds in: built again from history.
        if version < formatVersion { return nil }
        func entry(_ value: JSONValue?, _ key: String) throws -> HistoryEntry? {
            guard let value, value != .null else { return nil }
            guard case .success(let e) = HistoryEntry.parse(value) else { throw bad("\(key): not a history entry") }
            return e
        }
        func time(_ value: JSONValue?, _ key: String) throws -> Date? {
            guard let value, value != .null else { return nil }
            guard let t = value.string.flatMap(RegistryTime.parse) else { throw bad("\(key): expected a time") }
            return t
        }
        func count(_ value: JSONValue?, _ key: String) throws -> Int {
            guard let n = value?.nonNegativeInt else { throw bad("\(key): expected a count") }
            return n
        }
        var s = HistorySummary()
        guard let p = top["position"]?.object else { throw bad("position: expected an object") }
        s.position.segment = p["segment"]?.string
        s.position.offset = try count(p["offset"], "position.offset")
        s.position.lines = try count(p["lines"], "position.lines")
        if let t = p["tail"]?.object {
            guard let sha = t["sha256"]?.string else { throw bad("position.tail: expected a sha256") }
            s.position.tail = .init(bytes: try count(t["bytes"], "position.tail.bytes"), sha256: sha)
        }
        s.cycles = try count(top["cycles"], "cycles")
        s.lastCycle = try entry(top["last_cycle"], "last_cycle")
        s.lastEntry = try entry(top["last_entry"], "last_entry")
        guard let models = top["models"]?.object else { throw bad("models: expected an object") }
        for (id, value) in models {
            guard let o = value.object else { throw bad("models.\(id): expected an object") }
            var m = ModelHistory()
            m.lastTime = try time(o["last_time"], "models.\(id).last_time")
            m.refreshes = try count(o["refreshes"], "models.\(id).refreshes")
            m.cycleVersions = Set(try (o["cycle_versions"]?.array ?? []).map { try count($0, "models.\(id).cycle_versions") })
            for (type, t) in o["tasks"]?.object ?? [:] {
                guard let gains = t["gains"]?.array?.compactMap(\.double) else { throw bad("models.\(id).tasks.\(type): expected gains") }
                m.tasks[type] = .init(gains: gains, rejections: try count(t["rejections"], "models.\(id).tasks.\(type).rejections"))
            }
            for e in o["evals"]?.array ?? [] {
                guard let sha = e["sha256"]?.string else { throw bad("models.\(id).evals: expected a sha256") }
                m.evals.append(.init(sha256: sha, decisions: try count(e["decisions"], "models.\(id).evals"),
                                     promotions: try count(e["promotions"], "models.\(id).evals")))
            }
            if let c = o["champion"]?.object {
                guard let t = try time(c["time"], "models.\(id).champion.time") else { throw bad("models.\(id).champion: expected a time") }
                m.champion = .init(time: t, version: try count(c["version"], "models.\(id).champion.version"))
            }
            for (type, value) in o["learned"]?.object ?? [:] {
                guard let g = GainStats(json: value) else { throw bad("models.\(id).learned.\(type): expected tasks, gain, gain_squared, cpu_seconds") }
                m.learned[type] = g
            }
            s.models[id] = m
        }
        for (key, value) in top["pools"]?.object ?? [:] {
            guard let g = GainStats(json: value) else { throw bad("pools.\(key): expected tasks, gain, gain_squared, cpu_seconds") }
            s.pools[key] = g
        }
        return s
    }

    func write(_ layout: RegistryLayout) throws {
        if mkdir(layout.state, 0o755) == 0 {
            try AtomicFile.syncDirectory(layout.root)
        } else if errno != EEXIST {
            throw NimpError.io(layout.state, "cannot create: \(String(cString: strerror(errno)))")
        }
        try AtomicFile.write(try JSONCoding.data(json) + Data("\n".utf8), to: layout.historySummary, failpoint: "state")
    }

    /// The keys that differ from `other` (positions aside), compared as written (times
    /// to the millisecond), for verify's message; empty when nothing does.
    func differences(from other: HistorySummary) -> [String] {
        let mine = json.object ?? [:], theirs = other.json.object ?? [:]
        func text(_ v: JSONValue?) -> String { v.flatMap { try? JSONCoding.line($0) } ?? "" }
        var found = ["cycles", "last_cycle", "last_entry", "pools"].filter { text(mine[$0]) != text(theirs[$0]) }
        let a = mine["models"]?.object ?? [:], b = theirs["models"]?.object ?? [:]
        found += Set(a.keys).union(b.keys).sorted().filter { text(a[$0]) != text(b[$0]) }.map { "models.\($0)" }
        return found
    }
}

extension Registry {
    /// The summary of history, brought up to date in memory: only what was appended since
    /// it was saved is read. Also the damaged lines met on the way.
    public func historySummary() throws -> (summary: HistorySummary, problems: [LineProblem]) {
        let (summary, problems, _) = try currentSummary()
        return (summary, problems)
    }

    /// As `historySummary`, under the lock, saving the summary when it moved.
    @discardableResult
    public func recordHistorySummary() throws -> (summary: HistorySummary, problems: [LineProblem]) {
        try withLock {
            let (summary, problems, moved) = try currentSummary()
            if moved { try summary.write(layout) }
            return (summary, problems)
        }
    }

    func currentSummary() throws -> (summary: HistorySummary, problems: [LineProblem], moved: Bool) {
        var stored: HistorySummary?
        do {
            stored = try HistorySummary.read(path: layout.historySummary)
        } catch let error as NimpError where error.kind != .ioError {
            diagnostics.warn("\(error.message); building it again from history")
        }
        if let stored, let (summary, scan) = try history.scan(after: stored.position, into: stored, { $0.apply($1) }) {
            var summary = summary
            summary.position = scan.end
            return (summary, scan.problems, summary.position != stored.position)
        }
        let (summary, scan) = try history.scan(into: HistorySummary()) { $0.apply($1) } ?? (HistorySummary(), History.Scan())
        var rebuilt = summary
        rebuilt.position = scan.end
        return (rebuilt, scan.problems, true)
    }
}
