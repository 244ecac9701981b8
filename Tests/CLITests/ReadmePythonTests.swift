import Foundation
import NimpTestSupport
import Testing

/// The README's Python forward pass, run as printed, against `nimp predict` on archives of
/// every activation, f16 and int8 weights, a classifier and a regressor, trained on a table
/// with text and missing values: max abs difference ≤ 1e-5.
@Suite(.serialized) struct ReadmePythonTests {
    let scratch: TemporaryDirectory

    init() throws {
        scratch = try TemporaryDirectory("readme-python")
    }

    @Test(.enabled(if: TestPython.usable, TestPython.reason)) func readmeForwardPassMatchesPredict() throws {
        let python = try TestPython.path()
        let dir = scratch.url
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        func table(_ rows: Int, seed: Int, unseen: Bool) -> String {
            var lines = ["id,size,colour,weight,kind,score"]
            for i in 0..<rows {
                let k = (i * 7 + seed) % 3
                let colour = unseen && i % 11 == 5 ? "teal" : ["red", "green", "blue"][(i + k) % 3]
                let size = i % 9 == 4 ? "NA" : String(format: "%.3f", Double(k) + Double((i * 37 + seed) % 100) / 80)
                let weight = i % 13 == 6 ? "" : String(format: "%.2f", Double((i * 53 + seed) % 70) / 10)
                let score = String(format: "%.4f", Double(k) * 0.7 + Double((i * 17 + seed) % 50) / 100)
                lines.append("\(i),\(size),\(i % 17 == 3 ? "" : colour),\(weight),\(["a", "b", "c"][k]),\(score)")
            }
            return lines.joined(separator: "\n") + "\n"
        }
        try table(300, seed: 1, unseen: false).write(toFile: path("train.csv"), atomically: true, encoding: .utf8)
        try table(80, seed: 2, unseen: true).write(toFile: path("test.csv"), atomically: true, encoding: .utf8)
        let readme = TestPython.root.appendingPathComponent("README.md").path
        let checker = TestPython.root.appendingPathComponent("Tests/python/forward_check.py").path

        func check(_ archive: String, proba: Bool) throws {
            let predicted = runNimp(["predict", archive, "--data", path("test.csv")] + (proba ? ["--proba"] : []))
            #expect(predicted.status == 0, "\(predicted.stderr)")
            try predicted.stdout.write(toFile: path("predictions.jsonl"), atomically: true, encoding: .utf8)
            let r = runProcess(python, [checker, readme, archive, path("test.csv"), path("predictions.jsonl")])
            #expect(r.status == 0, "\((archive as NSString).lastPathComponent): \(r.stdout)\(r.stderr)")
        }
        func train(_ name: String, _ extra: [String]) throws -> String {
            let out = path(name)
            let r = runNimp(["train", "--data", path("train.csv"), "--hidden", "8,8", "--epochs", "3",
                             "--metrics", "/dev/null", "-q", "-o", out] + extra)
            #expect(r.status == 0, "\(r.stderr)")
            return out
        }
        for activation in ["relu", "leaky_relu", "tanh", "sigmoid", "gelu", "identity"] {
            try check(try train("\(activation).nimp", ["--target", "kind", "--exclude", "id,score", "--activation", activation]), proba: true)
        }
        let relu = path("relu.nimp")
        for storage in ["int8", "f16"] {
            let out = path("\(storage).nimp")
            #expect(runNimp(["optimize", relu, "--quantize", storage, "--no-calibrate", "--latency-samples", "10", "-q", "-o", out]).status == 0)
            try check(out, proba: true)
        }
        try check(try train("regressor.nimp", ["--target", "score", "--exclude", "id,kind", "--activation", "tanh"]), proba: false)
    }
}
