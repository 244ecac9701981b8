import Foundation
import NimpIO
import NimpTestSupport
import Testing

/// Cycles, promotes, rollbacks and readers at once (issue 7): every reader sees a whole
/// old or a whole new state, no history line is lost or interleaved, overlapping cycles
/// exit 75. The short version (a bounded number of operations) runs here;
/// scripts/stress-registry.sh --cycles runs it for minutes.
@Suite(.serialized) final class ConcurrencyTests {
    let scratch: TemporaryDirectory
    let dir: String

    init() throws {
        scratch = try TemporaryDirectory("concurrency")
        dir = scratch.path
    }

    final class Log: @unchecked Sendable {
        let lock = NSLock()
        var entries: [(kind: String, status: Int32, reason: String?, output: String)] = []
        var problems: [String] = []
        func add(_ kind: String, _ status: Int32, reason: String? = nil, output: String = "") {
            lock.lock(); entries.append((kind, status, reason, output)); lock.unlock()
        }
        func problem(_ text: String) { lock.lock(); problems.append(text); lock.unlock() }
    }

    /// A reader's view must be whole: the champion's archive decodes and is byte for
    /// byte one of the model's versions; signals.json and model.json parse; verify is
    /// clean; every complete history line is a JSON object.
    static func read(_ reg: String, _ log: Log) {
        let show = runNimp(["registry", "show", "m", "--registry", reg])
        let champion = jsonObject(show.stdout)["champion"] as? Int
        if show.status != 0 || champion == nil { log.problem("show → \(show.status): \(show.stdout.prefix(200)) \(show.stderr)") }
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("nimp-read-\(UUID().uuidString).nimp").path
        defer { unlink(tmp) }
        let copy = runNimp(["registry", "export", "m", "-o", tmp, "--registry", reg])
        if copy.status == 0, let bytes = FileManager.default.contents(atPath: tmp) {
            if let archive = try? ModelArchive.decode(bytes, name: tmp), let v = archive.manifest.version {
                let stored = FileManager.default.contents(atPath: RegistryState.archive(reg, "m", v))
                if stored != bytes { log.problem("export of v\(v) differs from the stored version") }
            } else {
                log.problem("export is not a whole archive")
            }
        } else {
            log.problem("export -o → \(copy.status): \(copy.stderr)")
        }
        for file in ["signals.json", "models/m/model.json", "config.json"] {
            if let data = FileManager.default.contents(atPath: reg + "/" + file), !data.isEmpty,
               (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] == nil {
                log.problem("\(file) is not whole JSON")
            }
        }
        // verify reads without the lock while writers add and promote versions.
        let verify = runNimp(["registry", "verify", "--registry", reg])
        if verify.status != 0 { log.problem("verify → \(verify.status): \(verify.stdout)") }
        let history = historyData(reg)
        for line in history.split(separator: 0x0A).dropLast() where (try? JSONSerialization.jsonObject(with: Data(line))) == nil {
            log.problem("history line is not JSON: \(String(decoding: line.prefix(120), as: UTF8.self))")
        }
    }

