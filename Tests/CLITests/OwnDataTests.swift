import Foundation
import NimpTestSupport
import Testing

/// A user's own tables meeting a model: columns by name in any order, classes through the
/// model's list, text and missing values, `nimp predict`. The corpus pairs models (3 and 2
/// classes, f32, int8 and pruned; 1 and 2 outputs) with mismatched data across every
/// command that takes a model and data: each case must end right or with exit 64/65.
@Suite(.serialized) final class OwnDataTests {
    let scratch: TemporaryDirectory
    let dir: URL

    init() throws {
        scratch = try TemporaryDirectory("own-data")
        dir = scratch.url
    }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func write(_ name: String, _ text: String) throws -> String {
        try text.write(toFile: path(name), atomically: true, encoding: .utf8)
        return path(name)
    }

    /// Rows of a small table: three features, a 3-class label set by them, a 2-class 0/1
    /// label, and two regression targets.
    static func rows(_ n: Int, seed: UInt64) -> [[String: String]] {
        var state = seed
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        return (0..<n).map { _ in
            let a = next(), b = next(), c = next()
            let cls = a + b < 0.7 ? "x" : (a > b ? "y" : "z")
            return ["a": fmt(a), "b": fmt(b), "c": fmt(c), "label": cls, "bit": a > 0.5 ? "1" : "0",
                    "y1": fmt(2 * a - b + 0.5 * c), "y2": fmt(a * b)]
        }
    }

    static func fmt(_ v: Double) -> String { String(format: "%.5f", v) }

    static func csv(_ rows: [[String: String]], _ columns: [String]) -> String {
        ([columns.joined(separator: ",")] + rows.map { r in columns.map { r[$0] ?? "" }.joined(separator: ",") }).joined(separator: "\n") + "\n"
    }

    struct Model {
        let name: String, path: String, target: [String], classifier: Bool
        var columns: [String] { ["a", "b", "c"] + target }
    }

    func makeModels() throws -> [Model] {
        let trainRows = Self.rows(400, seed: 1)
        let all = ["a", "b", "c", "label", "bit", "y1", "y2"]
        let trainCSV = try write("train.csv", Self.csv(trainRows, all))
        func train(_ name: String, _ target: String, _ exclude: String, task: [String] = []) throws -> String {
            let out = path(name + ".nimp")
            try OperatorCLI.expectOK(["train", "--data", trainCSV, "--target", target, "--exclude", exclude, "--hidden", "16"] + task + [
                                      "--epochs", "30", "--learning-rate", "0.01", "-o", out, "-q"])
            return out
        }
        let c3 = try train("c3", "label", "bit,y1,y2")
        let c3int8 = path("c3-int8.nimp"), c3pruned = path("c3-pruned.nimp")
        try OperatorCLI.expectOK(["optimize", c3, "--quantize", "int8", "--no-calibrate", "--latency-samples", "10", "-o", c3int8, "-q"])
        try OperatorCLI.expectOK(["optimize", c3, "--prune-weights", "0.5", "--latency-samples", "10", "-o", c3pruned, "-q"])
        return [
            Model(name: "c3", path: c3, target: ["label"], classifier: true),
            Model(name: "c3-int8", path: c3int8, target: ["label"], classifier: true),
            Model(name: "c3-pruned", path: c3pruned, target: ["label"], classifier: true),
            Model(name: "c2", path: try train("c2", "bit", "label,y1,y2", task: ["--task", "classification"]), target: ["bit"], classifier: true),
            Model(name: "r1", path: try train("r1", "y1", "label,bit,y2"), target: ["y1"], classifier: false),
            Model(name: "r2", path: try train("r2", "y1,y2", "label,bit"), target: ["y1", "y2"], classifier: false),
        ]
    }

    /// What a variant of the test data should give: the reference answer on these rows, or a refusal.
    enum Expect { case same(rows: [Int]), reject }

    struct Variant {
        let name: String, file: String, expect: Expect
        /// Whether a command that needs the target can use it (predict ignores the target).
        var predictExpect: Expect?
    }

