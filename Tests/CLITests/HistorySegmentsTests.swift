import Foundation
import NimpIO
import NimpTestSupport
import Testing

/// History in monthly segments and the summary cycles read instead of it, through the
/// binary: a registry whose history is moved back to January 2025 rotates at its next
/// write, as one does at the first write of a month.
@Suite(.serialized) final class HistorySegmentsTests {
    let scratch: TemporaryDirectory
    let dir: String

    init() throws {
        scratch = try TemporaryDirectory("history-segments")
        dir = scratch.path
    }

    /// Moves every entry of history.jsonl to January 2025 (same day and time).
    func age(_ reg: String) throws {
        let path = reg + "/history.jsonl"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let aged = text.replacingOccurrences(of: #""time":"\d{4}-\d{2}-"#, with: #""time":"2025-01-"#, options: .regularExpression)
        try Data(aged.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// The cycle template, one cycle run, its history moved to January 2025.
    func agedRegistry(_ name: String) throws -> String {
        let reg = dir + "/" + name
        try copyDirectory(CycleTemplate.path, reg)
        #expect(cycle(reg).status == 0)
        try age(reg)
        return reg
    }

    func cycle(_ reg: String, force: Bool = true, env: [String: String] = [:]) -> ProcessResult {
        runNimp(["cycle", "--registry", reg, "-q"] + (force ? ["--force"] : []), env: env)
    }

    func history(_ reg: String, _ args: [String] = []) -> [[String: Any]] {
        jsonLines(runNimp(["registry", "history", "--registry", reg, "--format", "json"] + args).stdout)
    }

    func segments(_ reg: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: reg + "/history")) ?? []).sorted()
    }

    @Test func historyLineageAndReportReadAcrossSegments() throws {
        let reg = try agedRegistry("across")
        let old = history(reg)
        #expect(cycle(reg).status == 0)
        #expect(segments(reg) == ["2025-01.001.jsonl.gz"])
        let all = history(reg)
        #expect(all.count > old.count)
        #expect(zip(old, all).allSatisfy { $0["time"] as? String == $1["time"] as? String && $0["type"] as? String == $1["type"] as? String },
                "the old segment's entries come first, in order")
        #expect(history(reg, ["--type", "add"]).map { $0["model"] as? String } == ["m", "d"])
        #expect(history(reg, ["--type", "cycle"]).map { $0["iteration"] as? Int } == [1, 2])
        #expect(history(reg, ["--type", "cycle", "--limit", "1"]).map { $0["iteration"] as? Int } == [2])
        #expect(history(reg, ["--since", "1d"]).count == all.count - old.count)
        #expect(history(reg, ["--since", "2025-01-01"]).count == all.count)