    @Test func cyclesPromotesAndReadersAtOnce() throws {
        let reg = dir + "/reg"
        try copyDirectory(CycleTemplate.path, reg)
        let log = Log()
        let group = DispatchGroup()
        let writersDone = DispatchSemaphore(value: 0)
        let cyclesPerWorker = 5, promotes = 12
        final class Flag: @unchecked Sendable { var done = false }
        let done = Flag()
        for worker in 0..<2 {
            group.enter()
            DispatchQueue.global().async {
                for _ in 0..<cyclesPerWorker {
                    let r = runNimp(["cycle", "--registry", reg, "--force", "-q"])
                    log.add("cycle", r.status, output: r.stdout)
                    if r.status == 75 { usleep(50_000) }
                }
                _ = worker
                group.leave()
                writersDone.signal()
            }
        }
        group.enter()
        DispatchQueue.global().async {
            for i in 0..<promotes {
                let versions = ((try? FileManager.default.contentsOfDirectory(atPath: reg + "/models/m/versions")) ?? []).filter { $0.hasSuffix(".nimp") && !$0.hasPrefix(".") }.count
                let reason = "concurrency-op-\(i)"
                let args = i % 3 == 2 ? ["registry", "rollback", "m", "--reason", reason] : ["registry", "promote", "m", String(i % max(1, versions) + 1), "--reason", reason]
                let r = runNimp(args + ["--registry", reg, "--wait", "120", "-q"])
                log.add(args[1], r.status, reason: reason, output: r.stdout)
            }
            group.leave()
            writersDone.signal()
        }
        for _ in 0..<2 {
            group.enter()
            DispatchQueue.global().async {
                var reads = 0
                while !done.done && reads < 400 {
                    Self.read(reg, log)
                    log.add("read", 0)
                    reads += 1
                }
                group.leave()
            }
        }
        for _ in 0..<3 { writersDone.wait() }
        done.done = true
        group.wait()

        #expect(log.problems.isEmpty, "readers saw: \(log.problems.prefix(10))")
        let cycles = log.entries.filter { $0.kind == "cycle" }
        #expect(cycles.allSatisfy { $0.status == 0 || $0.status == 75 }, "cycle exits: \(cycles.map(\.status))")
        let ops = log.entries.filter { $0.kind == "promote" || $0.kind == "rollback" }
        // 0, or 1 for a rollback with no previous champion left.
        #expect(ops.allSatisfy { $0.status == 0 || ($0.kind == "rollback" && $0.status == 1) }, "\(ops.map { "\($0.kind) \($0.status)" })")

        // Nothing lost: every completed cycle has its line, with distinct increasing
        // iterations; every promote/rollback that changed the champion has its line, once.
        let history = historyData(reg)
        #expect(history.last == 0x0A, "history ends with a torn line")
        let lines = history.split(separator: 0x0A).map { (try? JSONSerialization.jsonObject(with: Data($0))) as? [String: Any] }
        #expect(lines.allSatisfy { $0 != nil }, "a history line is not a JSON object (interleaved writes?)")
        let entries = lines.compactMap { $0 }
        let cycleLines = entries.filter { $0["type"] as? String == "cycle" }
        let completed = cycles.filter { $0.status == 0 }
        #expect(cycleLines.count == completed.count, "\(completed.count) cycles completed, \(cycleLines.count) cycle lines")
        let iterations = cycleLines.compactMap { $0["iteration"] as? Int }
        #expect(iterations == Array(0..<iterations.count).map { $0 + 1 }, "iterations \(iterations)")
        for summary in completed.map({ jsonObject($0.output) }) {
            #expect(iterations.contains(summary["iteration"] as? Int ?? -1), "cycle \(summary["iteration"] ?? "?") has no line")
        }
        for op in ops where op.status == 0 && jsonObject(op.output)["changed"] as? Bool != false {
            let n = entries.filter { $0["reason"] as? String == op.reason }.count
            #expect(n == 1, "\(op.kind) \(op.reason ?? "") has \(n) history lines")
        }
        let verify = runNimp(["registry", "verify", "--registry", reg])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let reads = log.entries.filter { $0.kind == "read" }.count
        Reliability.report(["kind": "concurrency", "where": "swift test", "cycles": cycles.count, "cycles_75": cycles.filter { $0.status == 75 }.count,
                            "promotes_rollbacks": ops.count, "reads": reads, "problems": log.problems.count,
                            "history_lines": entries.count])
    }

    /// A cycle held inside the lock (stopped at a step): a second cycle exits 75 naming the
    /// holder, a promote without --wait exits 75, readers go on; the first cycle then
    /// completes.
    @Test func overlappingCycleExits75() throws {
        let reg = dir + "/overlap"
        try copyDirectory(CycleTemplate.path, reg)
        let p = try StoppedNimp(["cycle", "--registry", reg, "--force", "-q"], failpoint: "cycle.tasks:stop")
        #expect(p.stopped, "the first cycle did not reach cycle.tasks")
        let second = runNimp(["cycle", "--registry", reg, "--force"])
        #expect(second.status == 75, "\(second.stderr)")
        #expect(second.stderr.contains("pid \(p.pid)"), "the message does not name the holder: \(second.stderr)")
        let promote = runNimp(["registry", "promote", "m", "1", "--registry", reg])
        #expect(promote.status == 75, "\(promote.stderr)")
        #expect(promote.stderr.contains("--wait SECONDS"), "promote has --wait: its hint offers it")
        #expect(!second.stderr.contains("--wait"), "cycle has no --wait: its hint must not offer it")
        #expect(runNimp(["registry", "list", "--registry", reg]).status == 0)
        #expect(runNimp(["registry", "verify", "--registry", reg]).status == 0)
        #expect(p.resume() == 0)
        let cycles = jsonLines(runNimp(["registry", "history", "--type", "cycle", "--format", "json", "--registry", reg]).stdout)
        #expect(cycles.count == 1, "only the first cycle ran: \(cycles.count) cycle lines")
        Reliability.report(["kind": "concurrency", "where": "overlap", "overlapping_cycles_75": second.status == 75 ? 1 : 0])
    }
}