    func variants(for m: Model, test: [[String: String]]) throws -> [Variant] {
        let n = test.count, everyRow = Array(0..<n)
        let own = m.columns
        var out: [Variant] = []
        func add(_ name: String, _ text: String, _ expect: Expect, predict: Expect? = nil, ext: String = "csv") throws {
            out.append(Variant(name: name, file: try write("\(m.name)-\(name).\(ext)", text), expect: expect, predictExpect: predict))
        }
        try add("reversed", Self.csv(test, own.reversed()), .same(rows: everyRow))
        try add("shuffled-extra", Self.csv(test, ["c", "note"] + m.target + ["a", "b"]), .same(rows: everyRow))
        try add("missing-feature", Self.csv(test, ["a", "c"] + m.target), .reject)
        let renamed = Self.csv(test, own).replacingOccurrences(of: "a,b,c", with: "A,b,c")
        try add("renamed-feature", renamed, .reject)
        try add("no-target", Self.csv(test, ["a", "b", "c"]), .reject, predict: .same(rows: everyRow))
        let renamedTarget = Self.csv(test, own).replacingOccurrences(of: "," + m.target.joined(separator: ","), with: "," + m.target.map { $0 + "_" }.joined(separator: ","))
        try add("renamed-target", renamedTarget, .reject, predict: .same(rows: everyRow))
        try add("header-only", own.joined(separator: ",") + "\n", .reject, predict: .same(rows: []))
        try add("one-row", Self.csv([test[0]], own), .same(rows: [0]))
        let jsonl = test.map { r in "{" + own.reversed().map { "\"\($0)\":" + (m.classifier && m.target.contains($0) ? "\"\(r[$0]!)\"" : r[$0]!) }.joined(separator: ",") + "}" }
        try add("jsonl-reordered", jsonl.joined(separator: "\n") + "\n", .same(rows: everyRow), ext: "jsonl")
        if m.classifier {
            let t = m.target[0]
            let first = test[0][t]!
            let subset = everyRow.filter { test[$0][t] == first }
            try add("class-subset", Self.csv(subset.map { test[$0] }, own), .same(rows: subset))
            for (name, labels) in [("numbers", ["1", "2", "3"]), ("letters", ["a", "b", "c"]), ("negative", ["-1", "0", "1"]),
                                   ("huge", ["0", "1e30", "2e30"]), ("fractional", ["0.5", "1.5", "2.5"])] {
                let known = Set(test.map { $0[t]! }).sorted()
                let mapped = test.map { r -> [String: String] in
                    var r = r
                    r[t] = labels[known.firstIndex(of: r[t]!)! % labels.count]
                    return r
                }
                let foreign = Set(labels).isDisjoint(with: known) || !Set(mapped.map { $0[t]! }).isSubset(of: Set(known))
                try add("labels-" + name, Self.csv(mapped, own), foreign ? .reject : .same(rows: everyRow), predict: .same(rows: everyRow))
            }
        } else {
            var words = test
            words[3][m.target[0]] = "high"
            try add("text-target", Self.csv(words, own), .reject, predict: .same(rows: everyRow))
        }
        return out
    }

    /// The reference answer: predictions on the test set in the model's own layout.
    func predictions(_ model: String, _ file: String) -> (status: Int32, rows: [String]) {
        let run = runNimp(["predict", model, "--data", file])
        return (run.status, run.stdout.split(separator: "\n").map(String.init))
    }

