import Foundation
import NimpCore
import NimpTestSupport
import Testing

/// The gate end to end: noise is not promoted, decisions carry their evidence, constraints
/// hold, audit sets are reported and never decided on, eval sets are refreshed or budgeted.
@Suite(.serialized)
final class GateCLITests {
    let scratch: TemporaryDirectory
    let dir: String

    init() throws {
        scratch = try TemporaryDirectory("gate")
        dir = scratch.path
    }

    @discardableResult
    func ok(_ args: [String], sourceLocation: SourceLocation = #_sourceLocation) -> (stdout: String, stderr: String) {
        let r = runNimp(args)
        #expect(r.status == 0, "nimp \(args.joined(separator: " ")) → \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
        return (r.stdout, r.stderr)
    }

    func jsonLines(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
    }

    /// A CSV of `rows` rows: four uniform inputs and a label. `signal` false: the label is
    /// pure noise (three classes, independent of the inputs); true: it is the sign pattern of x0 and x1.
    func table(_ name: String, rows: Int, seed: UInt64, signal: Bool) throws -> String {
        var rng = RNG(seed: seed)
        var text = "x0,x1,x2,x3,label\n"
        for _ in 0..<rows {
            let x = (0..<4).map { _ in rng.uniform() * 2 - 1 }
            let label = signal ? (x[0] > 0 ? (x[1] > 0 ? "a" : "b") : "c") : ["a", "b", "c"][rng.int(below: 3)]
            text += x.map { String($0) }.joined(separator: ",") + ",\(label)\n"
        }
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Adds classifier `id` whose first version is weak: trained on the first 30 rows only
    /// (its genome, 32 hidden units and 20 epochs, is what the cycle trains with).
    func addWeak(_ reg: String, id: String, train: String, eval: String, extra: [String] = []) throws {
        let weak = dir + "/\(id)-\(UUID().uuidString.prefix(8))-weak.nimp"
        let few = weak + ".csv"
        let lines = try String(contentsOfFile: train, encoding: .utf8).split(separator: "\n")
        try (lines.prefix(31).joined(separator: "\n") + "\n").write(toFile: few, atomically: true, encoding: .utf8)
        ok(["train", "--data", few, "--target", "label", "--hidden", "32", "--epochs", "20", "--seed", "3", "-o", weak,
            "--metrics", "/dev/null", "-q"])
        ok(["registry", "--registry", reg, "add", id, weak, "--data", train, "--eval", eval, "--target-column", "label",
            "--target", "accuracy=0.99", "-q"] + extra)
    }

    /// A registry with one such classifier `m`.
    func registry(_ name: String, train: String, eval: String, extra: [String] = []) throws -> String {
        let reg = dir + "/" + name
        ok(["registry", "--registry", reg, "init", "-q"])
        try addWeak(reg, id: "m", train: train, eval: eval, extra: extra)
        for (key, value) in [("improvement_interval", "0"), ("genetic_architecture_search", "false"), ("gate_promotion_budget", "1000")] {
            ok(["registry", "--registry", reg, "config", key, value])
        }
        return reg
    }

    func tasks(_ reg: String) -> [[String: Any]] {
        jsonLines(ok(["registry", "--registry", reg, "history", "--type", "task", "--format", "json"]).stdout)
    }

    func cycles(_ reg: String, _ n: Int) {
        for _ in 0..<n { ok(["cycle", "--registry", reg, "--force", "-q"]) }
    }

    /// Eight classifiers whose labels no input predicts, 60 eval rows each, ten cycles of up
    /// to eight tasks (the signals lower the count after rejections): each decision promotes
    /// noise with probability at most 1 − 0.95 = 5%, about 2 of 45 (McNemar's exact test is
    /// conservative, so fewer). The bound, 6, is exceeded with probability under 1% if the
    /// test were exactly at its level (binomial, 45 decisions).
    /// performance_threshold 0 leaves only the test between noise and a promotion, and the
    /// test can fail: noise gives many candidates an apparent gain, which a gate reading the
    /// point estimate would have promoted.
    @Test func noiseIsNotPromoted() throws {
        let reg = dir + "/noise"
        ok(["registry", "--registry", reg, "init", "-q"])
        for m in 0..<8 {
            let train = try table("noise-train-\(m).csv", rows: 300, seed: UInt64(10 + 2 * m), signal: false)
            let eval = try table("noise-eval-\(m).csv", rows: 60, seed: UInt64(11 + 2 * m), signal: false)
            try addWeak(reg, id: "m\(m)", train: train, eval: eval, extra: ["--audit-fraction", "0"])
        }
        for (key, value) in [("improvement_interval", "0"), ("genetic_architecture_search", "false"), ("gate_promotion_budget", "1000"),
                             ("performance_threshold", "0"), ("max_concurrent_tasks", "8")] {
            ok(["registry", "--registry", reg, "config", key, value])
        }
        cycles(reg, 10)
        let decided = tasks(reg).filter { ["promoted", "rejected"].contains($0["outcome"] as? String) }
        let promoted = decided.filter { $0["outcome"] as? String == "promoted" }
        let apparent = decided.filter { ($0["gain"] as? Double ?? 0) > 0 }
        #expect(decided.count >= 40, "only \(decided.count) decisions")
        #expect(promoted.count <= 6, "noise promoted \(promoted.count) times in \(decided.count) decisions: \(promoted.map { $0["reason"] ?? "" })")
        print("null test: \(promoted.count) promoted, \(apparent.count) apparent gains, \(decided.count) decisions")
        #expect(apparent.count >= 8, "noise gave only \(apparent.count) candidates an apparent gain: the bound above could not fail")
        for line in decided {
            let evidence = line["evidence"] as? [String: Any]
            #expect(evidence?["test"] as? String == "McNemar exact" && evidence?["n"] as? Int == 60, "\(line)")
        }
    }

    /// A real signal is promoted, and the history line, the stderr explanation and --plan carry the evidence.
    @Test func realGainsArePromotedWithTheirEvidence() throws {
        let train = try table("signal-train.csv", rows: 600, seed: 3, signal: true)
        let eval = try table("signal-eval.csv", rows: 300, seed: 4, signal: true)
        let reg = try registry("signal", train: train, eval: eval)
        let plan = jsonLines(ok(["cycle", "--registry", reg, "--plan"]).stdout)
        let gate = plan.first?["gate"] as? String ?? ""
        #expect(gate.contains("McNemar exact on right/wrong over 210 eval rows"), "\(gate)")
        let r = runNimp(["cycle", "--registry", reg, "--force"])
        #expect(r.status == 0)
        #expect(r.stderr.contains("McNemar exact on right/wrong, n=210"), "\(r.stderr)")
        let line = try #require(tasks(reg).first)
        #expect(line["outcome"] as? String == "promoted", "\(line)")
        let evidence = try #require(line["evidence"] as? [String: Any])
        let interval = try #require(evidence["bounds"] as? [Double])
        #expect(evidence["metric"] as? String == "accuracy" && (evidence["change"] as? Double ?? 0) > 0 && interval[0] > 0)
        #expect((line["checks"] as? [[String: Any]])?.first?["metric"] as? String == "log_loss")
        // The audit set (30% of the eval rows) is measured for the record only.
        #expect((line["audit_after"] as? [String: Any])?["accuracy"] != nil && (line["audit_before"] as? [String: Any])?["accuracy"] != nil)
        let listed = try #require(jsonLines(ok(["registry", "--registry", reg, "list", "--format", "json"]).stdout).first)
        #expect((listed["audit"] as? [String: Any])?["accuracy"] != nil, "\(listed)")
    }

    @Test func addWarnsAboutSmallEvalSetsAndBrokenConstraints() throws {
        let train = try table("small-train.csv", rows: 200, seed: 5, signal: true)
        let eval = try table("small-eval.csv", rows: 35, seed: 6, signal: true)
        let weak = dir + "/small.nimp"
        ok(["train", "--data", train, "--target", "label", "--hidden", "16", "--epochs", "1", "-o", weak, "--metrics", "/dev/null", "-q"])
        let reg = dir + "/small"
        ok(["registry", "--registry", reg, "init", "-q"])
        let add = ok(["registry", "--registry", reg, "add", "m", weak, "--data", train, "--eval", eval, "--target-column", "label",
                      "--max-parameters", "50"])
        // 35 rows less a 30% audit set leaves 24 for the gate.
        #expect(add.stderr.contains("the eval set has 24 rows; a gate decision needs at least 30"), "\(add.stderr)")
        #expect(add.stderr.contains("is over max_parameters 50; accepted"), "\(add.stderr)")
        let added = try #require(jsonLines(add.stdout).first)
        #expect(added["audit_sha256"] as? String != nil)
        // The planner's first task for it is to meet the constraint.
        let plan = jsonLines(ok(["cycle", "--registry", reg, "--plan"]).stdout)
        #expect(plan.first?["type"] as? String == "optimization" && (plan.first?["triggers"] as? [String])?.contains("constraint") == true,
                "\(plan)")
        // A target the model's task has no metric for is refused before any data is read.
        let foreign = runNimp(["registry", "--registry", reg, "add", "r", weak, "--data", train, "--target-column", "label", "--target", "r2=0.9"])
        #expect(foreign.status == 64 && foreign.stderr.contains("r2 is not a metric of") && !foreign.stderr.contains("holding out"), "\(foreign.stderr)")
        // A quality task on this eval set cannot decide anything.
        ok(["registry", "--registry", reg, "config", "improvement_interval", "0"])
        ok(["registry", "--registry", reg, "add", "q", weak, "--data", train, "--eval", eval, "--target-column", "label",
            "--target", "accuracy=0.999", "-q"])
        cycles(reg, 2)
        let quality = tasks(reg).filter { $0["model"] as? String == "q" && $0["outcome"] as? String == "rejected" }
        #expect(quality.contains { ($0["reason"] as? String ?? "").contains("insufficient evidence") }, "\(tasks(reg))")
    }