        let lineage = runNimp(["registry", "lineage", "m", "--registry", reg])
        #expect(lineage.status == 0 && jsonLines(lineage.stdout).contains { $0["champion"] as? Bool == true }, "\(lineage.stderr)")
        let report = runNimp(["registry", "report", "--registry", reg, "-o", dir + "/report.html"])
        #expect(report.status == 0 && report.stderr.contains("2 cycle(s)"), "\(report.stderr)")
        let status = jsonObject(runNimp(["registry", "status", "--registry", reg]).stdout)
        #expect(status["cycles"] as? Int == 2)
        let verify = runNimp(["registry", "verify", "--registry", reg])
        #expect(verify.status == 0 && verify.stderr.contains("\(all.count) history lines: clean"), "\(verify.stdout)\(verify.stderr)")
    }

    @Test func verifyFindsACorruptLineInAnOldSegment() throws {
        let reg = try agedRegistry("corrupt")
        #expect(runNimp(["registry", "config", "keep_versions", "5", "--registry", reg]).status == 0)
        let segment = reg + "/history/2025-01.001.jsonl.gz"
        var lines = try gunzip(segment).split(separator: "\n")
        lines[1] = "{\"time\": not json"
        try gzip(lines.joined(separator: "\n") + "\n", to: segment)
        let verify = runNimp(["registry", "verify", "--registry", reg])
        #expect(verify.status == 65 && verify.stdout.contains("history/2025-01.001.jsonl.gz: line 2"), "\(verify.stdout)")
        let read = runNimp(["registry", "history", "--registry", reg, "--format", "json"])
        #expect(read.status == 0 && read.stderr.contains("2025-01.001.jsonl.gz: line 2"), "\(read.stderr)")
        #expect(jsonLines(read.stdout).count == lines.count, "every other line is read")
        // The cycle reads its summary, built from history once; the damaged line is skipped with a warning.
        let next = cycle(reg)
        #expect(next.status == 0 && next.stderr.contains("line 2"), "\(next.stderr)")
    }

    /// A summary deleted is built again from history, to the byte; one that disagrees
    /// with history is a problem for verify.
    @Test func stateIsRebuiltWhenMissingAndAgreesWithHistory() throws {
        let reg = dir + "/state"
        try copyDirectory(CycleTemplate.path, reg)
        #expect(cycle(reg).status == 0)
        #expect(cycle(reg).status == 0)
        let path = reg + "/state/history.json"
        let kept = try Data(contentsOf: URL(fileURLWithPath: path))
        try FileManager.default.removeItem(atPath: path)
        #expect(jsonObject(runNimp(["registry", "status", "--registry", reg]).stdout)["cycles"] as? Int == 2)
        #expect(!FileManager.default.fileExists(atPath: path), "a reader does not write")
        #expect(runNimp(["registry", "verify", "--registry", reg]).status == 0)
        // A cycle too soon after the last one does nothing, but saves the summary it built.
        let skipped = cycle(reg, force: false)
        #expect(skipped.status == 0 && jsonObject(skipped.stdout)["status"] as? String == "skipped", "\(skipped.stdout)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == kept)

        var wrong = try JSONSerialization.jsonObject(with: kept) as? [String: Any] ?? [:]
        wrong["cycles"] = 7
        try JSONSerialization.data(withJSONObject: wrong).write(to: URL(fileURLWithPath: path))
        let verify = runNimp(["registry", "verify", "--registry", reg])
        #expect(verify.status == 65 && verify.stdout.contains("state/history.json: disagrees with history on cycles"), "\(verify.stdout)")
        try FileManager.default.removeItem(atPath: path)
        #expect(runNimp(["registry", "verify", "--registry", reg]).status == 0)
    }

    /// A kill or an I/O error at each step of a rotation: nothing lost or repeated, verify
    /// clean; after an error history is as it was; the next write finishes the rotation.
    @Test func aRotationSurvivesAKillOrAnErrorAtEveryStep() throws {
        let base = try agedRegistry("rotation-base")
        let before = historyData(base)
        let plain = try Data(contentsOf: URL(fileURLWithPath: base + "/history.jsonl"))
        let write = ["registry", "config", "keep_versions", "5", "--registry"]
        let traced = dir + "/rotation-traced"
        try copyDirectory(base, traced)
        let steps = failpointSteps(write + [traced], in: dir).filter { $0.hasPrefix("history.rotate") || $0.hasPrefix("history.compress") }
        #expect(steps.count >= 7, "\(steps)")
        var passed = 0
        for step in steps {
            for action in ["crash", "eio"] {
                let reg = dir + "/rotation"
                try copyDirectory(base, reg)
                let label = "\(action) at \(step)"
                let f = Failures()
                let r = runNimp(write + [reg], env: ["NIMP_FAILPOINT": Reliability.failpoint(step, action)])
                f.expect(r.status == (action == "crash" ? 137 : 74), "\(label): \(r.status) \(r.stderr)")
                f.expect(runNimp(["registry", "verify", "--registry", reg]).status == 0, "\(label): verify")
                f.expect(historyData(reg) == before, "\(label): history changed")
                if action == "eio" {
                    f.expect(segments(reg).isEmpty && FileManager.default.contents(atPath: reg + "/history.jsonl") == plain,
                             "\(label): history is not as it was: \(segments(reg))")
                }
                let next = runNimp(write + [reg])
                f.expect(next.status == 0, "\(label), then config: \(next.status) \(next.stderr)")
                f.expect(segments(reg) == ["2025-01.001.jsonl.gz"], "\(label), then config: \(segments(reg))")
                f.expect(historyData(reg).starts(with: before), "\(label), then config: lines lost")
                f.expect(runNimp(["registry", "verify", "--registry", reg]).status == 0, "\(label), then config: verify")
                f.expect(temporaries(reg).isEmpty, "\(label), then config: left \(temporaries(reg))")
                if f.count == 0 { passed += 1 }
            }
        }
        Reliability.report(["kind": "fault", "command": "history rotation", "fault": "crash, eio", "steps": steps.count,
                            "exercised": steps.count * 2, "passed": passed])
    }

    func gunzip(_ path: String) throws -> String {
        let reader = try GzipReader(path: path)
        var data = Data()
        while let chunk = try reader.read(upTo: 1 << 16) { data += chunk }
        return String(decoding: data, as: UTF8.self)
    }

    func gzip(_ text: String, to path: String) throws {
        let plain = dir + "/plain.jsonl"
        try Data(text.utf8).write(to: URL(fileURLWithPath: plain))
        let input = open(plain, O_RDONLY)
        defer { close(input) }
        try AtomicFile.write(to: path, failpoint: "test") { try Gzip.compress(from: input, to: $0, path: path) }
    }
}
