import Foundation
import NimpCore
import NimpIO
import SwiftProtobuf

/// A model as an ONNX graph (README, "Using models elsewhere"): input `features` [N, inputs]
/// holds the encoded features with NaN for a missing number; the graph fills missing
/// numbers with the training medians (IsNaN, Where), standardises (Sub, Div), and runs
/// every layer (Gemm with the PyTorch [out, in] weight, transB = 1) and activation.
/// Outputs: `outputs` (a regressor's values) or `logits` and `probabilities` (Softmax).
///
/// Categorical columns stay outside the graph: their one-hot encoding is the caller's, as
/// the metadata (`nimp.encoding`) and stderr say. int8 and f16 weights are written
/// dequantized, as float32: the values nimp computes with. Opset 17, or 20 when a layer is
/// GELU (the first opset with `Gelu(approximate="tanh")`).
public enum ONNXExport {
    public static let input = "features"

    public static func model(_ model: Model, name: String, description: String) throws -> Data {
        let usesGELU = model.layers.contains { $0.activation == .gelu }
        let opset: Int64 = usesGELU ? 20 : 17
        var nodes: [Onnx_NodeProto] = []
        var initializers: [Onnx_TensorProto] = []
        func node(_ op: String, _ inputs: [String], _ output: String, _ attributes: [Onnx_AttributeProto] = []) {
            nodes.append(.with {
                $0.opType = op
                $0.name = "\(op.lowercased())_\(nodes.count)"
                $0.input = inputs
                $0.output = [output]
                $0.attribute = attributes
            })
        }
        func constant(_ name: String, _ values: [Float], _ dims: [Int]) {
            initializers.append(tensor(name, values, dims))
        }

        let schema = model.schema
        var fills: [Float] = []
        for column in schema.columns {
            switch column.encoding {
            case .numeric(let fill): fills.append(fill ?? .nan)
            // A one-hot feature is never missing: the caller writes 0 or 1.
            case .categorical(let categories, _): fills += [Float](repeating: .nan, count: categories.count)
            }
        }
        var current = input
        if fills.contains(where: { !$0.isNaN }) {
            constant("fill", fills, [model.inputs])
            node("IsNaN", [input], "missing")
            node("Where", ["missing", "fill", input], "filled")
            current = "filled"
        }
        constant("mean", model.normalizer.mean, [model.inputs])
        constant("std", model.normalizer.std, [model.inputs])
        node("Sub", [current, "mean"], "centred")
        node("Div", ["centred", "std"], "standardised")
        current = "standardised"
        for (n, layer) in model.layers.enumerated() {
            var w = layer.weight.data
            if let mask = layer.mask { for i in w.indices { w[i] *= mask.data[i] } }
            constant("layers.\(n).weight", w, [layer.outputs, layer.inputs])
            constant("layers.\(n).bias", layer.bias, [layer.outputs])
            let z = "layers.\(n).z"
            node("Gemm", [current, "layers.\(n).weight", "layers.\(n).bias"], z, [int("transB", 1)])
            let a = "layers.\(n).a"
            switch layer.activation {
            case .identity: current = z; continue
            case .relu: node("Relu", [z], a)
            case .leakyRelu: node("LeakyRelu", [z], a, [float("alpha", 0.01)])
            case .tanh: node("Tanh", [z], a)
            case .sigmoid: node("Sigmoid", [z], a)
            case .gelu: node("Gelu", [z], a, [string("approximate", "tanh")])
            }
            current = a
        }
        let outputs: [(String, Int)]
        if model.task == .classification {
            node("Identity", [current], "logits")
            node("Softmax", ["logits"], "probabilities", [int("axis", 1)])
            outputs = [("logits", model.outputs), ("probabilities", model.outputs)]
        } else {
            node("Identity", [current], "outputs")
            outputs = [("outputs", model.outputs)]
        }

        let encoding = schema.columns.contains { if case .categorical = $0.encoding { return true } else { return false } }
            ? "outside the graph: each categorical column becomes one 0/1 feature per category, in nimp.feature_names order; "
                + "an unknown category is all zeros, a missing one its column's fill (see nimp.schema)"
            : "none: every input column is numeric"
        let proto = Onnx_ModelProto.with {
            $0.irVersion = opset >= 20 ? 9 : 8
            $0.opsetImport = [.with { $0.domain = ""; $0.version = opset }]
            $0.producerName = "nimp"
            $0.producerVersion = "1"
            $0.docString = description
            $0.graph = .with {
                $0.name = name
                $0.docString = "\(model.task.rawValue): \(model.inputs) encoded features → \(model.outputs) outputs"
                $0.input = [valueInfo(input, model.inputs)]
                $0.output = outputs.map { valueInfo($0.0, $0.1) }
                $0.initializer = initializers
                $0.node = nodes
            }
            $0.metadataProps = [
                entry("nimp.task", model.task.rawValue),
                entry("nimp.feature_names", json(model.featureNames)),
                entry("nimp.target_names", json(model.targetNames)),
                entry("nimp.schema", (try? JSONCoding.line(schema)) ?? ""),
                entry("nimp.encoding", encoding),
                entry("nimp.weights", "float32; int8 and float16 weights are written dequantized"),
            ]
        }
        return try proto.serializedBytes()
    }

    static func tensor(_ name: String, _ values: [Float], _ dims: [Int]) -> Onnx_TensorProto {
        .with {
            $0.name = name
            $0.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
            $0.dims = dims.map(Int64.init)
            var raw = Data(capacity: values.count * 4)
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { raw.append(contentsOf: $0) } }
            $0.rawData = raw
        }
    }

    static func valueInfo(_ name: String, _ width: Int) -> Onnx_ValueInfoProto {
        .with {
            $0.name = name
            $0.type.tensorType.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
            $0.type.tensorType.shape.dim = [.with { $0.value = .dimParam("N") }, .with { $0.value = .dimValue(Int64(width)) }]
        }
    }

    static func int(_ name: String, _ value: Int64) -> Onnx_AttributeProto {
        .with { $0.name = name; $0.type = .int; $0.i = value }
    }

    static func float(_ name: String, _ value: Float) -> Onnx_AttributeProto {
        .with { $0.name = name; $0.type = .float; $0.f = value }
    }

    static func string(_ name: String, _ value: String) -> Onnx_AttributeProto {
        .with { $0.name = name; $0.type = .string; $0.s = Data(value.utf8) }
    }

    static func entry(_ key: String, _ value: String) -> Onnx_StringStringEntryProto {
        .with { $0.key = key; $0.value = value }
    }

    static func json(_ strings: [String]) -> String {
        (try? JSONCoding.line(strings)) ?? "[]"
    }
}
