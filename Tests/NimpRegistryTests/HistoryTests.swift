import Foundation
import NimpCore
import Testing
@testable import NimpRegistry

@Suite struct HistoryTests {
    /// A time read and written again keeps its text (takeover recovery rewrites the
    /// time of a champion.log line into history; a 1 ms drift would misorder them).
    @Test func timesSurviveAReadAndAWrite() {
        for text in ["2026-11-27T03:34:22.461Z", "2026-11-27T03:34:22.000Z", "2026-11-27T03:34:22.999Z", "1999-12-31T23:59:59.001Z"] {
            #expect(RegistryTime.parse(text).map(RegistryTime.string) == text)
        }
    }

    @Test func appendsAndFilters() throws {
        let t = try TempRegistry()
        let h = t.registry.history
        let old = Date(timeIntervalSinceNow: -7200)
        try t.registry.appendHistory([
            HistoryEntry(.task, model: "a", time: old, fields: ["gain": 0.2]),
            HistoryEntry(.task, model: "b", fields: ["gain": 0.1]),
            HistoryEntry(.cycle, fields: ["iteration": 1]),
        ])
        let all = try h.read().entries
        #expect(all.map(\.type) == [.initialize, .task, .task, .cycle])
        #expect(try h.read(model: "a").entries.count == 1)
        #expect(try h.read(since: Date(timeIntervalSinceNow: -60)).entries.count == 3)
        #expect(try h.read(limit: 2).entries.map(\.type) == [.task, .cycle])
        #expect(try h.last(.cycle)?["iteration"] == 1)
        #expect(all[1]["gain"]?.double == 0.2)
    }

    @Test func tornLastLineIsReportedAndEarlierLinesKept() throws {
        let t = try TempRegistry()
        try t.registry.appendHistory(HistoryEntry(.task, model: "a"))
        let handle = try #require(FileHandle(forWritingAtPath: t.layout.history))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"time":"2025-01-01T00:00:00Z","type":"ta"#.utf8))
        try handle.close()
        let result = try t.registry.history.read()
        #expect(result.entries.count == 2)
        let problem = try #require(result.problems.first)
        #expect(problem.line == 3 && problem.message.contains("torn"))
        #expect(!t.registry.verify().isClean)

        // The next append cuts the torn line off and records the repair.
        try t.registry.appendHistory(HistoryEntry(.task, model: "b"))
        let repaired = try t.registry.history.read()
        #expect(repaired.problems.isEmpty)
        #expect(repaired.entries.map(\.type) == [.initialize, .task, .repair, .task])
        #expect(t.registry.verify().isClean)
    }

    @Test func damagedMiddleLineIsSkippedWithItsLineNumber() throws {
        let t = try TempRegistry()
        let handle = try #require(FileHandle(forWritingAtPath: t.layout.history))
        handle.seekToEndOfFile()
        handle.write(Data("not json\n".utf8))
        try handle.close()
        try t.registry.appendHistory(HistoryEntry(.task, model: "a"))
        let result = try t.registry.history.read()
        #expect(result.entries.count == 2)
        #expect(result.problems.map(\.line) == [2])
    }

    @Test func failedAppendLeavesTheFileAsItWas() throws {
        let t = try TempRegistry()
        let before = t.read("history.jsonl")
        // A line with a newline inside is a programming error; an unwritable file an I/O error.
        chmod(t.layout.history, 0o444)
        defer { chmod(t.layout.history, 0o644) }
        if getuid() != 0 {
            #expect(throws: NimpError.self) { try t.registry.appendHistory(HistoryEntry(.task)) }
            #expect(t.read("history.jsonl") == before)
        } else {
            // Root writes read-only files; /dev/full refuses the write itself, even root's.
            let aside = t.layout.history + ".aside"
            #expect(rename(t.layout.history, aside) == 0)
            #expect(symlink("/dev/full", t.layout.history) == 0)
            let error = expectNimpError(.ioError) { try t.registry.appendHistory(HistoryEntry(.task)) }
            #expect(error?.message.contains("No space left on device") == true, "\(String(describing: error))")
            #expect(unlink(t.layout.history) == 0 && rename(aside, t.layout.history) == 0)
            #expect(t.read("history.jsonl") == before)
        }
    }
}

@Suite struct SignalsFileTests {
    @Test func roundTripsAndKeepsRecentHistory() throws {
        let t = try TempRegistry()
        #expect(try t.registry.signals() == SignalsFile())
        var signals = SignalsFile()
        for i in 0..<5 {
            signals.record(["dopamine": 0.1 * Double(i), "cortisol": 0.2], note: ["iteration": .int(i)])
        }
        signals.extra["genomes"] = ["idle": ["hidden": [16, 16]]]
        try t.registry.writeSignals(signals, historyLimit: 3)
        let read = try t.registry.signals()
        #expect(read.levels["dopamine"] == 0.4)
        #expect(read.history.count == 3)
        #expect(read.history.first?.note == ["iteration": 2])
        #expect(read.extra["genomes"] == signals.extra["genomes"])
    }

    @Test func damagedFileIsAnError() throws {
        let t = try TempRegistry()
        try Data(#"{"levels": {"dopamine": "high"}}"#.utf8).write(to: URL(fileURLWithPath: t.layout.signals))
        #expect(expectNimpError(.dataError) { _ = try t.registry.signals() } != nil)
    }
}

@Suite struct MachineStateTests {
    @Test func parsesProcFiles() {
        #expect(MachineState.parseLoadAverage("0.52 0.58 0.59 1/467 12345\n") == [0.52, 0.58, 0.59])
        let mem = MachineState.parseMeminfo("MemTotal:       16384 kB\nMemAvailable:    8192 kB\nHugePages_Total:       0\n")
        #expect(mem["MemAvailable"] == 8192 * 1024 && mem["HugePages_Total"] == 0)
        let state = MachineState.read(path: "/")
        #expect(state.diskFreeBytes != nil && state.cpus >= 1)
    }
}
