import Foundation
import NimpIO
import NimpTestSupport
import Testing

/// `gen-data --active-from` and a cycle whose tasks draw their fresh rows where the
/// champion is least sure, on real files (README, "Active sampling").
@Suite(.serialized)
final class ActiveSamplingCLITests {
    let scratch: TemporaryDirectory
    let dir: String

    init() throws {
        scratch = try TemporaryDirectory("active")
        dir = scratch.path
    }

    /// The mean of the inputs, one JSON array per line; with `count`, also appends each
    /// input line to that file, so the command's calls can be counted.
    static func teacher(count: String? = nil) -> String {
        let mean = #"awk '{ gsub(/[][]/, ""); n = split($0, v, ","); s = 0; for (i = 1; i <= n; i++) s += v[i]; print "[" s / n "]"; fflush() }'"#
        return count.map { "tee -a '\($0)' | " + mean } ?? mean
    }

    func ok(_ args: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        let r = runNimp(args + ["-q"])
        #expect(r.status == 0, "nimp \(args.joined(separator: " ")) → \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
    }

    func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// 300 labelled rows of `source` and a surrogate trained on them.
    func surrogate(_ name: String, source: [String]) -> (rows: String, model: String) {
        let rows = dir + "/\(name).csv", model = dir + "/\(name).nimp"
        ok(["gen-data"] + source + ["--samples", "300", "--seed", "1", "-o", rows])
        ok(["train", "--data", rows, "--target", source.contains("--generator") ? "growth" : "y0", "--hidden", "8", "--epochs", "20",
            "-o", model, "--metrics", "/dev/null"])
        return (rows, model)
    }

    @Test func genDataLabelsTheRowsItChoosesTheSameWayForTheSameSeed() throws {
        let growth = ["--generator", "signal/growth"]
        let (rows, model) = surrogate("growth", source: growth)
        let a = dir + "/a.csv", b = dir + "/b.csv", c = dir + "/c.csv"
        let run = runNimp(["gen-data"] + growth + ["--active-from", model, "--labelled", rows, "--samples", "40", "--seed", "4", "-o", a])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("where the committee disagrees most"), "\(run.stderr)")
        ok(["gen-data"] + growth + ["--active-from", model, "--labelled", rows, "--samples", "40", "--seed", "4", "-o", b])
        ok(["gen-data"] + growth + ["--active-from", model, "--labelled", rows, "--samples", "40", "--seed", "5", "-o", c])
        let chosen = lines(a)
        #expect(chosen.count == 41 && chosen[0] == lines(rows)[0], "a header like the labelled rows', then 40 rows")
        #expect(try Data(contentsOf: URL(fileURLWithPath: a)) == Data(contentsOf: URL(fileURLWithPath: b)))
        #expect(lines(a) != lines(c))
        // Labelled by the generator: a surrogate trained on rows and chosen rows still trains.
        for row in chosen.dropFirst() {
            let values = row.split(separator: ",").compactMap { Double($0) }
            #expect(values.count == 11 && values.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(row)")
        }