    /// A model whose data cannot be regenerated decides gate_promotion_budget promotions, then waits
    /// for fresh rows; `registry refresh --eval` brings it back, and rows that do not fit the
    /// model are refused.
    @Test func decisionBudgetAndRefresh() throws {
        let train = try table("budget-train.csv", rows: 300, seed: 7, signal: true)
        let eval = try table("budget-eval.csv", rows: 100, seed: 8, signal: true)
        let reg = try registry("budget", train: train, eval: eval)
        ok(["registry", "--registry", reg, "config", "gate_promotion_budget", "1"])
        cycles(reg, 1)
        #expect(tasks(reg).first?["outcome"] as? String == "promoted", "\(tasks(reg))")
        let spent = runNimp(["cycle", "--registry", reg, "--force"])
        let summary = try #require(jsonLines(spent.stdout).first)
        #expect(summary["eval_spent"] as? [String] == ["m"] && summary["tasks"] as? Int == 0, "\(summary)")
        #expect(spent.stderr.contains("nimp registry refresh m --eval FILE"), "\(spent.stderr)")
        #expect(runNimp(["registry", "--registry", reg, "refresh", "m"]).status == 65)

        let wrong = dir + "/wrong.csv"
        try "x0,x1,label\n0.1,0.2,a\n".write(toFile: wrong, atomically: true, encoding: .utf8)
        let refused = runNimp(["registry", "--registry", reg, "refresh", "m", "--eval", wrong])
        #expect(refused.status == 65 && refused.stderr.contains("x2"), "\(refused.stderr)")
        let fresh = try table("budget-fresh.csv", rows: 100, seed: 9, signal: true)
        let refreshed = try #require(jsonLines(ok(["registry", "--registry", reg, "refresh", "m", "--eval", fresh]).stdout).first)
        #expect(refreshed["eval_rows"] as? Int == 100)
        let after = try #require(jsonLines(ok(["cycle", "--registry", reg, "--force", "-q"]).stdout).first)
        #expect(after["tasks"] as? Int == 1 && (after["eval_spent"] as? [String])?.isEmpty == true, "\(after)")
        #expect(runNimp(["registry", "--registry", reg, "verify", "-q"]).status == 0)
    }

