import Foundation
import NimpIO
import NimpTestSupport
import Testing

/// Kills and I/O errors at every step of the registry's write path: after each, the
/// registry verifies clean, the previous champion is intact, and no temporary is left
/// after the next command.
@Suite(.serialized) struct RegistryFaultTests {
    let f: RegistryFixture

    init() throws {
        f = try RegistryFixture()
    }

    /// The champion of `m` is `expected` (one of) and its archive reads.
    func expectChampionIntact(_ reg: String, _ expected: Set<Int>, _ step: String, _ g: Failures, sourceLocation: SourceLocation = #_sourceLocation) {
        let text = (try? String(contentsOfFile: reg + "/models/m/champion", encoding: .utf8)) ?? ""
        let version = Int(text.trimmingCharacters(in: .whitespacesAndNewlines).dropFirst()) ?? -1
        g.expect(expected.contains(version), "\(step): champion is \(text)", sourceLocation: sourceLocation)
        g.expect((try? ModelArchive.read(path: reg + "/models/m/versions/" + String(format: "v%04d.nimp", version))) != nil,
                 "\(step): champion archive unreadable", sourceLocation: sourceLocation)
    }

    func expectVerifyClean(_ reg: String, _ step: String, _ g: Failures, sourceLocation: SourceLocation = #_sourceLocation) {
        let v = f.registry(reg, ["verify"])
        g.expect(v.status == 0, "\(step): verify → \(v.status)\n\(v.stdout)\(v.stderr)", sourceLocation: sourceLocation)
    }

    func failpoint(_ step: String, _ action: String) -> String {
        let parts = step.split(separator: "@")
        return "\(parts[0]):\(action)@\(parts[1])"
    }

    @Test func killAtEveryStepOfAdd() throws {
        let template = f.makeRegistry("template")
        let addArgs = ["add", "n", f.model2, "--data", f.train2, "--eval", f.eval2]
        let traced = f.dir + "/traced"
        try copyDirectory(template, traced)
        let steps = failpointSteps(["registry"] + addArgs + ["--registry", traced], in: f.dir)
        #expect(steps.count >= 35 && steps.contains("add.rename@1") && steps.contains("data.rename@2"), "\(steps)")
        var passed = 0
        for step in steps {
            let reg = f.dir + "/crash"
            try copyDirectory(template, reg)
            let g = Failures()
            let r = f.registry(reg, addArgs, env: ["NIMP_FAILPOINT": step])
            g.expect(r.status == 137, "\(step): expected SIGKILL, got \(r.status) \(r.stderr)")
            expectVerifyClean(reg, step, g)
            expectChampionIntact(reg, [1], step, g)
            let listed = jsonLines(f.ok(reg, ["list"]))
            let n = listed.first { $0["id"] as? String == "n" }
            g.expect(n == nil || n?["champion"] as? Int == 1, "\(step): half-added model \(String(describing: n))")
            // The next writer finishes the job (or finds it done) and leaves no temporaries.
            let again = f.registry(reg, addArgs)
            g.expect(again.status == 0 || (n != nil && again.status == 73), "\(step): re-add → \(again.status) \(again.stderr)")
            g.expect(temporaries(reg).isEmpty, "\(step): left \(temporaries(reg))")
            expectVerifyClean(reg, step + " (after the next command)", g)
            if g.count == 0 { passed += 1 }
        }
        Reliability.report(["kind": "fault", "command": "registry add", "fault": "crash", "steps": steps.count, "exercised": steps.count, "passed": passed])
    }

    @Test func killAtEveryStepOfAddingAPromotedVersion() throws {
        let template = f.makeRegistry("template")
        let args = ["add", "m", f.model2, "--promote"]
        let traced = f.dir + "/traced"
        try copyDirectory(template, traced)
        let steps = failpointSteps(["registry"] + args + ["--registry", traced], in: f.dir)
        #expect(steps.contains("version.archive.rename@1") && steps.contains("promote.pointer.rename@1"))
        var passed = 0
        for step in steps {
            let reg = f.dir + "/crash"
            try copyDirectory(template, reg)
            let g = Failures()
            let r = f.registry(reg, args, env: ["NIMP_FAILPOINT": step])
            g.expect(r.status == 137, "\(step): \(r.status) \(r.stderr)")
            expectVerifyClean(reg, step, g)
            expectChampionIntact(reg, [1, 2], step, g)
            let again = jsonObject(f.ok(reg, args))
            g.expect(again["champion"] as? Int == again["version"] as? Int, "\(step)")
            g.expect(temporaries(reg).isEmpty, "\(step): left \(temporaries(reg))")
            expectVerifyClean(reg, step + " (after the next command)", g)
            if g.count == 0 { passed += 1 }
        }
        Reliability.report(["kind": "fault", "command": "registry add --promote", "fault": "crash", "steps": steps.count, "exercised": steps.count, "passed": passed])
    }

