import Foundation
import NimpIO
import NimpTestSupport
import Testing

/// What RegistryFaultTests (kills at every step of add/promote/rollback, EIO/ENOSPC at
/// every write step of add/promote/rollback/config/gc) leaves to issue 7's other half:
/// a kill at every step of `gc`, and a second kill during the recovery from a first one
/// for `add` (a model, and a promoted version), `promote`, `rollback` and `gc` (the next writer takes over the lock, empties the killed
/// writer's temporaries and trash, cuts a torn history line; it is killed at each of
/// its steps in turn), then a third command. The registry is whole after each.
@Suite(.serialized) struct RecoveryFaultTests {
    let f: RegistryFixture

    init() throws {
        f = try RegistryFixture()
    }

    /// m: versions 1–6, champion stack 1 → 2 → 3, versions 4–6 never promoted; an
    /// orphan dataset in data/. `gc --keep 1` removes v4, v5 and the orphan.
    func template() throws -> String {
        let reg = f.makeRegistry("template")
        for _ in 2...6 { f.ok(reg, ["add", "m", f.model2]) }
        f.ok(reg, ["promote", "m", "2"])
        f.ok(reg, ["promote", "m", "3"])
        let data = try FileManager.default.contentsOfDirectory(atPath: reg + "/data").filter { $0.hasSuffix(".safetensors") }
        let orphan = String(repeating: "ab", count: 32) + ".safetensors"
        try FileManager.default.copyItem(atPath: reg + "/data/" + data[0], toPath: reg + "/data/" + orphan)
        return reg
    }

    @Test func killAtEveryStepOfGC() throws {
        let base = try template()
        let state = RegistryState(base)
        let args = ["gc", "--keep", "1"]
        let traced = f.dir + "/traced"
        try copyDirectory(base, traced)
        let steps = failpointSteps(["registry"] + args + ["--registry", traced], in: f.dir)
        #expect(steps.contains("gc.move@3") && steps.contains("gc.index.rename@1") && steps.contains("gc.commit@1"), "\(steps)")
        var passed = 0
        for step in steps {
            let reg = f.dir + "/crash"
            try copyDirectory(base, reg)
            let g = Failures()
            let r = f.registry(reg, args, env: ["NIMP_FAILPOINT": step])
            g.expect(r.status == 137, "gc killed at \(step): \(r.status) \(r.stderr)")
            state.check(reg, "gc killed at \(step)", afterNextCommand: false, g)
            let again = f.registry(reg, args)
            g.expect(again.status == 0, "gc killed at \(step), then gc: \(again.status) \(again.stderr)")
            state.check(reg, "gc killed at \(step), then gc", afterNextCommand: true, g)
            let versions = jsonLines(f.ok(reg, ["versions", "m"])).compactMap { $0["version"] as? Int }
            g.expect(versions == [1, 2, 3, 6], "gc killed at \(step), then gc: versions \(versions)")
            if g.count == 0 { passed += 1 }
        }
        Reliability.report(["kind": "fault", "command": "registry gc", "fault": "crash", "steps": steps.count, "exercised": steps.count, "passed": passed])
    }

    /// A kill at S1 of `command`, the next `command` killed at each of its steps S2, then
    /// `third`: whole after each step, no temporaries after the third.
    func secondKill(_ command: [String], base: String, third: [String], stride: Int, name: String) throws {
        let state = RegistryState(base)
        let traced = f.dir + "/traced"
        try copyDirectory(base, traced)
        let steps = failpointSteps(["registry"] + command + ["--registry", traced], in: f.dir)
        var pairs = 0, passed = 0
        for first in Reliability.sample(steps, stride: stride) {
            let crashed = f.dir + "/crashed"
            try copyDirectory(base, crashed)
            let r = f.registry(crashed, command, env: ["NIMP_FAILPOINT": first])
            #expect(r.status == 137, "\(name) killed at \(first): \(r.status) \(r.stderr)")
            // The recovering command's steps from this state (it may have nothing left to do).
            try copyDirectory(crashed, traced)
            let trace = f.dir + "/trace-recovery"
            try? FileManager.default.removeItem(atPath: trace)
            _ = f.registry(traced, command, env: ["NIMP_FAILPOINT_TRACE": trace])
            var seen: [String: Int] = [:]
            let recovery = ((try? String(contentsOfFile: trace, encoding: .utf8)) ?? "").split(separator: "\n").map { name -> String in
                seen[String(name), default: 0] += 1
                return "\(name)@\(seen[String(name)]!)"
            }
            for second in Reliability.sample(recovery, stride: stride) {
                let reg = f.dir + "/twice"
                try copyDirectory(crashed, reg)
                let g = Failures()
                let label = "\(name) killed at \(first), the next \(name) killed at \(second)"
                let again = f.registry(reg, command, env: ["NIMP_FAILPOINT": second])
                g.expect(again.status == 137, "\(label): \(again.status) \(again.stderr)")
                state.check(reg, label, afterNextCommand: false, g)
                let last = f.registry(reg, third)
                g.expect(last.status == 0, "\(label), then \(third.joined(separator: " ")): \(last.status) \(last.stderr)")
                state.check(reg, "\(label), then \(third.joined(separator: " "))", afterNextCommand: true, g)
                pairs += 1
                if g.count == 0 { passed += 1 }
            }
        }
        Reliability.report(["kind": "fault", "command": "registry \(name)", "fault": "crash-during-recovery", "steps": steps.count, "exercised": pairs, "passed": passed])
    }

    @Test func secondKillDuringRecoveryFromGC() throws {
        try secondKill(["gc", "--keep", "1"], base: try template(), third: ["gc", "--keep", "1"], stride: Reliability.exhaustive ? 1 : 3, name: "gc")
    }

    @Test func secondKillDuringRecoveryFromAddingAModel() throws {
        try secondKill(["add", "n", f.model2, "--data", f.train2, "--eval", f.eval2], base: try template(),
                       third: ["config", "keep_versions", "5"], stride: Reliability.exhaustive ? 1 : 5, name: "add")
    }

    @Test func secondKillDuringRecoveryFromAddingAPromotedVersion() throws {
        try secondKill(["add", "m", f.model2, "--promote"], base: try template(), third: ["config", "keep_versions", "5"],
                       stride: Reliability.exhaustive ? 1 : 4, name: "add --promote")
    }

    @Test func secondKillDuringRecoveryFromPromote() throws {
        try secondKill(["promote", "m", "5"], base: try template(), third: ["config", "keep_versions", "5"],
                       stride: Reliability.exhaustive ? 1 : 3, name: "promote")
    }

    @Test func secondKillDuringRecoveryFromRollback() throws {
        // Stack 1 → 2 → 3: a rollback and the one after it both have somewhere to go.
        try secondKill(["rollback", "m"], base: try template(), third: ["config", "keep_versions", "5"], stride: Reliability.exhaustive ? 1 : 3, name: "rollback")
    }
}