        // A teacher command: only the chosen rows are labelled, one call each.
        let count = dir + "/calls.txt"
        let command = ["--teacher-command", Self.teacher(count: count), "--features", "10"]
        let taught = surrogate("taught", source: command)
        try? FileManager.default.removeItem(atPath: count)
        ok(["gen-data"] + command + ["--active-from", taught.model, "--labelled", taught.rows, "--samples", "25", "--pool", "500", "-o", dir + "/t.csv"])
        #expect(lines(count).count == 25)
        #expect(lines(dir + "/t.csv").count == 26)
    }

    @Test func badInputIsRefusedAndNothingIsWritten() throws {
        let (rows, model) = surrogate("bad", source: ["--generator", "signal/growth"])
        let out = dir + "/out.csv"
        // The surrogate takes 10 inputs, the command 3.
        let mismatch = runNimp(["gen-data", "--teacher-command", Self.teacher(), "--features", "3", "--active-from", model, "--labelled", rows,
                                "--samples", "10", "-o", out])
        #expect(mismatch.status == 65, "\(mismatch.stderr)")
        #expect(mismatch.stderr.contains(model) && mismatch.stderr.contains("expects 10 inputs"), "\(mismatch.stderr)")
        // Labelled rows that are not the surrogate's: its columns are missing.
        let other = dir + "/other.csv"
        ok(["gen-data", "--teacher-command", Self.teacher(), "--features", "10", "--samples", "20", "-o", other])
        let wrongRows = runNimp(["gen-data", "--generator", "signal/growth", "--active-from", model, "--labelled", other, "--samples", "10", "-o", out])
        #expect(wrongRows.status == 65 && wrongRows.stderr.contains(other), "\(wrongRows.stderr)")
        let missing = runNimp(["gen-data", "--generator", "signal/growth", "--active-from", dir + "/none.nimp", "--labelled", rows,
                               "--samples", "10", "-o", out])
        #expect(missing.status == 66 && missing.stderr.contains("none.nimp"), "\(missing.stderr)")
        let noRows = runNimp(["gen-data", "--generator", "signal/growth", "--active-from", model, "--samples", "10", "-o", out])
        #expect(noRows.status == 64 && noRows.stderr.contains("--labelled"), "\(noRows.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// A generator-backed model with `"sampling": "active"`: its training task labels
    /// `samples` fresh rows chosen with its champion, and the result and history count them.
    @Test func aCycleTaskDrawsActiveRowsAndCountsItsTeacherCalls() throws {
        let reg = dir + "/reg"
        let (rows, model) = surrogate("champion", source: ["--generator", "signal/growth"])
        let eval = dir + "/eval.csv"
        ok(["gen-data", "--generator", "signal/growth", "--samples", "200", "--seed", "2", "-o", eval])
        ok(["registry", "init", "--registry", reg])
        ok(["registry", "add", "g", model, "--data", rows, "--eval", eval, "--target-column", "growth", "--generator", "signal/growth",
            "--samples", "120", "--sampling", "active", "--target", "r2=0.999", "--registry", reg])
        let spec = jsonObject(try String(contentsOfFile: reg + "/models/g/model.json", encoding: .utf8))
        #expect(((spec["data"] as? [String: Any])?["source"] as? [String: Any])?["sampling"] as? String == "active", "\(spec)")

        // A teacher-command model that opted in (uniform): its rows are counted by the command too.
        let count = dir + "/cycle-calls.txt"
        let command = Self.teacher(count: count)
        let taught = surrogate("cmd", source: ["--teacher-command", Self.teacher(), "--features", "10"])
        ok(["registry", "add", "c", taught.model, "--data", taught.rows, "--target-column", "y0", "--teacher-command", command, "--features", "10",
            "--samples", "70", "--sampling", "uniform", "--target", "r2=0.999", "--registry", reg])

        let plan = dir + "/plan"
        ok(["cycle", "plan", "--registry", reg, "-o", plan])
        let tasks = ((try? FileManager.default.contentsOfDirectory(atPath: plan + "/tasks")) ?? []).sorted()
        #expect(tasks.count == 2, "\(tasks)")
        try? FileManager.default.removeItem(atPath: count)
        var rowsByModel: [String: Int] = [:]
        for t in tasks {
            let r = runNimp(["task", "run", plan + "/tasks/" + t])
            #expect(r.status == 0, "\(r.stderr)")
            let result = jsonObject(r.stdout)
            #expect(result["status"] as? String == "candidate", "\(r.stdout)")
            let model = try #require(result["model"] as? String)
            rowsByModel[model] = result["teacher_rows"] as? Int
            #expect(result["sampling"] as? String == (model == "g" ? "active" : "uniform"), "\(r.stdout)")
        }
        #expect(rowsByModel == ["g": 120, "c": 70], "\(rowsByModel)")
        #expect(lines(count).count == 70, "the command labelled exactly the rows the result counts")

        let gate = runNimp(["cycle", "gate", plan, "--registry", reg, "-q"])
        #expect(gate.status == 0, "\(gate.stderr)")
        let history = jsonLines(String(decoding: historyData(reg), as: UTF8.self)).filter { $0["task_id"] != nil }
        let counted = Dictionary(uniqueKeysWithValues: history.compactMap { line in
            (line["model"] as? String).map { ($0, "\(line["teacher_rows"] ?? "-") \(line["sampling"] ?? "-")") }
        })
        #expect(counted == ["g": "120 active", "c": "70 uniform"], "\(history)")

        // Rows somebody paid for are kept: the gate added them to each model's training set.
        for line in history {
            let id = try #require(line["model"] as? String)
            let train = try #require(((modelJSON(reg, id)["data"] as? [String: Any])?["train"] as? [String: Any]))
            #expect(line["rows_kept"] as? Int == line["teacher_rows"] as? Int, "\(line)")
            #expect(line["train_sha256"] as? String == train["sha256"] as? String, "\(line) \(train)")
            #expect(try rowCount(reg + "/" + (train["path"] as? String ?? "")) == (id == "g" ? 300 + 120 : 240 + 70))
        }
    }

    func modelJSON(_ reg: String, _ id: String) throws -> [String: Any] {
        jsonObject(try String(contentsOfFile: reg + "/models/\(id)/model.json", encoding: .utf8))
    }

    /// Rows of a safetensors dataset, from the shape of its "x" tensor.
    func rowCount(_ path: String) throws -> Int {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let n = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = jsonObject(String(decoding: bytes.dropFirst(8).prefix(n), as: UTF8.self))
        return try #require(((header["x"] as? [String: Any])?["shape"] as? [Int])?.first)
    }

    /// A registry of one teacher-command model "c" whose tasks ask for 30 uniform rows, kept.
    func keepingRegistry(_ name: String) -> String {
        let reg = dir + "/" + name
        let taught = surrogate(name, source: ["--teacher-command", Self.teacher(), "--features", "10"])
        ok(["registry", "init", "--registry", reg])
        ok(["registry", "add", "c", taught.model, "--data", taught.rows, "--target-column", "y0", "--teacher-command", Self.teacher(),
            "--features", "10", "--samples", "30", "--sampling", "uniform", "--target", "r2=0.999", "--registry", reg])
        return reg
    }

    /// Rows whose file does not match its result's sha256 are not kept; the task is gated all the same.
    @Test func rowsThatAreNotTheTasksAreNotKept() throws {
        let reg = keepingRegistry("tampered")
        let before = try modelJSON(reg, "c")["data"] as? [String: Any]
        let plan = dir + "/tampered-plan"
        ok(["cycle", "plan", "--registry", reg, "-o", plan])
        let task = try #require(((try? FileManager.default.contentsOfDirectory(atPath: plan + "/tasks")) ?? []).first)
        let run = runNimp(["task", "run", plan + "/tasks/" + task])
        let rows = try #require(jsonObject(run.stdout)["rows"] as? String, "\(run.stdout)")
        let other = dir + "/other-rows.csv"
        ok(["gen-data", "--teacher-command", Self.teacher(), "--features", "10", "--samples", "30", "--seed", "9", "-o", other])
        ok(["gen-data", "--input", other, "--target", "y0", "-o", plan + "/results/" + rows])
        let gate = runNimp(["cycle", "gate", plan, "--registry", reg])
        #expect(gate.status == 0, "\(gate.stderr)")
        #expect(gate.stderr.contains("are not kept") && gate.stderr.contains("not the rows the task labelled"), "\(gate.stderr)")
        let after = try modelJSON(reg, "c")["data"] as? [String: Any]
        #expect((before?["train"] as? [String: Any])?["sha256"] as? String == (after?["train"] as? [String: Any])?["sha256"] as? String)
        let line = try #require(jsonLines(String(decoding: historyData(reg), as: UTF8.self)).last { $0["task_id"] != nil })
        #expect(line["teacher_rows"] as? Int == 30 && line["rows_kept"] == nil, "\(line)")

        // Rows of other columns, named with their own sha256: they do not fit the training set, and are not kept.
        let narrow = dir + "/narrow.csv", plan2 = dir + "/misfit-plan"
        ok(["gen-data", "--teacher-command", Self.teacher(), "--features", "3", "--samples", "30", "-o", narrow])
        ok(["cycle", "plan", "--registry", reg, "-o", plan2, "--force"])
        let task2 = try #require(((try? FileManager.default.contentsOfDirectory(atPath: plan2 + "/tasks")) ?? []).first)
        ok(["task", "run", plan2 + "/tasks/" + task2])
        let result2 = plan2 + "/results/" + task2.replacingOccurrences(of: ".json", with: ".result.json")
        var edited = jsonObject(try String(contentsOfFile: result2, encoding: .utf8))
        let rows2 = try #require(edited["rows"] as? String)
        ok(["gen-data", "--input", narrow, "--target", "y0", "-o", plan2 + "/results/" + rows2])
        edited["rows_sha256"] = try SHA256.hex(file: plan2 + "/results/" + rows2)
        try JSONSerialization.data(withJSONObject: edited).write(to: URL(fileURLWithPath: result2))
        let misfit = runNimp(["cycle", "gate", plan2, "--registry", reg])
        #expect(misfit.status == 0 && misfit.stderr.contains("are not kept") && misfit.stderr.contains("x3"), "\(misfit.status) \(misfit.stderr)")
        #expect(((try modelJSON(reg, "c")["data"] as? [String: Any])?["train"] as? [String: Any])?["sha256"] as? String
                == (before?["train"] as? [String: Any])?["sha256"] as? String)

        // A result that names a rows file without its sha256 is not a result nimp wrote: exit 65.
        let resultPath = plan + "/results/" + task.replacingOccurrences(of: ".json", with: ".result.json")
        var result = jsonObject(try String(contentsOfFile: resultPath, encoding: .utf8))
        result["rows_sha256"] = nil
        try JSONSerialization.data(withJSONObject: result).write(to: URL(fileURLWithPath: resultPath))
        let hostile = runNimp(["cycle", "gate", "--registry", reg, resultPath])
        #expect(hostile.status == 65 && hostile.stderr.contains("rows"), "\(hostile.status) \(hostile.stderr)")
    }

    /// A task asks a teacher command for rows only from a model.json nobody else could
    /// have written (README, "The teacher command: trust"): refused, it fails and says why.
    @Test func aTaskDoesNotRunATeacherCommandOthersCouldHaveNamed() throws {
        let reg = dir + "/untrusted"
        let count = dir + "/untrusted-calls.txt"
        let taught = surrogate("untrusted", source: ["--teacher-command", Self.teacher(), "--features", "10"])
        ok(["registry", "init", "--registry", reg])
        ok(["registry", "add", "c", taught.model, "--data", taught.rows, "--target-column", "y0", "--teacher-command", Self.teacher(count: count),
            "--features", "10", "--samples", "30", "--sampling", "active", "--target", "r2=0.999", "--registry", reg])
        let plan = dir + "/untrusted-plan"
        ok(["cycle", "plan", "--registry", reg, "-o", plan])
        let spec = reg + "/models/c/model.json"
        #expect(chmod(spec, 0o664) == 0)
        try? FileManager.default.removeItem(atPath: count)
        let task = try #require(((try? FileManager.default.contentsOfDirectory(atPath: plan + "/tasks")) ?? []).first)
        let r = runNimp(["task", "run", plan + "/tasks/" + task])
        #expect(r.status == 0, "a task that fails still leaves a result: \(r.stderr)")
        let result = jsonObject(r.stdout)
        #expect(result["status"] as? String == "failed", "\(r.stdout)")
        #expect((result["reason"] as? String)?.contains("writable by its group") == true, "\(r.stdout)")
        #expect(!FileManager.default.fileExists(atPath: count), "the command did not run")
        #expect(chmod(spec, 0o644) == 0)
    }

    /// An I/O error at every step of gating a task whose rows are kept: exit 74, and the
    /// next gate decides the task once and keeps its rows (twice at worst, never half).
    @Test func ioErrorWhileKeepingRows() throws {
        let base = keepingRegistry("keepfault")
        let plan = dir + "/keepfault-plan"
        ok(["cycle", "plan", "--registry", base, "-o", plan])
        for t in (try? FileManager.default.contentsOfDirectory(atPath: plan + "/tasks")) ?? [] { ok(["task", "run", plan + "/tasks/" + t]) }
        let traced = dir + "/keepfault-traced"
        try copyDirectory(base, traced)
        let steps = failpointSteps(["cycle", "gate", "--registry", traced, plan, "-q"], in: dir).filter { !$0.contains(".done@") }
        #expect(steps.contains { $0.hasPrefix("data.") } && steps.contains { $0.hasPrefix("spec.") }, "\(steps)")
        for step in steps {
            let reg = dir + "/keepfault-faulty"
            try? FileManager.default.removeItem(atPath: reg)
            try copyDirectory(base, reg)
            let r = runNimp(["cycle", "gate", "--registry", reg, plan, "-q"], env: ["NIMP_FAILPOINT": Reliability.failpoint(step, "eio")])
            #expect(r.status == 74, "gate \(step): \(r.status) \(r.stderr)")
            let next = runNimp(["cycle", "gate", "--registry", reg, plan, "-q"])
            #expect(next.status == 0, "gate \(step), then a gate: \(next.stderr)")
            let decided = jsonLines(String(decoding: historyData(reg), as: UTF8.self)).filter { $0["task_id"] != nil }
            #expect(decided.count == 1 && decided[0]["rows_kept"] as? Int == 30, "gate \(step): \(decided)")
            let train = try #require((modelJSON(reg, "c")["data"] as? [String: Any])?["train"] as? [String: Any])
            #expect([270, 300].contains(try rowCount(reg + "/" + (train["path"] as? String ?? ""))), "gate \(step)")
            #expect(runNimp(["registry", "verify", "--registry", reg, "-q"]).status == 0, "gate \(step): verify")
        }
    }
}