    @Test func killAtEveryStepOfPromoteAndRollback() throws {
        let template = f.makeRegistry("template")
        f.ok(template, ["add", "m", f.model2])
        for (command, from, to) in [(["promote", "m", "2"], 1, 2), (["rollback", "m"], 2, 1)] {
            var base = template
            if command[0] == "rollback" {
                base = f.dir + "/promoted"
                try copyDirectory(template, base)
                f.ok(base, ["promote", "m", "2"])
            }
            let traced = f.dir + "/traced"
            try copyDirectory(base, traced)
            let steps = failpointSteps(["registry"] + command + ["--registry", traced], in: f.dir)
            #expect(steps.contains("\(command[0]).pointer.rename@1"))
            var passed = 0
            for step in steps {
                let reg = f.dir + "/crash"
                try copyDirectory(base, reg)
                let g = Failures()
                let r = f.registry(reg, command, env: ["NIMP_FAILPOINT": step])
                g.expect(r.status == 137, "\(step): \(r.status) \(r.stderr)")
                expectVerifyClean(reg, step, g)
                expectChampionIntact(reg, [from, to], step, g)
                // Rollback history stays coherent: promote then roll back lands on the other version.
                let champion = jsonObject(f.ok(reg, ["show", "m"]))["champion"] as? Int
                let other = champion == 1 ? 2 : 1
                f.ok(reg, ["promote", "m", String(other)])
                g.expect(jsonObject(f.ok(reg, ["rollback", "m"]))["to"] as? Int == champion, "\(step)")
                g.expect(temporaries(reg).isEmpty, "\(step): left \(temporaries(reg))")
                expectVerifyClean(reg, step + " (after the next commands)", g)
                if g.count == 0 { passed += 1 }
            }
            Reliability.report(["kind": "fault", "command": "registry \(command[0])", "fault": "crash", "steps": steps.count, "exercised": steps.count, "passed": passed])
        }
    }

    /// eio and enospc at every step of add (new model and new version), promote,
    /// rollback, config and gc: the command fails, and the registry is byte for byte as before.
    @Test func ioErrorAtEveryWriteStepLeavesTheOldState() throws {
        let template = f.makeRegistry("template")
        f.ok(template, ["add", "m", f.model2])
        f.ok(template, ["add", "m", f.model2])
        let rolledBack = f.dir + "/rolled"
        try copyDirectory(template, rolledBack)
        f.ok(rolledBack, ["promote", "m", "2"])
        let commands: [(String, [String])] = [
            (template, ["add", "n", f.model2, "--data", f.train2, "--eval", f.eval2]),
            (template, ["add", "m", f.model2, "--promote"]),
            (template, ["promote", "m", "3"]),
            (rolledBack, ["rollback", "m"]),
            (template, ["config", "keep_versions", "2"]),
            (template, ["gc", "--keep", "1"]),
        ]
        var exercised = 0
        var figures: [String: [Int]] = [:]  // "command fault" → steps, exercised, passed
        for (base, command) in commands {
            let traced = f.dir + "/traced"
            try copyDirectory(base, traced)
            let steps = failpointSteps(["registry"] + command + ["--registry", traced], in: f.dir)
            #expect(!steps.isEmpty)
            let before = snapshot(base)
            for step in steps where !step.hasSuffix(".done@1") && !step.hasSuffix(".begin@1") {
                for action in ["eio", "enospc"] {
                    let reg = f.dir + "/faulty"
                    try copyDirectory(base, reg)
                    let r = f.registry(reg, command, env: ["NIMP_FAILPOINT": failpoint(step, action)])
                    let label = "\(command.joined(separator: " ")) \(step) \(action)"
                    let g = Failures()
                    g.expect(r.status == 74, "\(label): \(r.status) \(r.stderr)")
                    g.expect(snapshot(reg) == before, "\(label): registry changed: \(Set(snapshot(reg).keys).symmetricDifference(before.keys))")
                    g.expect(temporaries(reg).isEmpty, "\(label): left \(temporaries(reg))")
                    exercised += 1
                    let key = "registry \(command[0] == "add" && command.contains("--promote") ? "add --promote" : command[0])\t\(action)"
                    var row = figures[key] ?? [0, 0, 0]
                    row[1] += 1
                    if g.count == 0 { row[2] += 1 }
                    row[0] = max(row[0], steps.count)
                    figures[key] = row
                }
            }
        }
        #expect(exercised > 100)
        for (key, row) in figures.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "\t").map(String.init)
            Reliability.report(["kind": "fault", "command": parts[0], "fault": parts[1], "steps": row[0], "exercised": row[1], "passed": row[2]])
        }
    }
}
