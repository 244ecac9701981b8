import Foundation
import NimpCore
import NimpIO
import SwiftProtobuf

/// What an imported network lacks and the command line can say: its task, names and
/// activations.
public struct ImportOptions: Sendable {
    /// Hidden activations, one for all or one per hidden layer (PyTorch state_dicts hold none).
    public var activations: [Activation] = []
    public var task: Task?
    public var featureNames: [String]?
    public var targetNames: [String]?

    public init() {}
}

/// Networks from other tools as nimp models (README, "Using models elsewhere"): a PyTorch
/// `state_dict` of Linear layers saved as safetensors, or an ONNX graph of Gemm or
/// MatMul + Add layers and the activations nimp has. Anything else is exit 65 naming it.
public enum ModelImport {
    /// Files larger than this are refused before they are read: nimp's networks are small.
    public static let maxBytes = 256 << 20
    /// Weights a network may have in all.
    public static let maxParameters = 50_000_000

    // MARK: PyTorch state_dict

    /// Layers from `PREFIX.weight` [out, in] and `PREFIX.bias` [out] pairs, in the natural
    /// order of their prefixes (`net.0`, `net.2`, `net.10`).
    public static func stateDict(path: String, options: ImportOptions) throws -> Model {
        try checkSize(path)
        let file = try SafeTensorsFile.read(path: path)
        var prefixes: [String] = []
        for t in file.tensors where t.name.hasSuffix(".weight") && t.shape.count == 2 {
            prefixes.append(String(t.name.dropLast(".weight".count)))
        }
        prefixes.sort { naturalLess($0, $1) }
        guard !prefixes.isEmpty else {
            throw NimpError.data(path, nil, "no 2-D tensor named *.weight: expected a state_dict of torch.nn.Linear layers",
                                 hint: "save it with safetensors.torch.save_file(model.state_dict(), path)")
        }
        var dense: [(weight: Matrix, bias: [Float], name: String)] = []
        for prefix in prefixes {
            let info = file.info(prefix + ".weight")!
            let (rows, cols) = (info.shape[0], info.shape[1])
            guard rows > 0, cols > 0 else { throw NimpError.data(path, "tensor \"\(prefix).weight\"", "shape \(info.shape) is empty") }
            let weight = Matrix(rows: rows, cols: cols, data: try file.floats(prefix + ".weight"))
            var bias = [Float](repeating: 0, count: rows)
            if let b = file.info(prefix + ".bias") {
                guard b.shape == [rows] else {
                    throw NimpError.data(path, "tensor \"\(prefix).bias\"", "shape \(b.shape), expected [\(rows)] to match \(prefix).weight \(info.shape)")
                }
                bias = try file.floats(prefix + ".bias")
            }
            if let last = dense.last, last.weight.rows != cols {
                throw NimpError.data(path, "tensor \"\(prefix).weight\"", "takes \(cols) inputs, but \(last.name) gives \(last.weight.rows): not a stack of Linear layers")
            }
            dense.append((weight, bias, prefix))
        }
        try checkParameters(dense.reduce(0) { $0 + $1.weight.data.count + $1.bias.count }, path)
        let hidden = dense.count - 1
        let activations: [Activation]
        switch options.activations.count {
        case hidden: activations = options.activations
        case 1: activations = [Activation](repeating: options.activations[0], count: hidden)
        case 0 where hidden == 0: activations = []
        default:
            throw NimpError.usage("the state_dict has \(hidden) hidden layer(s) (\(dense.dropLast().map(\.name).joined(separator: ", "))): give the hidden activations: one, or one per hidden layer",
                                  parameters: [.hiddenActivations])
        }
        let layers = dense.enumerated().map { n, d in
            DenseLayer(weight: d.weight, bias: d.bias, activation: n < hidden ? activations[n] : .identity)
        }
        return try assemble(layers, normalizer: nil, fills: nil, metadata: [:], classifier: nil, options: options, source: path)
    }

    // MARK: ONNX

