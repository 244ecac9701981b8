import Foundation
import NimpCore
import NimpIO
import NimpTestSupport
import Testing

/// Every `nimp registry` subcommand end to end on a temporary registry.
@Suite(.serialized) struct RegistryCommandsTests {
    let f: RegistryFixture

    init() throws {
        f = try RegistryFixture()
    }

    @Test func initAddListShowVersionsLineage() throws {
        let reg = f.dir + "/reg"
        f.ok(reg, ["init"])
        #expect(FileManager.default.fileExists(atPath: reg + "/config.json"))
        f.ok(reg, ["init"])  // an existing registry is left as it is
        let added = jsonObject(f.ok(reg, ["add", "m", f.model, "--data", f.train, "--eval", f.eval,
                                          "--target", "r2=0.95", "--target", "latency_p50_us=50", "--max-parameters", "5000"]))
        #expect(added["version"] as? Int == 1 && added["champion"] as? Int == 1)
        #expect((added["held_out"] as? [String: Any])?["r2"] != nil)
        let spec = jsonObject(try String(contentsOfFile: reg + "/models/m/model.json", encoding: .utf8).replacingOccurrences(of: "\n", with: " "))
        #expect((spec["targets"] as? [String: Any])?["r2"] as? Double == 0.95)
        #expect((spec["constraints"] as? [String: Any])?["max_parameters"] as? Int == 5000)

        let listed = jsonLines(f.ok(reg, ["list"]))
        #expect(listed.count == 1 && listed[0]["id"] as? String == "m" && listed[0]["champion"] as? Int == 1)
        #expect(f.ok(reg, ["list", "--format", "table"]).hasPrefix("MODEL"))
        // --registry before the subcommand works too.
        #expect(runNimp(["registry", "--registry", reg, "list"]).status == 0)
        #expect(runNimp(["registry", "list"], env: ["NIMP_REGISTRY": reg]).stdout == f.ok(reg, ["list"]))

        let v2 = jsonObject(f.ok(reg, ["add", "m", f.model2]))
        #expect(v2["version"] as? Int == 2 && v2["champion"] as? Int == 1)
        let versions = jsonLines(f.ok(reg, ["versions", "m"]))
        #expect(versions.map { $0["version"] as? Int } == [1, 2])
        #expect(versions.map { $0["champion"] as? Bool } == [true, false])
        let shown = jsonObject(f.ok(reg, ["show", "m"]))
        #expect(shown["champion"] as? Int == 1 && (shown["spec"] as? [String: Any])?["task"] as? String == "regression")
        let manifest = jsonObject(f.ok(reg, ["show", "m@2"]))
        #expect(((manifest["manifest"] as? [String: Any])?["version"] as? Int) == 2)
        #expect(jsonLines(f.ok(reg, ["lineage", "m"])).count == 2)
        #expect(f.ok(reg, ["lineage", "m", "--dot"]).contains("digraph"))

        #expect(f.registry(reg, ["show", "nope"]).status == 66)
        #expect(f.registry(reg, ["show", "m@7"]).status == 66)
        #expect(runNimp(["registry", "list", "--registry", f.dir + "/missing"]).status == 66)
        #expect(f.registry(reg, ["add", "m", f.model, "--data", f.train]).status == 73)
        #expect(f.registry(reg, ["add", "bad/id", f.model, "--data", f.train]).status == 64)
    }

    @Test func addWithGeneratedOrTeacherLabelledData() throws {
        let reg = f.makeRegistry("reg", models: [])
        let g = jsonObject(f.ok(reg, ["add", "g", f.model, "--generator", "signal/dopamine", "--samples", "200", "--target", "r2=0.9"]))
        #expect(g["version"] as? Int == 1 && g["train_sha256"] as? String != g["eval_sha256"] as? String)
        let spec = try String(contentsOfFile: reg + "/models/g/model.json", encoding: .utf8)
        #expect(spec.contains(#""generator" : "signal/dopamine""#))
        // A teacher command: the mean of the inputs, one JSON array per line.
        let teacher = #"awk '{ gsub(/[][]/, ""); n = split($0, v, ","); s = 0; for (i = 1; i <= n; i++) s += v[i]; print "[" s / n "]" }'"#
        let t = jsonObject(f.ok(reg, ["add", "t", f.model, "--teacher-command", teacher, "--features", "10", "--samples", "100"]))
        #expect(t["champion"] as? Int == 1)
        #expect(try String(contentsOfFile: reg + "/models/t/model.json", encoding: .utf8).contains(#""command" : "awk"#))
        #expect(f.registry(reg, ["add", "u", f.model, "--teacher-command", "cat"]).status == 64)
        #expect(f.registry(reg, ["verify"]).status == 0)
    }

