import Foundation
import NimpTestSupport
import Testing

/// The cycle as three steps over files: `cycle plan` writes task files and changes
/// nothing, `task run` makes a candidate and a result without the lock, `cycle gate`
/// measures again and promotes; tampered results are refused; queued tasks come first.
@Suite(.serialized)
final class CycleStepsTests {
    let scratch: TemporaryDirectory
    let dir: String

    init() throws {
        scratch = try TemporaryDirectory("steps")
        dir = scratch.path
    }

    func examples(_ name: String, tasks: Int = 2) -> String {
        let reg = dir + "/" + name
        #expect(runNimp(["registry", "--registry", reg, "init", "--examples", "-q"]).status == 0)
        #expect(runNimp(["registry", "config", "max_concurrent_tasks", String(tasks), "--registry", reg]).status == 0)
        return reg
    }

    func history(_ reg: String) -> [[String: Any]] {
        jsonLines(String(decoding: historyData(reg), as: UTF8.self))
    }

    func files(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    }

    @Test func planRunGateOverFiles() throws {
        let reg = examples("steps")
        let plan = dir + "/plan"
        let before = snapshot(reg)
        let p = runNimp(["cycle", "plan", "--registry", reg, "-o", plan])
        #expect(p.status == 0, "\(p.stderr)")
        #expect(snapshot(reg) == before, "cycle plan changed the registry")
        let tasks = files(plan + "/tasks")
        #expect(tasks.count == 2 && jsonLines(p.stdout).count == 2, "\(tasks) \(p.stdout)")
        #expect(p.stderr.contains("no task:"), "the models left out are explained: \(p.stderr)")
        let task = jsonObject(try String(contentsOfFile: plan + "/tasks/" + tasks[0], encoding: .utf8))
        #expect(task["format"] as? String == "nimp-task")
        #expect((task["champion"] as? [String: Any])?["sha256"] is String)
        #expect(task["spec"] is [String: Any] && task["settings"] is [String: Any] && task["seed"] is String)

        for t in tasks {
            let r = runNimp(["task", "run", plan + "/tasks/" + t])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(jsonObject(r.stdout)["status"] as? String == "candidate", "\(r.stdout)")
        }
        let results = files(plan + "/results")
        #expect(results.filter { $0.hasSuffix(".result.json") }.count == 2 && results.filter { $0.hasSuffix(".nimp") }.count == 2, "\(results)")
        #expect(snapshot(reg) == before, "task run changed the registry")
        // Running a task again does nothing: its result is there.
        let resultBytes = FileManager.default.contents(atPath: plan + "/results/" + results.first { $0.hasSuffix(".result.json") }!)
        let again = runNimp(["task", "run", plan + "/tasks/" + tasks[0]])
        #expect(again.status == 0 && again.stderr.contains("already run"), "\(again.stderr)")
        #expect(FileManager.default.contents(atPath: plan + "/results/" + results.first { $0.hasSuffix(".result.json") }!) == resultBytes)

        let g = runNimp(["cycle", "gate", "--registry", reg, plan])
        #expect(g.status == 0, "\(g.stderr)")
        let summary = jsonObject(g.stdout)
        #expect(summary["tasks"] as? Int == 2 && summary["promoted"] as? Int == 2, "\(g.stdout) \(g.stderr)")
        let lines = history(reg).filter { $0["type"] as? String == "task" }
        #expect(lines.count == 2)
        for line in lines {
            #expect((line["task_id"] as? String).map { id in tasks.contains(id + ".json") } == true)
            #expect(line["executor"] as? String == "manual" && line["host"] is String && line["cpu_seconds"] is Double, "\(line)")
        }
        #expect(runNimp(["registry", "verify", "--registry", reg]).status == 0)
        // A second gate of the same results decides nothing and writes nothing.
        let count = history(reg).count
        let g2 = runNimp(["cycle", "gate", "--registry", reg, plan])
        #expect(g2.status == 0 && jsonObject(g2.stdout)["status"] as? String == "nothing-to-gate", "\(g2.stdout)")
        #expect(history(reg).count == count)
    }