    public static func onnx(path: String, options: ImportOptions) throws -> Model {
        try checkSize(path)
        return try onnx(data: try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped), name: path, options: options)
    }

    /// An ONNX model's bytes; `name` names it in errors.
    public static func onnx(data: Data, name path: String, options: ImportOptions) throws -> Model {
        guard data.count <= maxBytes else { throw NimpError.data(path, nil, "\(data.count) bytes, over the \(maxBytes >> 20) MiB nimp imports") }
        let proto: Onnx_ModelProto
        do {
            proto = try Onnx_ModelProto(serializedBytes: data)
        } catch {
            throw NimpError.data(path, nil, "not an ONNX model: the protobuf does not decode (\(error))")
        }
        guard proto.hasGraph else { throw NimpError.data(path, nil, "an ONNX model without a graph") }
        let graph = proto.graph
        guard graph.input.count >= 1 else { throw NimpError.data(path, "graph", "has no input") }
        let metadata = Dictionary(proto.metadataProps.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        var constants: [String: (dims: [Int], values: [Float])] = [:]
        for t in graph.initializer { constants[t.name] = try floats(t, path: path) }
        try checkParameters(constants.values.reduce(0) { $0 + $1.values.count }, path)
        // Graph inputs that are initializers too (older exporters) are not data inputs.
        guard let input = graph.input.first(where: { constants[$0.name] == nil }) else {
            throw NimpError.data(path, "graph", "every input is an initializer: no data input")
        }

        var current = input.name
        var fills: [Float]?, mean: [Float]?, std: [Float]?
        var layers: [DenseLayer] = []
        var classifier = false
        var missingMask: String?
        var pendingMatMul: (weight: Matrix, output: String)?
        func fail(_ node: Onnx_NodeProto, _ what: String) -> NimpError {
            NimpError.data(path, "node \(String(reflecting: node.name.isEmpty ? node.opType : node.name)) (\(node.opType))", what)
        }
        func constant(_ node: Onnx_NodeProto, _ name: String) throws -> (dims: [Int], values: [Float]) {
            guard let c = constants[name] else { throw fail(node, "input \(String(reflecting: name)) is not a constant (an initializer)") }
            return c
        }
        /// The operand after the data: a weight, bias, mean or fill.
        func second(_ node: Onnx_NodeProto) throws -> String {
            guard node.input.count >= 2 else { throw fail(node, "has \(node.input.count) input(s), expected at least 2") }
            return node.input[1]
        }
        func takesCurrent(_ node: Onnx_NodeProto, at index: Int = 0) throws {
            guard node.input.count > index, node.input[index] == current else {
                throw fail(node, "does not continue the chain from \(String(reflecting: current)): nimp imports one path of layers")
            }
        }
        func vector(_ node: Onnx_NodeProto, _ name: String, width: Int?) throws -> [Float] {
            let c = try constant(node, name)
            guard c.dims.count <= 2, c.dims.dropLast().allSatisfy({ $0 == 1 }), width.map({ c.values.count == $0 }) ?? true else {
                throw fail(node, "\(name) has shape \(c.dims), expected a vector of \(width.map(String.init) ?? "the input") values")
            }
            return c.values
        }
        func activate(_ a: Activation, _ node: Onnx_NodeProto) throws {
            guard let last = layers.last, last.activation == .identity, pendingMatMul == nil else {
                throw fail(node, "an activation that does not follow a layer")
            }
            layers[layers.count - 1].activation = a
        }

        for node in graph.node {
            guard node.domain.isEmpty || node.domain == "ai.onnx" else {
                throw fail(node, "operator domain \(String(reflecting: node.domain)) is not supported")
            }
            guard node.output.count >= 1 else { throw fail(node, "has no output") }
            let output = node.output[0]
            switch node.opType {
            case "IsNaN" where layers.isEmpty && mean == nil:
                try takesCurrent(node)
                missingMask = output
                continue
            case "Where" where missingMask != nil && node.input.count == 3 && node.input[0] == missingMask:
                try takesCurrent(node, at: 2)
                fills = try vector(node, try second(node), width: nil)
            case "Sub" where layers.isEmpty && mean == nil:
                try takesCurrent(node)
                mean = try vector(node, try second(node), width: nil)
            case "Div" where layers.isEmpty && mean != nil && std == nil:
                try takesCurrent(node)
                std = try vector(node, try second(node), width: mean!.count)
            case "Gemm":
                try takesCurrent(node)
                let attrs = try attributes(node, path: path)
                guard (attrs["alpha"]?.f ?? 1) == 1, (attrs["beta"]?.f ?? 1) == 1, (attrs["transA"]?.i ?? 0) == 0 else {
                    throw fail(node, "Gemm with alpha, beta other than 1 or transA = 1 is not supported")
                }
                let w = try constant(node, try second(node))
                guard w.dims.count == 2 else { throw fail(node, "weight \(node.input[1]) has shape \(w.dims), expected 2-D") }
                var weight = Matrix(rows: w.dims[0], cols: w.dims[1], data: w.values)
                if (attrs["transB"]?.i ?? 0) == 0 { weight = weight.transposed() }
                let bias = node.input.count > 2 && !node.input[2].isEmpty
                    ? try vector(node, node.input[2], width: weight.rows) : [Float](repeating: 0, count: weight.rows)
                try append(DenseLayer(weight: weight, bias: bias, activation: .identity), node)
            case "MatMul":
                try takesCurrent(node)
                let w = try constant(node, try second(node))
                guard w.dims.count == 2 else { throw fail(node, "weight \(node.input[1]) has shape \(w.dims), expected 2-D [in, out]") }
                pendingMatMul = (Matrix(rows: w.dims[0], cols: w.dims[1], data: w.values).transposed(), output)
            case "Add" where pendingMatMul != nil:
                let (weight, product) = pendingMatMul!
                let biasName = node.input.first { $0 != product } ?? ""
                guard node.input.contains(product) else { throw fail(node, "does not add to the MatMul before it") }
                pendingMatMul = nil
                try append(DenseLayer(weight: weight, bias: try vector(node, biasName, width: weight.rows), activation: .identity), node)
            case "Relu": try takesCurrent(node); try activate(.relu, node)
            case "Tanh": try takesCurrent(node); try activate(.tanh, node)
            case "Sigmoid": try takesCurrent(node); try activate(.sigmoid, node)
            case "LeakyRelu":
                try takesCurrent(node)
                let alpha = try attributes(node, path: path)["alpha"]?.f ?? 0.01
                guard abs(alpha - 0.01) < 1e-7 else { throw fail(node, "LeakyRelu with alpha \(alpha): nimp's leaky_relu has slope 0.01") }
                try activate(.leakyRelu, node)
            case "Gelu":
                try takesCurrent(node)
                let approximate = try attributes(node, path: path)["approximate"].map { String(decoding: $0.s, as: UTF8.self) } ?? "none"
                guard approximate == "tanh" else { throw fail(node, "Gelu with approximate=\"\(approximate)\": nimp's gelu is the tanh approximation") }
                try activate(.gelu, node)
            case "Identity":
                try takesCurrent(node)
            case "Softmax" where !layers.isEmpty:
                try takesCurrent(node)
                classifier = true
            default:
                throw fail(node, "operator \(node.opType) is not supported here; nimp imports Gemm, MatMul + Add, Relu, LeakyRelu, Tanh, Sigmoid, Gelu and a final Softmax")
            }
            current = output
        }
        if pendingMatMul != nil { throw NimpError.data(path, "graph", "ends in a MatMul without its Add") }
        guard !layers.isEmpty else { throw NimpError.data(path, "graph", "has no Gemm or MatMul layer") }
        guard layers.last!.activation == .identity else {
            throw NimpError.data(path, "graph", "ends in \(layers.last!.activation.rawValue): nimp's last layer is linear (outputs or logits)")
        }
        let normalizer = mean.map { Normalizer(mean: $0, std: std ?? [Float](repeating: 1, count: $0.count)) }
        return try assemble(layers, normalizer: normalizer, fills: fills, metadata: metadata, classifier: classifier, options: options, source: path)

        func append(_ layer: DenseLayer, _ node: Onnx_NodeProto) throws {
            guard layer.inputs > 0, layer.outputs > 0 else { throw fail(node, "a layer of \(layer.inputs) inputs and \(layer.outputs) outputs") }
            if let last = layers.last, last.outputs != layer.inputs {
                throw fail(node, "takes \(layer.inputs) inputs, but the layer before gives \(last.outputs)")
            }
            layers.append(layer)
        }
    }

    // MARK: Shared

    static func assemble(_ layers: [DenseLayer], normalizer: Normalizer?, fills: [Float]?, metadata: [String: String],
                         classifier: Bool?, options: ImportOptions, source: String) throws -> Model {
        let inputs = layers[0].inputs, outputs = layers[layers.count - 1].outputs
        let declared = metadata["nimp.task"].flatMap(Task.init(rawValue:))
        let task = options.task ?? declared ?? (classifier == true ? .classification : .regression)
        if task == .classification, outputs < 2 {
            let why = "a classifier needs at least 2 outputs; this network has \(outputs)"
            throw options.task == .classification ? NimpError.usage(why) : NimpError.data(source, nil, why)
        }
        func names(_ given: [String]?, _ stored: String?, count: Int, what: NimpError.Parameter, fallback: (Int) -> String) throws -> [String] {
            if let given {
                guard given.count == count, Set(given).count == count else {
                    throw NimpError.usage("\(what.name): \(given.count) distinct name(s) given; the network has \(count)", parameters: [what])
                }
                return given
            }
            if let items = stored.flatMap({ try? JSONValue(parsing: Data($0.utf8)) })?.array {
                let decoded = items.compactMap(\.string)
                if decoded.count == count, items.count == count { return decoded }
            }
            return (0..<count).map(fallback)
        }
        let featureNames = try names(options.featureNames, metadata["nimp.feature_names"], count: inputs, what: .featureNames) { "x\($0)" }
        let targetNames = try names(options.targetNames, metadata["nimp.target_names"], count: outputs,
                                    what: task == .classification ? .classNames : .targetNames) { task == .classification ? "class\($0)" : "y\($0)" }
        if let n = normalizer, n.mean.count != inputs || n.std.count != inputs || n.std.contains(where: { !($0 > 0) && !$0.isNaN }) {
            throw NimpError.data(source, "normalisation", "\(n.mean.count) means and \(n.std.count) deviations for \(inputs) inputs, or a deviation that is not positive")
        }
        var schema: TableSchema?
        if let stored = metadata["nimp.schema"], let s = try? JSONCoding.decode(TableSchema.self, from: Data(stored.utf8), file: "nimp.schema"),
           s.featureNames == featureNames {
            schema = s
        } else if let fills, fills.count == inputs {
            schema = TableSchema(columns: zip(featureNames, fills).map { InputColumn(name: $0, encoding: .numeric(fill: $1.isNaN ? nil : $1)) },
                                 target: task == .regression ? targetNames : [])
        }
        return Model(task: task, layers: layers, normalizer: normalizer ?? .identity(features: inputs), featureNames: featureNames,
                     targetNames: targetNames, table: schema)
    }

    static func checkSize(_ path: String) throws {
        var st = stat()
        guard stat(path, &st) == 0 else { throw NimpError(.noInput, "\(path): cannot read: \(String(cString: strerror(errno)))") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw NimpError.data(path, nil, "not a regular file") }
        guard Int(st.st_size) <= maxBytes else {
            throw NimpError.data(path, nil, "\(st.st_size) bytes, over the \(maxBytes >> 20) MiB nimp imports (its networks are small)")
        }
    }

    static func checkParameters(_ count: Int, _ path: String) throws {
        guard count <= maxParameters else {
            throw NimpError.data(path, nil, "\(count) weights, over the \(maxParameters) nimp imports")
        }
    }

    /// An initializer's float values, its element count checked against its dims.
    static func floats(_ t: Onnx_TensorProto, path: String) throws -> (dims: [Int], values: [Float]) {
        let place = "initializer \(String(reflecting: t.name))"
        guard t.dims.allSatisfy({ $0 >= 0 && $0 <= Int64(maxParameters) }) else {
            throw NimpError.data(path, place, "dims \(t.dims) out of range")
        }
        let dims = t.dims.map { Int($0) }
        let (count, overflow) = dims.reduce((1, false)) { acc, d in
            let (p, o) = acc.0.multipliedReportingOverflow(by: d)
            return (p, acc.1 || o)
        }
        guard !overflow, count <= maxParameters else { throw NimpError.data(path, place, "dims \(dims) hold too many values") }
        guard t.dataType == Int32(Onnx_TensorProto.DataType.float.rawValue) else {
            throw NimpError.data(path, place, "data type \(t.dataType) is not float32 (1); nimp imports float32 weights")
        }
        var values: [Float]
        if t.hasRawData {
            guard t.rawData.count == count * 4 else {
                throw NimpError.data(path, place, "raw_data holds \(t.rawData.count) bytes; dims \(dims) need \(count * 4)")
            }
            values = [Float](repeating: 0, count: count)
            t.rawData.withUnsafeBytes { raw in
                for i in 0..<count { values[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))) }
            }
        } else {
            guard t.floatData.count == count else {
                throw NimpError.data(path, place, "holds \(t.floatData.count) values; dims \(dims) need \(count) (external data is not supported)")
            }
            values = t.floatData
        }
        return (dims, values)
    }

    static func attributes(_ node: Onnx_NodeProto, path: String) throws -> [String: Onnx_AttributeProto] {
        Dictionary(node.attribute.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// `layer.2` before `layer.10`.
    static func naturalLess(_ a: String, _ b: String) -> Bool {
        a.compare(b, options: [.numeric]) == .orderedAscending
    }
}

extension Matrix {
    /// [cols, rows] with the same values: an [in, out] weight as [out, in].
    func transposed() -> Matrix {
        var t = Matrix(rows: cols, cols: rows)
        for r in 0..<rows { for c in 0..<cols { t[c, r] = self[r, c] } }
        return t
    }
}
