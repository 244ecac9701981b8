import Foundation
import NimpCore
import NimpIO
import NimpRegistry
import NimpTestSupport
import Testing

/// `nimp cycle --plan` on a registry whose history says which kind pays: the plan shows
/// the estimate behind each task and the reason.
@Suite(.serialized) struct LearningPlanTests {
    let f: RegistryFixture

    init() throws {
        f = try RegistryFixture()
    }

    /// Task lines as a cycle writes them, appended to history.
    func appendTasks(_ reg: String, model: String, type: String, count: Int, promoted: Bool) throws {
        var text = ""
        for n in 0..<count {
            let gain = promoted ? 0.3 : -0.01
            text += #"{"before":{"parameters":49,"r2":0.1},"cpu_seconds":20,"cycle":\#(n + 1),"eval_sha256":"0","gain":\#(gain),"model":"\#(model)","outcome":"\#(promoted ? "promoted" : "rejected")","promoted":\#(promoted),"task_type":"\#(type)","time":"2025-01-01T00:00:00.000Z","type":"task"}"# + "\n"
        }
        let handle = try #require(FileHandle(forWritingAtPath: reg + "/history.jsonl"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    @Test func thePlanShowsTheEstimateAndTheReason() throws {
        let reg = f.makeRegistry("reg")
        // The rules plan training for m (its r2 is far from 0.9); no history: no estimate.
        let before = jsonLines(runNimp(["cycle", "--plan", "--registry", reg]).stdout)
        #expect(before.count == 1 && before[0]["type"] as? String == "training" && before[0]["estimate"] == nil, "\(before)")

        try appendTasks(reg, model: "m", type: "training", count: 8, promoted: false)
        try appendTasks(reg, model: "m", type: "architecture", count: 8, promoted: true)
        let r = runNimp(["cycle", "--plan", "--registry", reg])
        #expect(r.status == 0, "\(r.stderr)")
        let plan = jsonLines(r.stdout)
        #expect(plan.count == 1 && plan[0]["type"] as? String == "architecture", "\(r.stdout)")
        let estimate = try #require(plan.first?["estimate"] as? [String: Any])
        #expect((estimate["gain_per_cpu_second"] as? Double ?? 0) > 0.005)
        #expect(estimate["sd"] is Double && estimate["sampled"] is Double && estimate["tasks"] is Double)
        #expect((plan[0]["reasons"] as? [String])?.contains { $0.hasPrefix("learned: architecture gains") } == true, "\(plan[0])")
        // The same registry plans the same.
        #expect(runNimp(["cycle", "--plan", "--registry", reg]).stdout == r.stdout)
        #expect(f.registry(reg, ["verify"]).status == 0)

        f.ok(reg, ["config", "learned_priority", "false"])
        let rules = jsonLines(runNimp(["cycle", "--plan", "--registry", reg]).stdout)
        #expect(rules.count == 1 && rules.first?["estimate"] == nil, "\(rules)")
    }

