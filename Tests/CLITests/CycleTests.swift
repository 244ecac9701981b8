import Foundation
import NimpIO
import NimpTestSupport
import Testing

/// `nimp cycle` end to end on real example registries: the plan changes nothing, the
/// reasons match the gaps, worse candidates are rejected, signals move, the held-out
/// cache makes idle cycles cheap, kills leave the registry whole, overlaps exit 75.
@Suite(.serialized)
final class CycleTests {
    let scratch: TemporaryDirectory
    let dir: String

    init() throws {
        scratch = try TemporaryDirectory("cycle")
        dir = scratch.path
    }

    func examples(_ name: String) -> String {
        let reg = dir + "/" + name
        let r = runNimp(["registry", "--registry", reg, "init", "--examples", "-q"])
        #expect(r.status == 0, "init --examples: \(r.stderr)")
        return reg
    }

    func cycle(_ reg: String, _ extra: [String] = [], env: [String: String] = [:]) -> (status: Int32, json: [String: Any], stderr: String) {
        let r = runNimp(["cycle", "--registry", reg, "--force", "-q"] + extra, env: env)
        let object = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any] ?? [:]
        return (r.status, object, r.stderr)
    }

    func jsonLines(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
    }

    /// Every file under `root` with its bytes.
    func snapshot(_ root: String) -> [String: Data] {
        var files: [String: Data] = [:]
        let e = FileManager.default.enumerator(atPath: root)
        while let path = e?.nextObject() as? String {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isDir), !isDir.boolValue {
                files[path] = FileManager.default.contents(atPath: root + "/" + path)
            }
        }
        return files
    }

    @Test func planChangesNothingAndExplainsItself() throws {
        let reg = examples("plan")
        let before = snapshot(reg)
        let r = runNimp(["cycle", "--registry", reg, "--plan"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(snapshot(reg) == before, "--plan changed the registry")
        let plan = jsonLines(r.stdout)
        #expect(plan.count == 3, "max_concurrent_tasks is 3 and four models have gaps: \(r.stdout)")
        let listed = Dictionary(uniqueKeysWithValues: jsonLines(runNimp(["registry", "list", "--registry", reg, "--format", "json"]).stdout).map {
            ($0["id"] as! String, $0)
        })
        for task in plan {
            let model = try #require(task["model"] as? String)
            #expect(task["type"] as? String == "training")
            // The gap is the share of the held-out error above the target error.
            let r2 = try #require((listed[model]?["held_out"] as? [String: Any])?["r2"] as? Double)
            let target = try #require((listed[model]?["targets"] as? [String: Any])?["r2"] as? Double)
            let expected = min(1, ((1 - r2) - (1 - target)) / (1 - r2))
            let gap = try #require(task["gap"] as? Double)
            #expect(abs(gap - expected) < 1e-9, "\(model): gap \(gap), expected \(expected)")
            let reasons = (task["reasons"] as? [String] ?? []).joined(separator: " | ")
            #expect(reasons.contains(String(format: "r2 %.4g on held-out data, target %.4g", r2, target)), "\(reasons)")
            #expect(reasons.contains("dopamine 0.30, cortisol 0.20, growth 0.30, serotonin 0.60"), "\(reasons)")
            let signals = try #require(task["signals"] as? [String: Double])
            #expect(signals["dopamine"] == 0.3)
        }
        let priorities = plan.compactMap { $0["priority"] as? Double }
        #expect(priorities == priorities.sorted(by: >))
    }

    @Test func cyclesImproveModelsAndMoveSignals() throws {
        let reg = examples("improve")
        let first = cycle(reg)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.json["status"] as? String == "completed")
        #expect((first.json["promoted"] as? Int ?? 0) >= 1, "\(first.json)")
        let signals = try #require(first.json["signals"] as? [String: Double])
        #expect(signals["dopamine"]! > 0.3, "a rewarded cycle raises dopamine")
        #expect(signals["serotonin"]! < 0.6, "promotions lower serotonin")
        // Every promotion is better on held-out data than its parent.
        let tasks = jsonLines(runNimp(["registry", "history", "--registry", reg, "--type", "task", "--format", "json"]).stdout)
        #expect(!tasks.isEmpty)
        for t in tasks where t["promoted"] as? Bool == true {
            let before = try #require((t["before"] as? [String: Any])?["r2"] as? Double)
            let after = try #require((t["after"] as? [String: Any])?["r2"] as? Double)
            #expect(after > before, "\(t)")
        }
        let verify = runNimp(["registry", "verify", "--registry", reg])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }

    @Test func idleCycleUsesTheCacheAndCalms() throws {
        let reg = examples("idle")
        // Targets every model already meets: nothing to do.
        for id in ["dopamine", "cortisol", "serotonin", "growth", "dopamine-small"] {
            let spec = reg + "/models/\(id)/model.json"
            var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: spec))) as? [String: Any])
            object["targets"] = ["r2": -10.0]
            try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: spec))
        }
        // dopamine-small shares dopamine's eval set: no distillation either.
        #expect(runNimp(["registry", "config", "cross_model_distillation", "false", "--registry", reg]).status == 0)
        let first = cycle(reg)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.json["tasks"] as? Int == 0, "\(first.json)")
        let second = cycle(reg)
        #expect(second.json["evaluated"] as? Int == 0, "the second idle cycle re-evaluated: \(second.json)")
        let s1 = try #require(first.json["signals"] as? [String: Double])
        let s2 = try #require(second.json["signals"] as? [String: Double])
        #expect(s2["serotonin"]! > s1["serotonin"]! || s2["serotonin"]! == 1, "quiet cycles raise serotonin")
    }

    @Test func worseCandidateIsRecordedNotPromoted() throws {
        let reg = examples("worse")
        // A genome that cannot learn: one unit, a vanishing learning rate, one epoch.
        let spec = reg + "/models/dopamine/model.json"
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: spec))) as? [String: Any])
        object["genome"] = ["hidden": [1], "activation": "relu", "learning_rate": 1e-7, "batch_size": 256, "optimizer": "sgd", "epochs": 1]
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: spec))
        let champion = try String(contentsOfFile: reg + "/models/dopamine/champion", encoding: .utf8)
        let r = cycle(reg)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try String(contentsOfFile: reg + "/models/dopamine/champion", encoding: .utf8) == champion)
        let tasks = jsonLines(runNimp(["registry", "history", "--registry", reg, "--model", "dopamine", "--type", "task", "--format", "json"]).stdout)
        let last = try #require(tasks.last)
        #expect(last["promoted"] as? Bool == false)
        #expect(last["outcome"] as? String == "rejected")
        #expect((last["reason"] as? String ?? "").contains("below the threshold"), "\(last)")
        let versions = try FileManager.default.contentsOfDirectory(atPath: reg + "/models/dopamine/versions").filter { $0.hasSuffix(".nimp") }
        #expect(versions.count == 1, "a rejected candidate is not kept")
    }

    @Test func killedCycleLeavesTheRegistryWhole() throws {
        let reg = examples("killed")
        for point in ["version.archive.write", "promote.pointer.rename", "signals.rename", "cycle.history.write"] {
            let r = cycle(reg, env: ["NIMP_FAILPOINT": point])
            #expect(r.status == 137, "\(point) was not reached: \(r.status) \(r.stderr)")
            let verify = runNimp(["registry", "verify", "--registry", reg])
            #expect(verify.status == 0, "after a kill at \(point): \(verify.stdout)\(verify.stderr)")
            for id in ["dopamine", "cortisol", "serotonin", "growth"] {
                let e = runNimp(["registry", "export", id, "-o", dir + "/\(id)-\(point).nimp", "--registry", reg])
                #expect(e.status == 0, "\(id) after a kill at \(point): \(e.stderr)")
            }
        }
    }

    @Test func overlappingCycleExits75() throws {
        let reg = examples("overlap")
        let holder = try HeldLock(reg + "/lock")
        defer { holder.release() }
        #expect(runNimp(["cycle", "--registry", reg, "--force", "-q"]).status == 75)
        let r = runNimp(["cycle", "--registry", reg, "--force"])
        #expect(r.status == 75)
        #expect(r.stderr.contains("lock"), "\(r.stderr)")
    }

    @Test func textfileForNodeExporter() throws {
        let reg = examples("textfile")
        let r = cycle(reg, ["--textfile-dir", dir])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOfFile: dir + "/nimp.prom", encoding: .utf8)
        #expect(text.contains("# TYPE nimp_signal_level gauge"))
        #expect(text.contains("nimp_signal_level{signal=\"dopamine\"}"))
        #expect(text.contains("nimp_model_held_out{model=\"growth\",metric=\"r2\"}"))
    }

    @Test func cycleTooSoonDoesNothing() throws {
        let reg = examples("interval")
        #expect(cycle(reg).status == 0)
        let r = runNimp(["cycle", "--registry", reg])
        #expect(r.status == 0)
        let json = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any] ?? [:]
        #expect(json["status"] as? String == "skipped", "\(r.stdout)")
        #expect((json["reason"] as? String ?? "").contains("improvement_interval"))
    }
}
