import Foundation
import NimpIO
import NimpTestSupport
import Testing

/// Several writer processes at once, held and stale locks, and listing speed.
@Suite(.serialized) struct RegistryConcurrencyTests {
    let f: RegistryFixture

    init() throws {
        f = try RegistryFixture()
    }

    @Test func concurrentWritersNeverLoseAVersionOrAHistoryLine() throws {
        let reg = f.makeRegistry("reg")
        let perWriter = 6
        let group = DispatchGroup()
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var statuses: [Int32] = []
            func add(_ s: Int32) { lock.lock(); statuses.append(s); lock.unlock() }
        }
        let results = Results()
        for writer in 0..<3 {
            group.enter()
            DispatchQueue.global().async { [f] in
                for i in 0..<perWriter {
                    // Adds a version; every other one is promoted. Each is its own process.
                    let args = ["add", "m", writer == 0 ? f.model : f.model2, "--wait", "60"] + (i % 2 == 0 ? ["--promote"] : [])
                    results.add(f.registry(reg, args).status)
                }
                group.leave()
            }
        }
        group.wait()
        #expect(results.statuses.count == 3 * perWriter && results.statuses.allSatisfy { $0 == 0 }, "\(results.statuses)")
        let versions = jsonLines(f.ok(reg, ["versions", "m"])).compactMap { $0["version"] as? Int }
        #expect(versions == Array(1...(1 + 3 * perWriter)))
        let history = jsonLines(f.ok(reg, ["history", "--model", "m"]))
        #expect(history.filter { $0["type"] as? String == "version" }.count == 3 * perWriter / 2)
        #expect(history.filter { $0["type"] as? String == "promote" }.count == 3 * perWriter / 2)
        #expect(f.registry(reg, ["verify"]).status == 0)
    }

    @Test func heldLockExits75NamingTheHolderAndWaitWaits() throws {
        let reg = f.makeRegistry("reg")
        f.ok(reg, ["add", "m", f.model2])
        // Another holder has the lock; its record names a live pid (this test's).
        let record = #"{"command":"nimp cycle","host":"\#(ProcessInfo.processInfo.hostName)","pid":\#(getpid()),"started":"2025-01-01T00:00:00.000Z"}"#
        let holder = try HeldLock(reg + "/lock", record: record)
        let busy = f.registry(reg, ["promote", "m", "2"])
        #expect(busy.status == 75)
        #expect(busy.stderr.contains("pid \(getpid())") && busy.stderr.contains("--wait"), "\(busy.stderr)")
        // Readers do not wait.
        #expect(f.registry(reg, ["list"]).status == 0)
        #expect(jsonObject(f.ok(reg, ["status"]))["lock"] is [String: Any])
        DispatchQueue.global().asyncAfter(deadline: .now() + 1) { holder.release() }
        let waited = f.registry(reg, ["promote", "m", "2", "--wait", "10"])
        #expect(waited.status == 0, "\(waited.stderr)")
        #expect(!waited.stderr.contains("taken over"), "\(waited.stderr)")
    }

    @Test func staleLockOfADeadProcessIsTakenOverAndLogged() throws {
        let reg = f.makeRegistry("reg")
        f.ok(reg, ["add", "m", f.model2])
        // A holder killed while holding the lock: its record stays, its lock is gone.
        let killed = f.registry(reg, ["promote", "m", "2"], env: ["NIMP_FAILPOINT": "promote.begin"])
        #expect(killed.status == 137)
        let status = jsonObject(f.ok(reg, ["status"]))
        #expect((status["lock"] as? [String: Any])?["alive"] as? Bool == false)
        let r = f.registry(reg, ["promote", "m", "2"])
        #expect(r.status == 0 && r.stderr.contains("taken over"), "\(r.stderr)")
        let takeover = jsonLines(f.ok(reg, ["history", "--type", "lock-takeover"]))
        #expect(takeover.count == 1 && takeover[0]["previous_command"] as? String == "nimp registry promote m 2 --registry \(reg)")
        #expect(jsonObject(f.ok(reg, ["status"]))["lock"] is NSNull)
    }

    /// 100 models × 100 versions: `list` reads indexes, not archives (their bytes here are
    /// not archives at all, only of the indexed size). Its speed is `bench/scale`'s business.
    @Test func listOverTenThousandVersionsReadsIndexesNotArchives() throws {
        let reg = f.makeRegistry("reg")
        let root = reg + "/models"
        let archive = Data(repeating: 0x41, count: try Data(contentsOf: URL(fileURLWithPath: root + "/m/versions/v0001.nimp")).count)
        let spec = try Data(contentsOf: URL(fileURLWithPath: root + "/m/model.json"))
        let indexLine = try String(contentsOfFile: root + "/m/versions/index.jsonl", encoding: .utf8)
        for model in 0..<100 {
            let dir = root + String(format: "/model%03d", model)
            try FileManager.default.createDirectory(atPath: dir + "/versions", withIntermediateDirectories: true)
            try spec.write(to: URL(fileURLWithPath: dir + "/model.json"))
            try Data("v0100\n".utf8).write(to: URL(fileURLWithPath: dir + "/champion"))
            var index = ""
            for version in 1...100 {
                try archive.write(to: URL(fileURLWithPath: dir + String(format: "/versions/v%04d.nimp", version)))
                index += indexLine.replacingOccurrences(of: #""version":1"#, with: #""version":\#(version)"#)
            }
            try Data(index.utf8).write(to: URL(fileURLWithPath: dir + "/versions/index.jsonl"))
        }
        let r = f.registry(reg, ["list"])
        #expect(r.status == 0 && r.stderr.isEmpty && jsonLines(r.stdout).count == 101, "\(r.stderr)")
        let last = jsonLines(r.stdout).last
        #expect(last?["versions"] as? Int == 100 && last?["champion"] as? Int == 100)
        #expect((last?["metrics"] as? [String: Any])?.isEmpty == false)
    }
}