    @Test func tamperedAndHostileResultsAreRefused() throws {
        let reg = examples("tamper", tasks: 1)
        let plan = dir + "/tplan"
        #expect(runNimp(["cycle", "plan", "--registry", reg, "-o", plan, "-q"]).status == 0)
        let task = plan + "/tasks/" + files(plan + "/tasks")[0]
        #expect(runNimp(["task", "run", task, "-q"]).status == 0)
        let resultPath = plan + "/results/" + files(plan + "/results").first { $0.hasSuffix(".result.json") }!
        let candidate = plan + "/results/" + files(plan + "/results").first { $0.hasSuffix(".nimp") }!
        let before = snapshot(reg + "/models")

        // A candidate swapped after the run: its sha256 no longer matches the result.
        let original = try #require(FileManager.default.contents(atPath: candidate))
        var swapped = original
        swapped[swapped.count / 2] ^= 0xFF
        try swapped.write(to: URL(fileURLWithPath: candidate))
        let g = runNimp(["cycle", "gate", "--registry", reg, resultPath])
        #expect(g.status == 0 && jsonObject(g.stdout)["failed"] as? Int == 1, "a swapped candidate is a failed task: \(g.stdout) \(g.stderr)")
        #expect(g.stderr.contains("sha256"), "\(g.stderr)")
        #expect(Set(snapshot(reg + "/models").keys.filter { $0.hasSuffix(".nimp") }) == Set(before.keys.filter { $0.hasSuffix(".nimp") }))

        // A task file edited after its run: the result is not this task's (exit 65).
        let plan2 = dir + "/tplan2"
        #expect(runNimp(["cycle", "plan", "--registry", reg, "-o", plan2, "--force", "-q"]).status == 0)
        let task2 = plan2 + "/tasks/" + files(plan2 + "/tasks")[0]
        #expect(runNimp(["task", "run", task2, "-q"]).status == 0)
        var text = try String(contentsOfFile: task2, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"priority\"", with: "\"priority\" : 99, \"ignored\"")
        try text.write(toFile: task2, atomically: true, encoding: .utf8)
        let r2 = plan2 + "/results/" + files(plan2 + "/results").first { $0.hasSuffix(".result.json") }!
        let g2 = runNimp(["cycle", "gate", "--registry", reg, r2])
        #expect(g2.status == 65, "\(g2.stderr)")
        #expect(g2.stderr.contains("refused and never promoted"), "\(g2.stderr)")

        // Not JSON at all, and a result naming a status nimp does not know.
        let hostile = dir + "/hostile.result.json"
        try Data("{\"format\":\"nimp-task-result\",\"format_version\":1,\"format\":2}".utf8).write(to: URL(fileURLWithPath: hostile))
        #expect(runNimp(["cycle", "gate", "--registry", reg, hostile]).status == 65)
        var result = try #require(jsonObject(String(contentsOfFile: r2, encoding: .utf8)) as [String: Any]?)
        result["status"] = "promoted"
        try JSONSerialization.data(withJSONObject: result).write(to: URL(fileURLWithPath: hostile))
        let g3 = runNimp(["cycle", "gate", "--registry", reg, hostile])
        #expect(g3.status == 65 && g3.stderr.contains("status"), "\(g3.stderr)")
        #expect(runNimp(["registry", "verify", "--registry", reg]).status == 0)
    }

    @Test func aChampionChangedSinceThePlanIsTheOneToBeat() throws {
        let reg = examples("stale", tasks: 1)
        let plan = dir + "/splan"
        let p = runNimp(["cycle", "plan", "--registry", reg, "-o", plan])
        let model = try #require(jsonLines(p.stdout).first?["model"] as? String)
        #expect(runNimp(["task", "run", plan + "/tasks/" + files(plan + "/tasks")[0], "-q"]).status == 0)
        // Meanwhile a cycle promotes a new champion of the same model.
        #expect(runNimp(["task", "add", model, "--kind", "training", "--registry", reg, "-q"]).status == 0)
        #expect(runNimp(["cycle", "--registry", reg, "--force", "-q"]).status == 0)
        let g = runNimp(["cycle", "gate", "--registry", reg, plan])
        #expect(g.status == 0, "\(g.stderr)")
        let line = try #require(history(reg).last { $0["type"] as? String == "task" })
        #expect((line["reason"] as? String)?.contains("the champion changed since the plan") == true, "\(line)")
        #expect(line["parent"] as? Int == 2, "gated against the champion of now: \(line)")
    }

