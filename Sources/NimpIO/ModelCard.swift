import Foundation
import NimpCore

/// `README.md` inside a `.nimp` archive: a short model card for people, and how to
/// open the archive without nimp. Made only from the manifest, so it is byte-stable.
public enum ModelCard {
    public static func markdown(_ manifest: Manifest) -> String {
        var lines: [String] = []
        let title = manifest.id.map { id in manifest.version.map { "\(id) v\($0)" } ?? id } ?? "nimp model"
        lines.append("# \(title)")
        lines.append("")
        lines.append("A \(manifest.task.rawValue) MLP made by `nimp` (\(manifest.lineage.operation), \(manifest.lineage.createdAt)).")
        lines.append("")
        lines += architecture(manifest)
        lines += names(manifest)
        lines += metrics(manifest)
        lines += lineage(manifest.lineage)
        lines += howToRead(manifest)
        return lines.joined(separator: "\n") + "\n"
    }

    static func architecture(_ manifest: Manifest) -> [String] {
        let arch = manifest.architecture
        var shape = ["\(arch.inputs) inputs"]
        var parameters = 0
        var width = arch.inputs
        for layer in arch.layers {
            var part = "\(layer.units) \(layer.activation.rawValue)"
            if layer.storage != .f32 { part += " (\(layer.storage.rawValue))" }
            shape.append(part)
            parameters += layer.units * width + layer.units
            width = layer.units
        }
        var lines = ["## Architecture", "", "- layers: " + shape.joined(separator: " → "), "- parameters: \(parameters)"]
        lines.append("- weights: " + (manifest.quantization.map { "quantized (\($0)), per output channel where int8" } ?? "float32"))
        if let pruning = manifest.pruning {
            var text = "- pruning: \(pruning.kind)"
            if let fraction = pruning.fraction { text += ", fraction \(fraction)" }
            if let sparsity = pruning.sparsity { text += ", sparsity \(String(format: "%.4f", sparsity))" }
            lines.append(text)
        }
        lines.append("- inputs are standardised with `normalization.mean` and `normalization.std` from the manifest: x' = (x - mean) / std")
        let outputs = manifest.task == .classification ? "logits, one per class (softmax gives probabilities)" : "predicted values"
        lines.append("- outputs: \(arch.outputs) \(outputs)")
        lines.append("")
        return lines
    }

    static func names(_ manifest: Manifest) -> [String] {
        var lines = ["## Features and targets", ""]
        if let schema = manifest.schema {
            lines.append("Input columns, matched by name, in this order (a missing value takes the fill):")
            lines.append("")
            for column in schema.columns.prefix(50) {
                switch column.encoding {
                case .numeric(let fill):
                    lines.append("- `\(column.name)`: numeric" + (fill.map { ", missing → \($0)" } ?? ""))
                case .categorical(let categories, let fill):
                    lines.append("- `\(column.name)`: categorical, one input per category (" + list(categories)
                                 + "; unseen → all zeros)" + (fill.map { ", missing → `\($0)`" } ?? ""))
                }
            }
            if schema.columns.count > 50 { lines.append("- … (\(schema.columns.count) columns in all)") }
            if !schema.target.isEmpty { lines.append("- target column: " + list(schema.target)) }
        }
        lines.append("- features: " + list(manifest.featureNames))
        lines.append("- " + (manifest.task == .classification ? "classes" : "targets") + ": " + list(manifest.targetNames))
        lines.append("")
        return lines
    }

    static func metrics(_ manifest: Manifest) -> [String] {
        guard !manifest.metrics.isEmpty else { return [] }
        var lines = ["## Metrics at creation", "", "| metric | value |", "| --- | --- |"]
        for (name, value) in manifest.metrics.sorted(by: { $0.key < $1.key }) {
            lines.append("| \(name) | \(value) |")
        }
        lines.append("")
        return lines
    }

    static func lineage(_ lineage: Manifest.Lineage) -> [String] {
        var lines = ["## Lineage", "", "- operation: \(lineage.operation)", "- created: \(lineage.createdAt)"]
        if let parent = lineage.parent { lines.append("- parent version: \(parent)") }
        if let sha = lineage.parentSha256 { lines.append("- parent sha256: \(sha)") }
        if let teacher = lineage.teacher { lines.append("- teacher: \(teacher)") }
        if let sha = lineage.datasetSha256 { lines.append("- dataset sha256: \(sha)") }
        if let seed = lineage.seed { lines.append("- seed: \(seed)") }
        if !lineage.commandLine.isEmpty {
            lines.append("- command: `\(lineage.commandLine.joined(separator: " ").replacingOccurrences(of: "`", with: "'"))`")
        }
        lines.append("")
        return lines
    }

    static func howToRead(_ manifest: Manifest) -> [String] {
        [
            "## Reading this archive without nimp", "",
            "The `.nimp` file is a plain tar archive:", "",
            "```sh",
            "tar -tvf model.nimp                            # manifest.json, weights.safetensors, metrics.jsonl, README.md",
            "tar -xOf model.nimp manifest.json | jq .       # architecture, normalization, lineage, checksums",
            "tar -xOf model.nimp metrics.jsonl | jq -c .    # the training curve",
            "```", "",
            "`weights.safetensors` holds `layers.N.weight` [out, in] and `layers.N.bias` [out] as in a PyTorch",
            "`state_dict`; an int8 layer stores I8 weights and F32 `layers.N.weight_scale` [out] (weight = q * scale).", "",
            "```python",
            "import json, math, tarfile",
            "import numpy as np",
            "from safetensors.numpy import load",
            "",
            "ACTIVATIONS = {\"relu\": lambda z: np.maximum(z, 0), \"leaky_relu\": lambda z: np.where(z < 0, 0.01 * z, z),",
            "               \"tanh\": np.tanh, \"sigmoid\": lambda z: 1 / (1 + np.exp(-z)), \"identity\": lambda z: z,",
            "               \"gelu\": lambda z: 0.5 * z * (1 + np.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z**3)))}",
            "",
            "with tarfile.open(\"model.nimp\") as t:",
            "    manifest = json.load(t.extractfile(\"manifest.json\"))",
            "    tensors = load(t.extractfile(\"weights.safetensors\").read())",
            "",
            "def predict(x):  # x: the encoded inputs [rows, features] (the schema above turns table columns into them)",
            "    x = (x - np.array(manifest[\"normalization\"][\"mean\"])) / np.array(manifest[\"normalization\"][\"std\"])",
            "    for n, layer in enumerate(manifest[\"architecture\"][\"layers\"]):",
            "        w = tensors[f\"layers.{n}.weight\"].astype(np.float32)",
            "        if f\"layers.{n}.weight_scale\" in tensors:",
            "            w = w * tensors[f\"layers.{n}.weight_scale\"][:, None]",
            "        x = x @ w.T + tensors[f\"layers.{n}.bias\"]",
            "        x = ACTIVATIONS[layer[\"activation\"]](x)   # relu, leaky_relu, tanh, sigmoid, gelu, identity",
            "    return x",
            "```",
        ]
    }

    static func list(_ names: [String]) -> String {
        guard !names.isEmpty else { return "(unnamed)" }
        let shown = names.prefix(20).map { "`\($0)`" }.joined(separator: ", ")
        return names.count > 20 ? shown + ", … (\(names.count) in all)" : shown
    }
}
