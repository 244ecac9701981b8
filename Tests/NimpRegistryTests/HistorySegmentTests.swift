import Foundation
import NimpCore
import NimpIO
import Testing
@testable import NimpRegistry

/// History in monthly segments, and the summary of it that cycles read instead.
@Suite struct HistorySegmentTests {
    static func time(_ text: String) -> Date { RegistryTime.parse(text)! }

    /// A registry whose history began on `start` (its init line rewritten), so months are the test's.
    static func registry(startingAt start: String = "2030-01-10T00:00:00.000Z") throws -> TempRegistry {
        let t = try TempRegistry()
        try Data(#"{"time":"\#(start)","type":"init"}"#.utf8 + [0x0A]).write(to: URL(fileURLWithPath: t.layout.history))
        return t
    }

    /// Appends one entry written at `at` (the clock is the entry's time).
    static func append(_ t: TempRegistry, _ type: HistoryKind, model: String? = nil, at: String, fields: [String: JSONValue] = [:]) throws {
        let when = time(at)
        try t.registry.withLock { try t.registry.history.append(HistoryEntry(type, model: model, time: when, fields: fields), now: when) }
    }

    func segmentNames(_ t: TempRegistry) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: t.layout.historySegments)) ?? []).sorted()
    }

    @Test func theFirstAppendOfANewMonthStartsASegment() throws {
        let t = try Self.registry()
        try Self.append(t, .config, at: "2030-01-31T23:59:59.000Z")
        #expect(segmentNames(t).isEmpty)
        try Self.append(t, .config, model: "a", at: "2030-02-01T00:00:00.000Z")
        #expect(segmentNames(t) == ["2030-01.001.jsonl.gz"])
        #expect(t.read("history.jsonl").split(separator: "\n").count == 1, "history.jsonl starts again with February's line")
        // A quiet month makes no segment; the next write moves February's lines.
        try Self.append(t, .config, model: "b", at: "2030-04-02T00:00:00.000Z")
        #expect(segmentNames(t) == ["2030-01.001.jsonl.gz", "2030-02.001.jsonl.gz"])

        let h = t.registry.history
        let all = try h.read()
        #expect(all.problems.isEmpty)
        #expect(all.entries.map { RegistryTime.string($0.time) } == ["2030-01-10T00:00:00.000Z", "2030-01-31T23:59:59.000Z",
                                                                     "2030-02-01T00:00:00.000Z", "2030-04-02T00:00:00.000Z"])
        #expect(try h.read(limit: 3).entries.map(\.model) == [nil, "a", "b"], "newest three, across two segments")
        #expect(try h.read(model: "a").entries.count == 1)
        #expect(try h.read(since: Self.time("2030-02-01T00:00:00.000Z")).entries.map(\.model) == ["a", "b"])
        #expect(try h.read(since: Self.time("2030-03-20T00:00:00.000Z")).entries.map(\.model) == ["b"])
        #expect(t.registry.verify().isClean)
        #expect(t.registry.verify().historyLines == 4)
    }

    @Test func readingByTaskIDFindsThoseTasksAcrossSegmentsWhateverTheirSpacing() throws {
        let t = try Self.registry()
        try Self.append(t, .task, model: "a", at: "2030-01-10T00:00:00.000Z", fields: ["task_id": "t-1"])
        try Self.append(t, .task, model: "b", at: "2030-02-10T00:00:00.000Z", fields: ["task_id": "t-2"])
        try Self.append(t, .task, model: "c", at: "2030-02-11T00:00:00.000Z", fields: ["task_id": "t-10"])
        // A line written by hand, spaced and with an escaped id: found by parsing it.
        let spaced = #"{"time": "2030-02-12T00:00:00.000Z", "type": "task", "model": "d", "task_id" : "t\u002d3"}"#
        let handle = try #require(FileHandle(forWritingAtPath: t.layout.history))
        handle.seekToEndOfFile()
        handle.write(Data((spaced + "\n").utf8))
        try handle.close()
        let h = t.registry.history
        #expect(try h.read(taskIDs: ["t-1", "t-10"]).entries.map(\.model) == ["a", "c"], "t-1 is not a prefix match for t-10")
        #expect(try h.read(taskIDs: ["t-3"]).entries.map(\.model) == ["d"])
        #expect(try h.read(taskIDs: ["t-9"]).entries.isEmpty)
        #expect(try h.read(taskIDs: []).entries.isEmpty)
    }

    @Test func aFirstEntryOlderThanTheNewestSegmentTakesItsMonthAndTheNextPart() throws {
        let t = try Self.registry()
        try Self.append(t, .config, at: "2030-02-01T00:00:00.000Z")
        try Self.append(t, .config, at: "2030-03-01T00:00:00.000Z")
        #expect(segmentNames(t) == ["2030-01.001.jsonl.gz", "2030-02.001.jsonl.gz"])
        // history.jsonl now begins with an entry of January (a clock that went back).
        let march = t.read("history.jsonl")
        try Data((#"{"time":"2030-01-20T00:00:00.000Z","type":"config"}"# + "\n" + march).utf8).write(to: URL(fileURLWithPath: t.layout.history))
        try Self.append(t, .config, model: "late", at: "2030-05-01T00:00:00.000Z")
        #expect(segmentNames(t) == ["2030-01.001.jsonl.gz", "2030-02.001.jsonl.gz", "2030-02.002.jsonl.gz"], "named so that names sort as written")
        let times = try t.registry.history.read().entries.map { RegistryTime.string($0.time) }
        #expect(times == ["2030-01-10T00:00:00.000Z", "2030-02-01T00:00:00.000Z", "2030-01-20T00:00:00.000Z",
                          "2030-03-01T00:00:00.000Z", "2030-05-01T00:00:00.000Z"])
    }

    @Test func aTornLineIsCutBeforeItsSegmentIsMoved() throws {
        let t = try Self.registry()
        let handle = try #require(FileHandle(forWritingAtPath: t.layout.history))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"time":"2030-01-11T00:00:00Z","ty"#.utf8))
        try handle.close()
        try Self.append(t, .config, at: "2030-02-02T00:00:00.000Z")
        let read = try t.registry.history.read()
        #expect(read.problems.isEmpty)
        #expect(read.entries.map(\.type) == [.initialize, .repair, .config])
        #expect(t.registry.verify().isClean)
    }

    @Test func anUnfinishedRotationIsReadAndFinishedByTheNextWriter() throws {
        let t = try Self.registry()
        try Self.append(t, .config, at: "2030-01-12T00:00:00.000Z")
        // Killed after the move, before compressing: a plain segment.
        try FileManager.default.createDirectory(atPath: t.layout.historySegments, withIntermediateDirectories: true)
        let plain = t.layout.historySegments + "/2030-01.001.jsonl"
        #expect(rename(t.layout.history, plain) == 0)
        #expect(try t.registry.history.read().entries.count == 2)
        #expect(t.registry.verify().isClean)
        try Self.append(t, .config, at: "2030-02-03T00:00:00.000Z")
        #expect(segmentNames(t) == ["2030-01.001.jsonl.gz"])
        #expect(try t.registry.history.read().entries.count == 3)

        // Killed after compressing, before removing the plain file: both are there, read once.
        let gz = t.layout.historySegments + "/2030-01.001.jsonl.gz"
        try Data(historyText(gz).utf8).write(to: URL(fileURLWithPath: plain))
        #expect(try t.registry.history.read().entries.count == 3)
        try Self.append(t, .config, at: "2030-02-04T00:00:00.000Z")
        #expect(segmentNames(t) == ["2030-01.001.jsonl.gz"])
        #expect(try t.registry.history.read().entries.count == 4)
    }

    @Test func verifyReadsEveryLineOfEverySegment() throws {
        let t = try Self.registry()
        try Self.append(t, .config, at: "2030-01-12T00:00:00.000Z")
        try Self.append(t, .config, at: "2030-02-03T00:00:00.000Z")
        try Self.append(t, .config, at: "2030-03-03T00:00:00.000Z")
        let january = t.layout.historySegments + "/2030-01.001.jsonl.gz"
        var lines = try historyText(january).split(separator: "\n").map(String.init)
        lines[1] = "not json"
        try writeGzip(lines.joined(separator: "\n") + "\n", to: january)
        let report = t.registry.verify()
        #expect(report.problems.count == 1 && report.problems[0].contains("history/2030-01.001.jsonl.gz: line 2"), "\(report.problems)")
        #expect(report.historyLines == 4)
        #expect(try t.registry.history.read().problems.map(\.line) == [2])

        // A segment cut short: reported, and the segments after it still read.
        let february = t.layout.historySegments + "/2030-02.001.jsonl.gz"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: february))
        try bytes.prefix(bytes.count - 9).write(to: URL(fileURLWithPath: february))
        let cut = t.registry.verify()
        #expect(cut.problems.contains { $0.contains("history/2030-02.001.jsonl.gz") }, "\(cut.problems)")
        #expect(try t.registry.history.read().entries.last?.time == Self.time("2030-03-03T00:00:00.000Z"))
    }

    @Test func theSummaryCountsWhatThePlannerAndTheGateRead() {
        var s = HistorySummary()
        func task(_ type: String, gain: Double, outcome: String, eval: String = "e1", candidate: Int? = nil, model: String = "m") -> HistoryEntry {
            var fields: [String: JSONValue] = ["task_type": .string(type), "gain": .number(gain), "outcome": .string(outcome),
                                               "promoted": .bool(outcome == "promoted"), "eval_sha256": .string(eval)]
            fields["candidate"] = candidate.map { .int($0) } ?? .null
            return HistoryEntry(.task, model: model, fields: fields)
        }
        for gain in [0.5, 0.01, 0.02, 0.03, 0.04] { s.apply(task("training", gain: gain, outcome: "rejected")) }
        s.apply(task("training", gain: 0.3, outcome: "promoted", candidate: 7))
        s.apply(task("optimization", gain: 0, outcome: "failed"))
        s.apply(task("optimization", gain: 0, outcome: "rejected"))
        let m = s.models["m"]!
        #expect(m.recentGains("training") == [0.02, 0.03, 0.04, 0.3])
        #expect(m.rejections("training") == 0 && m.rejections("optimization") == 2)
        #expect(m.decisions(onEval: "e1") == (7, 1), "a failed task decided nothing")
        #expect(m.cycleVersions == [7])
        for n in 2...5 { s.apply(task("training", gain: 0, outcome: "rejected", eval: "e\(n)")) }
        #expect(s.models["m"]!.decisions(onEval: "e1") == (0, 0), "at most \(ModelHistory.evalSetsKept) eval sets are counted")
        #expect(s.models["m"]!.decisions(onEval: "e5") == (1, 0))
        s.apply(HistoryEntry(.gc, fields: ["removed": ["m": [7]]]))
        #expect(s.models["m"]!.cycleVersions.isEmpty, "a removed version can be no champion")
        s.apply(HistoryEntry(.refresh, model: "m"))
        s.apply(HistoryEntry(.promote, model: "m", time: Self.time("2030-01-01T00:00:00.000Z"), fields: ["to": 3]))
        s.apply(HistoryEntry(.cycle, fields: ["iteration": 9]))
        #expect(s.models["m"]!.refreshes == 1)
        #expect(s.models["m"]!.champion == .init(time: Self.time("2030-01-01T00:00:00.000Z"), version: 3))
        #expect(s.models["m"]!.lastTime == Self.time("2030-01-01T00:00:00.000Z"))
        #expect(s.cycles == 1 && s.lastCycle?["iteration"] == 9 && s.lastEntry?.type == .cycle)
    }

    /// The saved summary equals one built from all of history, after appends and
    /// rotations; a missing, damaged or misplaced one is built again.
    @Test func theSummaryAgreesWithHistory() throws {
        let t = try Self.registry()
        let r = t.registry
        func rebuilt() throws -> HistorySummary {
            let (s, scan) = try #require(try r.history.scan(into: HistorySummary()) { $0.apply($1) })
            var summary = s
            summary.position = scan.end
            return summary
        }
        try Self.append(t, .task, model: "m", at: "2030-01-11T00:00:00.000Z",
                        fields: ["task_type": "training", "gain": 0.25, "outcome": "rejected", "promoted": false, "eval_sha256": "e"])
        try r.recordHistorySummary()
        #expect(FileManager.default.fileExists(atPath: t.layout.historySummary))
        #expect(try HistorySummary.read(path: t.layout.historySummary) == rebuilt())

        // Appends and a rotation since it was saved: read in memory from where it stood.
        try Self.append(t, .cycle, at: "2030-01-12T00:00:00.000Z", fields: ["iteration": 1])
        try Self.append(t, .task, model: "m", at: "2030-02-01T00:00:00.000Z",
                        fields: ["task_type": "training", "gain": 0.5, "outcome": "promoted", "promoted": true, "eval_sha256": "e", "candidate": 2])
        #expect(try r.historySummary().summary == rebuilt())
        #expect(r.verify().isClean)
        try r.recordHistorySummary()
        #expect(try HistorySummary.read(path: t.layout.historySummary) == rebuilt())
        let decisions = try #require(try rebuilt().models["m"]).decisions(onEval: "e")
        #expect(decisions == (2, 1))

        // Missing: built again.
        try FileManager.default.removeItem(atPath: t.layout.historySummary)
        #expect(try r.historySummary().summary == rebuilt())
        #expect(r.verify().isClean)
        // Damaged: a warning from verify, built again by readers.
        try Data("{".utf8).write(to: URL(fileURLWithPath: t.layout.historySummary))
        #expect(r.verify().isClean && r.verify().warnings.contains { $0.contains("history.json") })
        #expect(try r.historySummary().summary == rebuilt())
        // Saying something history does not: a problem.
        try r.recordHistorySummary()
        var wrong = try #require(try HistorySummary.read(path: t.layout.historySummary))
        wrong.cycles = 5
        try wrong.write(t.layout)
        let report = r.verify()
        #expect(report.problems.contains { $0.contains("state/history.json: disagrees with history on cycles") }, "\(report.problems)")
        // history.jsonl rewritten under it: the recorded line is not there, so it is built again.
        try Data(#"{"time":"2030-02-05T00:00:00.000Z","type":"config"}"#.utf8 + [0x0A]).write(to: URL(fileURLWithPath: t.layout.history))
        #expect(try r.historySummary().summary == rebuilt())
    }
}

/// A gzip file's text.
func historyText(_ path: String) throws -> String {
    let reader = try GzipReader(path: path)
    var data = Data()
    while let chunk = try reader.read(upTo: 1 << 16) { data += chunk }
    return String(decoding: data, as: UTF8.self)
}

func writeGzip(_ text: String, to path: String) throws {
    let plain = path + ".plain"
    try Data(text.utf8).write(to: URL(fileURLWithPath: plain))
    defer { unlink(plain) }
    let input = open(plain, O_RDONLY)
    defer { close(input) }
    try AtomicFile.write(to: path, failpoint: "test") { try Gzip.compress(from: input, to: $0, path: path) }
}
