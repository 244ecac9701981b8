import Foundation
import NimpCore
import NimpTestSupport
import Testing

/// `nimp export --format c`: the header compiles warning-free as C99 and predicts what
/// `nimp predict` predicts, for every activation, for a classifier and a regressor, on a
/// table with a text column and missing cells.
@Suite(.serialized)
final class ExportTests {
    let scratch: TemporaryDirectory
    let dir: String

    init() throws {
        scratch = try TemporaryDirectory("export")
        dir = scratch.path
    }

    /// Rows of (size, colour, weight, label, price): colour is text, some cells are empty.
    func table() throws -> (path: String, rows: [[String]]) {
        var rng = RNG(seed: 5)
        var rows: [[String]] = []
        for i in 0..<240 {
            let size = rng.uniform() * 10, weight = rng.uniform() * 3
            let colour = ["red", "green", "blue"][rng.int(below: 3)]
            let label = size > 5 ? (colour == "red" ? "big-red" : "big") : "small"
            let price = size * 2 + weight + (colour == "blue" ? 3 : 0)
            rows.append([i % 17 == 3 ? "" : String(size), i % 13 == 5 ? "" : colour, i % 11 == 7 ? "NA" : String(weight), label, String(price)])
        }
        // A colour training never saw: encoded as all zeros, in C as in nimp.
        rows.append(["4.5", "purple", "1.0", "small", "13"])
        let path = dir + "/table.csv"
        try (["size,colour,weight,label,price"] + rows.map { $0.joined(separator: ",") }).joined(separator: "\n")
            .appending("\n").write(toFile: path, atomically: true, encoding: .utf8)
        return (path, rows)
    }

    /// A C program that predicts every row with the header and prints the outputs, comma-separated.
    func harness(_ rows: [[String]]) -> String {
        func number(_ s: String) -> String { s.isEmpty || s == "NA" ? "NAN" : s }
        func text(_ s: String) -> String { s.isEmpty ? "NULL" : "\"\(s)\"" }
        let cells = rows.map { r in "{{\(number(r[0])), NULL}, {0, \(text(r[1]))}, {\(number(r[2])), NULL}}" }
        return """
        #include <stdio.h>
        #include "model.h"
        static const m_cell rows[][M_COLUMNS] = {
        \(cells.joined(separator: ",\n"))
        };
        int main(void) {
            float out[M_OUTPUTS];
            size_t n, k;
            for (n = 0; n < sizeof rows / sizeof rows[0]; n++) {
                int r = m_predict(rows[n], out);
                if (r < 0) { printf("error %d\\n", r); continue; }
                for (k = 0; k < M_OUTPUTS; k++) printf(k ? ",%.9g" : "%.9g", out[k]);
                printf("\\n");
            }
            return 0;
        }
        """
    }

    @Test(arguments: ["classification", "regression"])
    func headerPredictsWhatNimpPredicts(task: String) throws {
        let (csv, rows) = try table()
        let target = task == "classification" ? "label" : "price"
        let drop = task == "classification" ? "price" : "label"
        for activation in Activation.allCases where activation != .identity {
            let model = dir + "/\(task)-\(activation.rawValue).nimp"
            let train = runNimp(["train", "--data", csv, "--target", target, "--exclude", drop, "--hidden", "8,6", "--activation",
                                 activation.rawValue, "--epochs", "3", "-o", model, "--metrics", "/dev/null", "-q"])
            try #require(train.status == 0, "\(train.stderr)")
            let header = dir + "/model.h"
            let export = runNimp(["export", model, "--format", "c", "--name", "m", "-o", header])
            try #require(export.status == 0, "\(export.stderr)")
            try harness(rows).write(toFile: dir + "/main.c", atomically: true, encoding: .utf8)
            let compile = try run("/usr/bin/env", ["cc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O2",
                                                   "-o", dir + "/predict", dir + "/main.c", "-lm"])
            try #require(compile.status == 0, "\(activation): \(compile.output)")
            let c = try run(dir + "/predict", []).output.split(separator: "\n").map { $0.split(separator: ",").map { Double($0)! } }

            let predicted = runNimp(["predict", model, "--data", csv, "-q"] + (task == "classification" ? ["--proba"] : []))
            try #require(predicted.status == 0, "\(predicted.stderr)")
            let lines = predicted.stdout.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            #expect(c.count == lines.count && c.count == rows.count)
            var worst = 0.0
            for (out, line) in zip(c, lines) {
                let keys = line.keys.filter { task == "classification" ? $0.hasPrefix("proba_") : $0 == target }.sorted()
                let expected = keys.map { line[$0] as! Double }
                #expect(out.count == expected.count)
                for (a, b) in zip(out, expected) { worst = max(worst, abs(a - b) / max(1, abs(b))) }
            }
            #expect(worst <= 1e-5, "\(task) \(activation): C and nimp predict differ by \(worst)")
        }
    }

