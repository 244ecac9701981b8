import Foundation
import NimpTestSupport
import Testing

/// `nimp export --format onnx` and `nimp import` against the ecosystem's own tools, in a
/// venv made from Tests/python/requirements.txt: onnx.checker passes, onnxruntime matches
/// `nimp predict` (1e-5; 1e-4 for int8) for every activation, a classifier and a regressor,
/// on a table with missing numbers; an export imports back to the same weights; a PyTorch
/// state_dict imports and predicts as its numpy forward pass does; a graph nimp cannot run
/// is refused naming its node.
@Suite(.serialized, .enabled(if: TestPython.usable, TestPython.reason)) struct InteropTests {
    let scratch: TemporaryDirectory
    let python: String

    var dir: URL { scratch.url }

    init() throws {
        python = try TestPython.path()
        scratch = try TemporaryDirectory("interop")
    }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
    func script(_ name: String) -> String { TestPython.root.appendingPathComponent("Tests/python/" + name).path }

    /// Four numeric inputs (some cells missing), a class and a value.
    func table(_ name: String, rows: Int, seed: Int, missing: Bool = true) throws -> String {
        var lines = ["a,b,c,d,kind,score"]
        for i in 0..<rows {
            let v = (0..<4).map { j in Double((i * (31 + 7 * j) + seed * 13 + j) % 97) / 24 - 2 }
            let kind = v[0] + v[1] > 0 ? (v[2] > 0 ? "hi" : "mid") : "lo"
            var cells = v.map { String(format: "%.4f", $0) }
            if missing && i % 7 == 3 { cells[i % 4] = i % 2 == 0 ? "" : "NA" }
            lines.append((cells + [kind, String(format: "%.4f", v[0] * 1.5 - v[3] + 0.3 * v[1] * v[2])]).joined(separator: ","))
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path(name), atomically: true, encoding: .utf8)
        return path(name)
    }

    func ok(_ args: [String], sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let r = runNimp(args)
        #expect(r.status == 0, "nimp \(args.joined(separator: " ")): \(r.stderr)", sourceLocation: sourceLocation)
        return r.stdout
    }

    /// `quantized`: the export holds the dequantized weights, so the archive read back is
    /// float32 with the same values: it predicts exactly what the original does.
    func checkONNX(_ archive: String, data: String, proba: Bool, tolerance: String = "1e-5", quantized: Bool = false) throws {
        let onnx = archive + ".onnx"
        _ = ok(["export", archive, "--format", "onnx", "-o", onnx, "-q"])
        try ok(["predict", archive, "--data", data, "-q"] + (proba ? ["--proba"] : [])).write(toFile: path("p.jsonl"), atomically: true, encoding: .utf8)
        let r = runProcess(python, [script("onnx_check.py"), onnx, archive, data, path("p.jsonl"), tolerance])
        #expect(r.status == 0, "\((archive as NSString).lastPathComponent): \(r.stdout)\(r.stderr)")
        // Back in, the same weights.
        let back = archive + ".back.nimp"
        _ = ok(["import", onnx, "-o", back, "-q"])
        if quantized {
            let again = ok(["predict", back, "--data", data, "-q"] + (proba ? ["--proba"] : []))
            #expect(again == ok(["predict", archive, "--data", data, "-q"] + (proba ? ["--proba"] : [])))
        } else {
            #expect(try member(back, "weights.safetensors") == member(archive, "weights.safetensors"), "\((archive as NSString).lastPathComponent): weights changed through ONNX")
        }
    }

    func member(_ archive: String, _ name: String) throws -> Data {
        let r = runProcess("/usr/bin/env", ["tar", "-xOf", archive, name])
        #expect(r.status == 0)
        return Data(r.stdout.utf8)
    }

    @Test func onnxMatchesPredictForEveryActivation() throws {
        let train = try table("train.csv", rows: 300, seed: 1), test = try table("test.csv", rows: 60, seed: 2)
        for activation in ["relu", "leaky_relu", "tanh", "sigmoid", "gelu", "identity"] {
            for task in ["classification", "regression"] {
                let archive = path("\(task)-\(activation).nimp")
                let target = task == "classification" ? ["--target", "kind", "--exclude", "score"] : ["--target", "score", "--exclude", "kind"]
                _ = ok(["train", "--data", train, "--hidden", "8,6", "--activation", activation, "--epochs", "3",
                        "--metrics", "/dev/null", "-q", "-o", archive] + target)
                try checkONNX(archive, data: test, proba: task == "classification")
            }
        }
        // int8 weights are written dequantized: onnxruntime computes what nimp does.
        let int8 = path("int8.nimp")
        _ = ok(["optimize", path("classification-relu.nimp"), "--quantize", "int8", "--no-calibrate", "--latency-samples", "10", "-q", "-o", int8])
        try checkONNX(int8, data: test, proba: true, tolerance: "1e-4", quantized: true)
    }

    @Test func categoricalColumnsStayOutsideAndSaySo() throws {
        let csv = path("colours.csv")
        var lines = ["size,colour,kind"]
        for i in 0..<120 { lines.append("\(Double(i % 10) / 3),\(["red", "green", "blue"][i % 3]),\(i % 10 > 4 ? "big" : "small")") }
        try (lines.joined(separator: "\n") + "\n").write(toFile: csv, atomically: true, encoding: .utf8)
        _ = ok(["train", "--data", csv, "--target", "kind", "--epochs", "2", "--metrics", "/dev/null", "-q", "-o", path("colours.nimp")])
        let r = runNimp(["export", path("colours.nimp"), "--format", "onnx", "-o", path("colours.onnx")])
        #expect(r.status == 0)
        #expect(r.stderr.contains("colour are one-hot encoded outside the ONNX graph"), "\(r.stderr)")
        try checkONNX(path("colours.nimp"), data: csv, proba: true)
    }

    @Test func stateDictImportPredictsAsPyTorchWould() throws {
        let data = path("inputs.csv")
        var lines = ["x0,x1,x2,x3"]
        for i in 0..<50 { lines.append((0..<4).map { j in String(format: "%.3f", Double((i * 17 + j * 29) % 41) / 10 - 2) }.joined(separator: ",")) }
        try (lines.joined(separator: "\n") + "\n").write(toFile: data, atomically: true, encoding: .utf8)
        for (task, sizes, activation) in [("regression", "4,16,8,2", "tanh"), ("classification", "4,12,3", "relu")] {
            let sd = path("\(task).safetensors")
            #expect(runProcess(python, [script("state_dict.py"), "write", sd, sizes, "3"]).status == 0)
            let archive = path("\(task)-imported.nimp")
            _ = ok(["import", sd, "--activation", activation, "--task", task, "-o", archive, "-q"])
            try ok(["predict", archive, "--data", data, "-q"] + (task == "classification" ? ["--proba"] : []))
                .write(toFile: path("p.jsonl"), atomically: true, encoding: .utf8)
            let r = runProcess(python, [script("state_dict.py"), "check", sd, activation, data, path("p.jsonl"), task])
            #expect(r.status == 0, "\(task): \(r.stdout)\(r.stderr)")
        }
        // A state_dict with hidden layers needs their activations.
        let missing = runNimp(["import", path("regression.safetensors"), "-o", path("x.nimp")])
        #expect(missing.status == 64, "\(missing.stderr)")
        #expect(missing.stderr.contains("--activation"), "\(missing.stderr)")
    }

    /// An imported model is one the registry takes and the cycle improves.
    @Test func importedModelJoinsTheRegistryAndImproves() throws {
        let sd = path("net.safetensors")
        #expect(runProcess(python, [script("state_dict.py"), "write", sd, "4,8,3", "5"]).status == 0)
        _ = ok(["import", sd, "--activation", "relu", "--task", "classification", "--feature-names", "a,b,c,d",
                "--target-names", "hi,lo,mid", "-o", path("net.nimp"), "-q"])
        let train = try table("train.csv", rows: 400, seed: 3, missing: false), eval = try table("eval.csv", rows: 200, seed: 4, missing: false)
        let reg = path("reg")
        _ = ok(["registry", "--registry", reg, "init", "-q"])
        _ = ok(["registry", "--registry", reg, "add", "imported", path("net.nimp"), "--data", train, "--eval", eval,
                "--target-column", "kind", "--target", "accuracy=0.99", "-q"])
        let summary = ok(["cycle", "--registry", reg, "--force", "-q"])
        let object = try JSONSerialization.jsonObject(with: Data(summary.utf8)) as? [String: Any]
        #expect(object?["tasks"] as? Int == 1, "\(summary)")
        #expect(object?["promoted"] as? Int == 1, "a random network should be beaten by training: \(summary)")
    }

    @Test func graphsNimpCannotRunAreRefused() throws {
        let make = """
        import sys, onnx
        from onnx import helper, TensorProto, numpy_helper
        import numpy as np
        w = numpy_helper.from_array(np.ones((3, 2), np.float32), "W")
        kind = sys.argv[2]
        nodes = [helper.make_node("Gemm", ["X", "W"], ["H"], name="dense", transB=1)]
        if kind == "conv":
            nodes.append(helper.make_node("Softsign", ["H"], ["Y"], name="squash"))
        else:
            nodes.append(helper.make_node("Relu", ["H"], ["Y"], name="relu_out"))
        g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", 2])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["N", 3])], [w])
        onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), sys.argv[1])
        """
        try make.write(toFile: path("make.py"), atomically: true, encoding: .utf8)
        #expect(runProcess(python, [path("make.py"), path("softsign.onnx"), "conv"]).status == 0)
        let r = runNimp(["import", path("softsign.onnx"), "-o", path("x.nimp")])
        #expect(r.status == 65, "\(r.stderr)")
        #expect(r.stderr.contains("node \"squash\" (Softsign)") && r.stderr.contains("Softsign is not supported"), "\(r.stderr)")
        #expect(runProcess(python, [path("make.py"), path("relu-out.onnx"), "relu"]).status == 0)
        let last = runNimp(["import", path("relu-out.onnx"), "-o", path("x.nimp")])
        #expect(last.status == 65, "\(last.stderr)")
        #expect(last.stderr.contains("ends in relu"), "\(last.stderr)")
        #expect(!FileManager.default.fileExists(atPath: path("x.nimp")))
        // Truncated: every prefix of a real export is exit 65, never a crash.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path("relu-out.onnx")))
        for cut in stride(from: 1, to: bytes.count, by: max(1, bytes.count / 40)) {
            try bytes.prefix(cut).write(to: URL(fileURLWithPath: path("cut.onnx")))
            let t = runNimp(["import", path("cut.onnx"), "-o", path("x.nimp")])
            #expect(t.status == 65, "cut at \(cut): \(t.stderr)")
        }
    }
}