    /// An architecture task searches with early stopping, then trains the winner afresh on
    /// the training rows until a tenth of them stops improving; the manifest says so.
    @Test func anArchitectureTaskRefitsTheWinnerOnAllTrainingRows() throws {
        let reg = f.makeRegistry("arch")
        #expect(runNimp(["task", "add", "m", "--kind", "architecture", "--registry", reg, "-q"]).status == 0)
        let plan = f.dir + "/arch-plan"
        #expect(runNimp(["cycle", "plan", "--registry", reg, "-o", plan, "--force", "-q"]).status == 0)
        let tasks = try FileManager.default.contentsOfDirectory(atPath: plan + "/tasks")
        #expect(tasks.count == 1 && tasks[0].hasSuffix("-architecture.json"), "\(tasks)")
        let task = jsonObject(String(decoding: try #require(FileManager.default.contents(atPath: plan + "/tasks/" + tasks[0])), as: UTF8.self))
        let settings = try #require(task["settings"] as? [String: Any])
        #expect(settings["epochs"] as? Int == 20 && settings["patience"] as? Int == 5 && settings["refit"] as? Bool == true,
                "at least 20 epochs, stopped early, then refit: \(settings)")
        let r = runNimp(["task", "run", plan + "/tasks/" + tasks[0], "-q"])
        #expect(r.status == 0, "\(r.stderr)")
        let candidate = try #require(try FileManager.default.contentsOfDirectory(atPath: plan + "/results").first { $0.hasSuffix(".nimp") })
        let archive = try ModelArchive.read(path: plan + "/results/" + candidate)
        let lineage = archive.manifest.lineage
        #expect(lineage.operation == "evolve")
        let refit = try #require(lineage.parameters?["refit"], "\(lineage)")
        #expect(refit.hasPrefix("64 rows, a tenth held out to stop, "), "the 64 training rows, not the search's four fifths: \(refit)")
        // "64 rows, a tenth held out to stop, N epochs (best B)": trained to the end, not for the search's 20.
        let words = refit.split(separator: " ")
        let epochs = try #require(Int(words[8])), best = try #require(Int(words[11].dropLast()))
        #expect((1...Genome.cycleTrainingEpochs).contains(epochs) && (1...epochs).contains(best), "\(refit)")
        #expect(archive.manifest.genome?.epochs == best, "the next search starts from the epochs this one needed: \(refit), genome \(String(describing: archive.manifest.genome))")
        #expect(archive.manifest.metrics["r2"] == nil, "no quality measured on rows it trained on")
    }

    /// A registry of one dopamine model "m" (trained `epochs` on `rows` rows), target r2=0.999,
    /// with a training task queued for it.
    func queuedTraining(_ name: String, rows: Int, evalRows: Int, hidden: String, epochs: Int) -> String {
        let reg = f.dir + "/" + name
        let data = f.dir + "/\(name).safetensors", eval = f.dir + "/\(name)-eval.safetensors", model = f.dir + "/\(name).nimp"
        #expect(runNimp(["gen-data", "--generator", "signal/dopamine", "--samples", String(rows), "--seed", "3", "-o", data, "-q"]).status == 0)
        #expect(runNimp(["gen-data", "--generator", "signal/dopamine", "--samples", String(evalRows), "--seed", "4", "-o", eval, "-q"]).status == 0)
        #expect(runNimp(["train", "--data", data, "--hidden", hidden, "--epochs", String(epochs), "-o", model, "--metrics", "/dev/null", "-q"]).status == 0)
        f.ok(reg, ["init", "-q"])
        f.ok(reg, ["add", "m", model, "--data", data, "--eval", eval, "--target", "r2=0.999", "-q"])
        #expect(runNimp(["task", "add", "m", "--kind", "training", "--registry", reg, "-q"]).status == 0)
        return reg
    }

    /// A training task that runs out of time stops with its best epoch and writes a
    /// candidate, instead of timing out with nothing; the manifest says why it stopped.
    @Test func aTrainingTaskOutOfTimeKeepsItsBestEpoch() throws {
        let reg = queuedTraining("slow", rows: 400_000, evalRows: 300, hidden: "32", epochs: 1)
        let plan = f.dir + "/slow-plan"
        // 200 epochs of 360,000 rows take far longer than this (at least 10 s in a release build
        // on a fast CPU), and patience cannot end it first: that needs 15 epochs without a
        // better loss, while the loss on this many rows keeps falling.
        #expect(runNimp(["cycle", "plan", "--registry", reg, "-o", plan, "--force", "--budget-seconds", "6", "-q"]).status == 0)
        let tasks = try FileManager.default.contentsOfDirectory(atPath: plan + "/tasks")
        #expect(tasks.count == 1 && tasks[0].hasSuffix("-training.json"), "\(tasks)")
        let r = runNimp(["task", "run", plan + "/tasks/" + tasks[0], "-q"])
        #expect(r.status == 0, "\(r.stderr)")
        let results = try FileManager.default.contentsOfDirectory(atPath: plan + "/results")
        let result = String(decoding: FileManager.default.contents(atPath: plan + "/results/" + (results.first { $0.hasSuffix(".json") } ?? "")) ?? Data(), as: UTF8.self)
        let candidate = try #require(results.first { $0.hasSuffix(".nimp") }, "a candidate, not a timeout: \(result)")
        let archive = try ModelArchive.read(path: plan + "/results/" + candidate)
        let stopped = try #require(archive.manifest.lineage.parameters?["stopped"], "\(archive.manifest.lineage)")
        #expect(stopped.hasPrefix("time budget, after epoch "), "\(stopped)")
        #expect(archive.manifest.lineage.operation == "continue")
    }

    /// After a training candidate the gate turned down, the next training task trains the
    /// genome from fresh weights instead of continuing the champion; the one before it continues.
    @Test func aTrainingTaskAfterARejectionRestarts() throws {
        let reg = queuedTraining("restart", rows: 400, evalRows: 200, hidden: "8", epochs: 2)
        // A plan does not take the queued task off the queue (the gate does): both plans hold it.
        func trainOnce(_ name: String) throws -> (settings: [String: Any], operation: String?) {
            let plan = f.dir + "/" + name
            #expect(runNimp(["cycle", "plan", "--registry", reg, "-o", plan, "--force", "-q"]).status == 0)
            let task = try #require(try FileManager.default.contentsOfDirectory(atPath: plan + "/tasks").first { $0.hasSuffix("-training.json") })
            let settings = try #require(jsonObject(String(contentsOfFile: plan + "/tasks/" + task, encoding: .utf8))["settings"] as? [String: Any])
            let r = runNimp(["task", "run", plan + "/tasks/" + task, "-q"])
            #expect(r.status == 0 && jsonObject(r.stdout)["status"] as? String == "candidate", "\(r.stdout) \(r.stderr)")
            let archive = try ModelArchive.read(path: plan + "/results/" + task.replacingOccurrences(of: ".json", with: ".nimp"))
            return (settings, archive.manifest.lineage.operation)
        }
        let first = try trainOnce("continue-plan")
        #expect(first.settings["restart"] == nil && first.operation == "continue", "\(first)")
        try appendTasks(reg, model: "m", type: "training", count: 1, promoted: false)
        let second = try trainOnce("restart-plan")
        #expect(second.settings["restart"] as? Bool == true && second.operation == "train", "\(second)")
    }
}