    @Test func exportPathsAreCheckedFirst() throws {
        let r = runNimp(["export", dir + "/absent.nimp", "--format", "c", "-o", dir + "/no/such/dir/m.h"])
        #expect(r.status == 73 && r.stderr.contains("does not exist"), "\(r.stderr)")
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let valid = root + "/fixtures/archives/valid.nimp"
        let name = runNimp(["export", valid, "--format", "c", "--name", "9lives", "-o", dir + "/m.h"])
        #expect(name.status == 64 && name.stderr.contains("C identifier"), "\(name.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/m.h"))
        // The prefix comes from the file name when not given.
        #expect(runNimp(["export", valid, "--format", "c", "-o", dir + "/my-model.h"]).status == 0)
        let text = try String(contentsOfFile: dir + "/my-model.h", encoding: .utf8)
        #expect(text.contains("static int my_model_predict(const my_model_cell *row, float *out)"))
    }

    /// `registry export --format c|onnx` writes what `export` writes from the champion's archive.
    @Test func registryExportsInEveryFormat() throws {
        let (csv, _) = try table()
        let model = dir + "/m.nimp", reg = dir + "/reg"
        #expect(runNimp(["train", "--data", csv, "--target", "label", "--exclude", "price", "--epochs", "1", "-o", model,
                         "--metrics", "/dev/null", "-q"]).status == 0)
        #expect(runNimp(["registry", "--registry", reg, "init", "-q"]).status == 0)
        #expect(runNimp(["registry", "--registry", reg, "add", "m", model, "--data", csv, "--target-column", "label", "-q"]).status == 0)
        let champion = reg + "/models/m/versions/v0001.nimp"
        for format in ["c", "onnx"] {
            let viaRegistry = dir + "/registry.\(format)", direct = dir + "/direct.\(format)"
            let r = runNimp(["registry", "--registry", reg, "export", "m", "--format", format, "-o", viaRegistry])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(runNimp(["export", champion, "--format", format, "--name", "registry", "-o", direct, "-q"]).status == 0)
            // The same model; only the description line (the archive's path) may differ.
            let a = try Data(contentsOf: URL(fileURLWithPath: viaRegistry)), b = try Data(contentsOf: URL(fileURLWithPath: direct))
            #expect(abs(a.count - b.count) < 200 && a.count > 500, "\(format): \(a.count) vs \(b.count) bytes")
        }
        let bad = runNimp(["registry", "--registry", reg, "export", "m", "--format", "pdf", "-o", dir + "/m.pdf"])
        #expect(bad.status == 64 && bad.stderr.contains("expected nimp or c or onnx"), "\(bad.stderr)")
        let unwritable = runNimp(["registry", "--registry", reg, "export", "m", "--format", "onnx", "-o", dir + "/no/dir/m.onnx"])
        #expect(unwritable.status == 73, "\(unwritable.stderr)")
    }

    func run(_ path: String, _ args: [String]) throws -> (status: Int32, output: String) {
        let r = runProcess(path, args)
        return (r.status, r.stdout + r.stderr)
    }
}