    @Test func promoteRollbackHistoryExport() throws {
        let reg = f.makeRegistry("reg")
        f.ok(reg, ["add", "m", f.model2])
        let promoted = jsonObject(f.ok(reg, ["promote", "m", "2", "--reason", "test"]))
        #expect(promoted["from"] as? Int == 1 && promoted["to"] as? Int == 2)
        #expect(try String(contentsOfFile: reg + "/models/m/champion", encoding: .utf8) == "v0002\n")
        #expect(jsonObject(f.ok(reg, ["rollback", "m"]))["to"] as? Int == 1)
        let noMore = f.registry(reg, ["rollback", "m"])
        #expect(noMore.status == 1 && noMore.stderr.contains("no previous champion"))
        #expect(f.registry(reg, ["promote", "m", "9"]).status == 66)
        #expect(f.registry(reg, ["promote", "m", "two"]).status == 64)

        let history = jsonLines(f.ok(reg, ["history", "--model", "m"]))
        #expect(history.map { $0["type"] as? String } == ["add", "version", "promote", "rollback"])
        #expect(jsonLines(f.ok(reg, ["history", "--limit", "2"])).map { $0["type"] as? String } == ["promote", "rollback"])
        #expect(jsonLines(f.ok(reg, ["history", "--since", "1h", "--type", "promote"])).count == 1)
        #expect(f.ok(reg, ["history", "--since", "2999-01-01"]).isEmpty)
        #expect(f.registry(reg, ["history", "--since", "yesterday"]).status == 64)

        let out = f.dir + "/exported.nimp"
        f.ok(reg, ["export", "m@2", "-o", out])
        #expect(try ModelArchive.read(path: out).manifest.version == 2)
        let piped = f.dir + "/piped.nimp"
        let shell = runProcess("/bin/sh", ["-c", "\"$0\" registry export m -o - --registry \"$1\" > \"$2\"", nimpBinary.path, reg, piped])
        #expect(shell.status == 0, "\(shell.stderr)")
        let champion = try Data(contentsOf: URL(fileURLWithPath: reg + "/models/m/versions/v0001.nimp"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: piped)) == champion)
        #expect(f.registry(reg, ["export", "m@3", "-o", out]).status == 66)
    }

    @Test func statusSignalsConfigVerifyGC() throws {
        let reg = f.makeRegistry("reg")
        let status = jsonObject(f.ok(reg, ["status"]))
        #expect(status["models"] as? Int == 1 && status["lock"] is NSNull)
        #expect((status["machine"] as? [String: Any])?["disk_free_bytes"] != nil)
        #expect(((status["champions"] as? [String: Any])?["m"] as? Int) == 1)
        #expect(f.ok(reg, ["status", "--format", "table"]).contains("last cycle"))

        let signals = jsonLines(f.ok(reg, ["signals"]))
        #expect(signals.count == 1 && signals[0]["current"] as? Bool == true)
        try Data(#"{"levels":{"dopamine":0.7},"history":[{"time":"2025-01-01T00:00:00Z","levels":{"dopamine":0.5}}]}"#.utf8)
            .write(to: URL(fileURLWithPath: reg + "/signals.json"))
        let withHistory = jsonLines(f.ok(reg, ["signals"]))
        #expect(withHistory.count == 2 && (withHistory[1]["levels"] as? [String: Any])?["dopamine"] as? Double == 0.7)

        #expect(jsonLines(f.ok(reg, ["config"])).count == 13)
        f.ok(reg, ["config", "keep_versions", "3"])
        #expect(f.ok(reg, ["config", "keep_versions"]) == "3\n")
        // "-1" reads as an option: a usage error; "0" is out of range: bad data, naming the key.
        #expect(f.registry(reg, ["config", "keep_versions", "-1"]).status == 64)
        #expect(f.registry(reg, ["config", "keep_versions", "0"]).status == 65)
        for bad in ["0", "1", "1.5", "nan"] {
            let r = f.registry(reg, ["config", "promotion_confidence", bad])
            #expect(r.status == 65 && r.stderr.contains("promotion_confidence") && r.stderr.contains("strictly between 0 and 1"), "\(bad): \(r.stderr)")
        }
        f.ok(reg, ["config", "promotion_confidence", "0.99"])
        let typo = f.registry(reg, ["config", "keep_version"])
        #expect(typo.status == 64 && typo.stderr.contains("did you mean \"keep_versions\""))

        #expect(f.registry(reg, ["verify"]).status == 0)

        f.ok(reg, ["add", "m", f.model2])              // v2
        f.ok(reg, ["add", "m", f.model2])              // v3
        let gc = jsonObject(f.ok(reg, ["gc", "--keep", "1"]))
        #expect(((gc["removed"] as? [String: Any])?["m"] as? [Int]) == [2])
        #expect(!FileManager.default.fileExists(atPath: reg + "/models/m/versions/v0002.nimp"))
        #expect(FileManager.default.fileExists(atPath: reg + "/models/m/versions/v0001.nimp"))
        #expect(f.registry(reg, ["verify"]).status == 0)
    }

    @Test func verifyFindsTamperedArchiveAndTornHistory() throws {
        let reg = f.makeRegistry("reg")
        let archive = reg + "/models/m/versions/v0001.nimp"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: archive))
        bytes[bytes.count - 700] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: archive))
        let handle = try #require(FileHandle(forWritingAtPath: reg + "/history.jsonl"))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"time":"2025-01-01T00:00:00Z","ty"#.utf8))
        try handle.close()
        let r = f.registry(reg, ["verify"])
        #expect(r.status == 65)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 3, "\(r.stdout)")
        #expect(lines.contains { $0.contains("v0001.nimp") })
        #expect(lines.contains { $0.contains("champion: points to v0001, which is damaged") })
        #expect(lines.contains { $0.contains("history.jsonl: line 3") && $0.contains("torn") })
        // Commands addressing the damaged entry fail with 65; history keeps its earlier lines.
        #expect(f.registry(reg, ["export", "m", "-o", f.dir + "/x.nimp"]).status == 65)
        let history = f.registry(reg, ["history"])
        #expect(history.status == 0 && jsonLines(history.stdout).count == 2 && history.stderr.contains("line 3"))
    }

    @Test func listingSkipsADamagedModel() throws {
        let reg = f.makeRegistry("reg", models: ["a", "b"])
        try Data("{".utf8).write(to: URL(fileURLWithPath: reg + "/models/a/model.json"))
        let r = f.registry(reg, ["list"])
        #expect(r.status == 0 && jsonLines(r.stdout).map { $0["id"] as? String } == ["b"])
        #expect(r.stderr.contains("skipping model a"))
        #expect(f.registry(reg, ["show", "a"]).status == 65)
        #expect(f.registry(reg, ["verify"]).status == 65)
    }
}