    @Test func semanticCorpusEndsRightOrRefused() throws {
        let models = try makeModels()
        let test = Self.rows(60, seed: 2)
        var counts: [String: Int] = ["right": 0, "refused": 0, "crashed": 0, "wrong": 0]
        var problems: [String] = []
        func record(_ label: String, _ status: Int32, ok: Bool, expectedReject: Bool, stderr: String) {
            if status >= 128 || status == 1 {
                counts["crashed"]! += 1
                problems.append("\(label): exit \(status) \(stderr.prefix(200))")
            } else if expectedReject {
                if status == 65 || status == 64 { counts["refused"]! += 1 } else {
                    counts["wrong"]! += 1
                    problems.append("\(label): expected exit 65, got \(status)")
                }
            } else if status == 0 && ok {
                counts["right"]! += 1
            } else {
                counts["wrong"]! += 1
                problems.append("\(label): exit \(status), expected the reference answer; \(stderr.prefix(200))")
            }
        }
        for m in models {
            let reference = try write("\(m.name)-reference.csv", Self.csv(test, m.columns))
            let ref = predictions(m.path, reference)
            try #require(ref.status == 0 && ref.rows.count == test.count, Comment(rawValue: "\(m.name): predict on its own layout"))
            let refEval = runNimp(["evaluate", m.path, "--data", reference, "--latency-samples", "10"])
            try #require(refEval.status == 0, Comment(rawValue: "\(m.name): \(refEval.stderr)"))
            for v in try variants(for: m, test: test) {
                // predict: the same rows, in order, as on the reference layout.
                let p = predictions(m.path, v.file)
                switch v.predictExpect ?? v.expect {
                case .same(let rows):
                    record("\(m.name) \(v.name) predict", p.status, ok: p.rows == rows.map { ref.rows[$0] }, expectedReject: false, stderr: "")
                case .reject:
                    record("\(m.name) \(v.name) predict", p.status, ok: false, expectedReject: true, stderr: "")
                }
                // evaluate: the metric the reference predictions give on these rows.
                let e = runNimp(["evaluate", m.path, "--data", v.file, "--latency-samples", "10"])
                switch v.expect {
                case .same(let rows):
                    let got = (try? OperatorCLI.lastJSON(e.stdout)) ?? [:]
                    let ok: Bool
                    if m.classifier {
                        let target = m.target[0]
                        let correct = rows.filter { ref.rows[$0].contains("\"\(target)\":\"\(test[$0][target]!)\"") }.count
                        ok = abs((got["accuracy"] as? Double ?? -1) - Double(correct) / Double(rows.count)) < 1e-9
                    } else {
                        ok = (got["samples"] as? Int) == rows.count && (rows.count < 2 || got["r2"] is Double)
                            && (rows.count != test.count || abs((got["mse"] as? Double ?? -1) - ((try? OperatorCLI.lastJSON(refEval.stdout))?["mse"] as? Double ?? -2)) < 1e-9)
                    }
                    record("\(m.name) \(v.name) evaluate", e.status, ok: ok, expectedReject: false, stderr: e.stderr)
                case .reject:
                    record("\(m.name) \(v.name) evaluate", e.status, ok: false, expectedReject: true, stderr: e.stderr)
                }
                // Commands that train or store with the data: refused exactly when evaluate is.
                let isReject: Bool = { if case .reject = v.expect { return true } else { return false } }()
                let single: Bool = { if case .same(let rows) = v.expect { return rows.count < 2 } else { return false } }()
                var commands: [(String, [String])] = [
                    ("optimize", ["optimize", m.path, "--quantize", "int8", "--data", v.file, "--latency-samples", "10", "-o", path("o.nimp"), "-q"]),
                    ("train --init", ["train", "--init", m.path, "--data", v.file, "--epochs", "1", "-o", path("t.nimp"), "-q"]),
                    ("distill", ["distill", "--teacher", m.path, "--data", v.file, "--hidden", "4", "--epochs", "1", "--latency-samples", "10",
                                 "-o", path("d.nimp"), "-q"]),
                ]
                if !single {
                    let registry = path("registry-\(m.name)-\(v.name)")
                    try OperatorCLI.expectOK(["registry", "init", "--registry", registry, "-q"])
                    commands.append(("registry add", ["registry", "add", "m", m.path, "--data", v.file, "--eval", v.file, "--registry", registry, "-q"]))
                }
                for (name, args) in commands {
                    let r = runNimp(args)
                    record("\(m.name) \(v.name) \(name)", r.status, ok: r.status == 0, expectedReject: isReject, stderr: r.stderr)
                }
                // A cycle on a registry that took reordered columns runs clean.
                if v.name == "reversed" {
                    let r = runNimp(["cycle", "--force", "--budget-seconds", "20", "--registry", path("registry-\(m.name)-\(v.name)"), "-q"])
                    record("\(m.name) \(v.name) cycle", r.status, ok: r.status == 0, expectedReject: false, stderr: r.stderr)
                }
            }
        }
        let line = "reliability: {\"kind\":\"semantic\",\"right\":\(counts["right"]!),\"refused\":\(counts["refused"]!),\"crashed\":\(counts["crashed"]!),\"wrong\":\(counts["wrong"]!)}"
        print(line)
        #expect(problems.isEmpty, Comment(rawValue: "\(problems.count) problem(s):\n" + problems.prefix(40).joined(separator: "\n")))
        #expect(counts["crashed"] == 0 && counts["wrong"] == 0)
    }
}