    @Test func queuedTasksComeFirstAndLeaveTheQueue() throws {
        let reg = examples("queue", tasks: 2)
        let add = runNimp(["task", "add", "cortisol", "--kind", "training", "--priority", "3", "--target", "r2=0.999", "--registry", reg])
        #expect(add.status == 0, "\(add.stderr)")
        let id = add.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(jsonLines(runNimp(["task", "list", "--registry", reg, "--format", "json"]).stdout).map { $0["id"] as? String } == [id])
        let status = jsonObject(runNimp(["registry", "status", "--registry", reg, "--format", "json"]).stdout)
        #expect((status["queued"] as? [[String: Any]])?.map { $0["id"] as? String } == [id], "\(status)")
        let plan = runNimp(["cycle", "--plan", "--registry", reg, "--force"])
        let first = try #require(jsonLines(plan.stdout).first)
        #expect(first["model"] as? String == "cortisol" && (first["triggers"] as? [String])?.contains("queued") == true, "\(plan.stdout)")
        let c = runNimp(["cycle", "--registry", reg, "--force", "-q"])
        #expect(c.status == 0, "\(c.stderr)")
        #expect(jsonLines(runNimp(["task", "list", "--registry", reg, "--format", "json"]).stdout).isEmpty)
        let h = history(reg)
        #expect(h.contains { $0["type"] as? String == "queue" && $0["task_id"] as? String == id })
        #expect(h.contains { $0["type"] as? String == "task" && $0["queued"] as? String == id && $0["executor"] as? String == "local" })
        #expect(h.contains { $0["type"] as? String == "dequeue" && $0["task_id"] as? String == id })

        #expect(runNimp(["task", "rm", "q-none", "--registry", reg]).status == 66)
        #expect(runNimp(["task", "add", "cortisol", "--kind", "distillation", "--registry", reg]).status == 64)
        #expect(runNimp(["task", "add", "cortisol", "--kind", "magic", "--registry", reg]).status == 64)
        #expect(runNimp(["task", "add", "nobody", "--kind", "training", "--registry", reg]).status == 66)
        let foreign = runNimp(["task", "add", "cortisol", "--kind", "training", "--target", "accuracy=0.9", "--registry", reg])
        #expect(foreign.status == 64 && foreign.stderr.contains("accuracy is not a metric of a regression model")
                && foreign.stderr.contains("flag: --target"), "\(foreign.stderr)")
        let zero = runNimp(["task", "add", "cortisol", "--kind", "optimization", "--max-bytes", "0", "--registry", reg])
        #expect(zero.status == 64 && zero.stderr.contains("max_bytes 0: expected a positive number")
                && zero.stderr.contains("flag: --max-bytes"), "\(zero.stderr)")
        let rm = runNimp(["task", "add", "growth", "--kind", "optimization", "--max-parameters", "100", "--registry", reg])
        #expect(runNimp(["task", "rm", rm.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "--registry", reg]).status == 0)
        #expect(history(reg).last?["type"] as? String == "dequeue")
    }

    @Test func aKilledTaskLeavesNoResultAndTheGateFinishesThePlan() throws {
        let reg = examples("killed", tasks: 1)
        let plan = dir + "/kplan"
        #expect(runNimp(["cycle", "plan", "--registry", reg, "-o", plan, "-q"]).status == 0)
        let task = plan + "/tasks/" + files(plan + "/tasks")[0]
        let killed = runNimp(["task", "run", task], env: ["NIMP_FAILPOINT": "task.result.rename"])
        #expect(killed.status != 0)
        #expect(!files(plan + "/results").contains { $0.hasSuffix(".result.json") }, "\(files(plan + "/results"))")
        let waiting = runNimp(["cycle", "gate", "--registry", reg, plan])
        #expect(jsonObject(waiting.stdout)["status"] as? String == "nothing-to-gate", "\(waiting.stdout)")
        let finished = runNimp(["cycle", "gate", "--registry", reg, plan, "--finish"])
        #expect(jsonObject(finished.stdout)["failed"] as? Int == 1, "\(finished.stdout) \(finished.stderr)")
        #expect(runNimp(["registry", "verify", "--registry", reg]).status == 0)
    }

    /// An I/O error and a kill at every step of `nimp task run`: never a result the gate
    /// could take for one unless it is whole, and a rerun finishes the task.
    @Test func faultsAtEveryStepOfATaskRun() throws {
        let reg = examples("taskfault", tasks: 1)
        let plan = dir + "/fplan"
        #expect(runNimp(["cycle", "plan", "--registry", reg, "-o", plan, "-q"]).status == 0)
        let task = plan + "/tasks/" + files(plan + "/tasks")[0]
        let steps = failpointSteps(["task", "run", task, "-o", dir + "/traced", "-q"], in: dir)
        #expect(steps.contains("task.candidate.rename@1") && steps.contains("task.result.rename@1"), "\(steps)")
        for step in steps {
            for action in ["eio", "crash"] {
                let out = dir + "/fault-out"
                try? FileManager.default.removeItem(atPath: out)
                let r = runNimp(["task", "run", task, "-o", out, "-q"], env: ["NIMP_FAILPOINT": Reliability.failpoint(step, action)])
                #expect(r.status == (action == "eio" ? 74 : 137), "\(step) \(action): \(r.status) \(r.stderr)")
                let resultFile = out + "/" + (files(out).first { $0.hasSuffix(".result.json") } ?? "none")
                if FileManager.default.fileExists(atPath: resultFile) {
                    #expect(step.hasPrefix("task.result.fsync-dir"), "\(step) \(action): a result was left: \(files(out))")
                }
                #expect(temporaries(out).isEmpty || action == "crash", "\(step): \(temporaries(out))")
                let again = runNimp(["task", "run", task, "-o", out, "-q"])
                #expect(again.status == 0 && jsonObject(again.stdout)["status"] as? String == "candidate", "\(step) \(action), rerun: \(again.stderr)")
            }
        }
    }

    /// An I/O error at every step of `nimp cycle gate`: exit 74, the registry whole, and
    /// the next gate decides every task exactly once.
    @Test func ioErrorAtEveryStepOfTheGate() throws {
        let base = examples("gatefault", tasks: 2)
        let plan = dir + "/gplan"
        #expect(runNimp(["cycle", "plan", "--registry", base, "-o", plan, "-q"]).status == 0)
        for t in files(plan + "/tasks") { #expect(runNimp(["task", "run", plan + "/tasks/" + t, "-q"]).status == 0) }
        let traced = dir + "/gtraced"
        try copyDirectory(base, traced)
        let steps = failpointSteps(["cycle", "gate", "--registry", traced, plan, "-q"], in: dir).filter { !$0.contains(".done@") }
        #expect(steps.contains { $0.hasPrefix("promote.pointer.rename") } && steps.contains { $0.hasPrefix("cycle.history.write") }, "\(steps)")
        let state = RegistryState(base)
        for step in Reliability.sample(steps, stride: 2) {
            let reg = dir + "/gfaulty"
            try copyDirectory(base, reg)
            let f = Failures()
            let r = runNimp(["cycle", "gate", "--registry", reg, plan, "-q"], env: ["NIMP_FAILPOINT": Reliability.failpoint(step, "eio")])
            f.expect(r.status == 74, "gate \(step): \(r.status) \(r.stderr)")
            state.check(reg, "gate eio at \(step)", afterNextCommand: false, f)
            let next = runNimp(["cycle", "gate", "--registry", reg, plan, "-q"])
            f.expect(next.status == 0, "gate \(step), then a gate: \(next.status) \(next.stderr)")
            state.check(reg, "gate eio at \(step), then a gate", afterNextCommand: true, f)
            let decided = history(reg).filter { $0["type"] as? String == "task" }.compactMap { $0["task_id"] as? String }
            f.expect(decided.count == 2 && Set(decided).count == 2, "gate \(step): tasks decided \(decided)")
        }
    }

    /// Hostile and broken task files (fixtures/hostile/task): exit 65 naming the file, no result.
    @Test func hostileTaskFilesAreRefused() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("fixtures/hostile/task").path
        let names = files(fixtures).filter { $0.hasSuffix(".json") }
        #expect(names.count >= 10)
        for name in names {
            let out = dir + "/hostile-out"
            let r = runNimp(["task", "run", fixtures + "/" + name, "-o", out])
            #expect(r.status == 65, "\(name): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains(name), "\(name): the error names the file: \(r.stderr)")
            #expect(files(out).isEmpty, "\(name): left \(files(out))")
        }
    }
}