    /// A model with a generator gets a fresh eval set every gate_refresh_decisions decisions.
    @Test func generatedEvalSetsAreRefreshed() throws {
        let reg = dir + "/generated"
        let weak = dir + "/dopamine.nimp"
        let data = dir + "/dopamine.safetensors"
        ok(["gen-data", "--generator", "signal/dopamine", "--samples", "400", "--seed", "1", "-o", data])
        ok(["train", "--data", data, "--hidden", "4", "--epochs", "1", "-o", weak, "--metrics", "/dev/null", "-q"])
        ok(["registry", "--registry", reg, "init", "-q"])
        ok(["registry", "--registry", reg, "add", "d", weak, "--generator", "signal/dopamine", "--samples", "400", "--target", "r2=0.999", "-q"])
        ok(["registry", "--registry", reg, "config", "gate_refresh_decisions", "2"])
        let before = try #require(jsonLines(ok(["registry", "--registry", reg, "show", "d", "--format", "json"]).stdout).first)
        cycles(reg, 3)
        let after = try #require(jsonLines(ok(["registry", "--registry", reg, "show", "d", "--format", "json"]).stdout).first)
        #expect(before["eval_sha256"] as? String != after["eval_sha256"] as? String)
        let refresh = jsonLines(ok(["registry", "--registry", reg, "history", "--type", "refresh", "--format", "json"]).stdout)
        #expect(refresh.count == 1 && (refresh.first?["reason"] as? String ?? "").contains("decided 2 gates"), "\(refresh)")
        // Its audit set stays as it was.
        let spec = { (o: [String: Any]) in ((o["spec"] as? [String: Any])?["data"] as? [String: Any])?["audit"] as? [String: Any] }
        #expect(spec(before)?["sha256"] as? String == spec(after)?["sha256"] as? String && spec(after) != nil)
        #expect(runNimp(["registry", "--registry", reg, "verify", "-q"]).status == 0)
    }
}
