import Foundation
import NimpCore

/// `weights.safetensors` of a model archive, named as in a PyTorch `state_dict`:
/// `layers.N.weight` [out, in] (F32, F16, or I8 with F32 `layers.N.weight_scale` [out])
/// and `layers.N.bias` [out] F32.
enum ModelWeights {
    static func weightName(_ n: Int) -> String { "layers.\(n).weight" }
    static func biasName(_ n: Int) -> String { "layers.\(n).bias" }
    static func scaleName(_ n: Int) -> String { "layers.\(n).weight_scale" }

    /// Largest finite half-precision value.
    static let f16Max: Float = 65504

    static func encode(_ model: Model) -> Data {
        var writer = SafeTensorsWriter()
        for (n, layer) in model.layers.enumerated() {
            let shape = [layer.outputs, layer.inputs]
            var weight = layer.weight
            if let mask = layer.mask {
                // Pruned weights are stored as zeros; reading rebuilds the mask from them.
                for i in weight.data.indices where mask.data[i] == 0 { weight.data[i] = 0 }
            }
            switch layer.storage {
            case .f32:
                writer.add(weightName(n), floats: weight.data, shape: shape)
            case .f16:
                writer.add(weightName(n), f16: weight.data, shape: shape)
            case .int8:
                let quantized = Int8Weights(quantizing: weight)
                writer.add(weightName(n), int8: quantized.values, shape: shape)
                writer.add(scaleName(n), floats: quantized.scales, shape: [layer.outputs])
            }
            writer.add(biasName(n), floats: layer.bias, shape: [layer.outputs])
        }
        return writer.encode()
    }

    /// Refuses to write a model that could not be read back: layers that do not chain,
    /// non-finite values, a non-positive standard deviation, a mask of the wrong shape,
    /// names that do not match the inputs or outputs.
    static func checkWritable(_ model: Model) throws {
        func refuse(_ what: String, hint: String? = nil) -> NimpError {
            NimpError(.dataError, "model: \(what); refusing to write the archive", hint: hint)
        }
        var width = model.inputs
        for (n, layer) in model.layers.enumerated() {
            guard layer.inputs == width, layer.inputs > 0, layer.outputs > 0 else {
                throw refuse("layer \(n) is \(layer.outputs)x\(layer.inputs) after a layer of \(width) outputs")
            }
            width = layer.outputs
        }
        guard model.featureNames.isEmpty || model.featureNames.count == model.inputs,
              model.targetNames.isEmpty || model.targetNames.count == model.outputs else {
            throw refuse("\(model.featureNames.count) feature names and \(model.targetNames.count) target names for \(model.inputs) inputs and \(model.outputs) outputs")
        }
        let diverged = "training diverged? lower the learning rate or check the data"
        for (n, layer) in model.layers.enumerated() {
            if !layer.weight.data.allSatisfy(\.isFinite) { throw refuse("layer \(n) has a NaN or infinite weight", hint: diverged) }
            if !layer.bias.allSatisfy(\.isFinite) { throw refuse("layer \(n) has a NaN or infinite bias", hint: diverged) }
            if layer.storage == .f16, let big = layer.weight.data.first(where: { abs($0) > Self.f16Max }) {
                throw refuse("layer \(n) is stored as f16 but holds the weight \(big), beyond ±\(Self.f16Max)")
            }
            if let mask = layer.mask, mask.rows != layer.weight.rows || mask.cols != layer.weight.cols {
                throw refuse("layer \(n)'s mask is \(mask.rows)x\(mask.cols), its weight \(layer.weight.rows)x\(layer.weight.cols)")
            }
        }
        let normalizer = model.normalizer
        guard normalizer.mean.count == model.inputs, normalizer.std.count == model.inputs else {
            throw refuse("the normalizer has \(normalizer.mean.count) means and \(normalizer.std.count) standard deviations for \(model.inputs) inputs")
        }
        if !normalizer.mean.allSatisfy(\.isFinite) || !normalizer.std.allSatisfy({ $0.isFinite && $0 > 0 }) {
            throw refuse("the input normalization has a non-finite mean or a standard deviation that is not positive")
        }
    }

    /// The model described by `manifest`, with weights from `file`; every tensor's
    /// presence, dtype, shape and values are checked first.
    static func decode(_ file: SafeTensorsFile, manifest: Manifest, archive: String) throws -> Model {
        try ManifestCheck(manifest: manifest, archive: archive).run()
        let checker = TensorCheck(file: file, archive: archive)
        try checker.checkNames(expectedNames(manifest.architecture))
        let rebuildMasks = rebuildsMask(manifest)
        var layers: [DenseLayer] = []
        var width = manifest.architecture.inputs
        for (n, spec) in manifest.architecture.layers.enumerated() {
            var layer = try checker.layer(n, spec: spec, inputs: width)
            if rebuildMasks[n] {
                layer.mask = Matrix(rows: layer.outputs, cols: layer.inputs, data: layer.weight.data.map { $0 != 0 ? 1 : 0 })
            }
            layers.append(layer)
            width = spec.units
        }
        return Model(task: manifest.task, layers: layers, normalizer: manifest.normalization,
                     featureNames: manifest.featureNames, targetNames: manifest.targetNames, table: manifest.schema)
    }

    static func expectedNames(_ architecture: Manifest.Architecture) -> [String] {
        architecture.layers.enumerated().flatMap { n, spec in
            [weightName(n), biasName(n)] + (spec.storage == .int8 ? [scaleName(n)] : [])
        }
    }

    /// Which layers get a mask: those marked `pruned`, or every layer when the manifest
    /// says the weights were pruned but marks no layer.
    static func rebuildsMask(_ manifest: Manifest) -> [Bool] {
        let marked = manifest.architecture.layers.map { $0.pruned == true }
        if marked.contains(true) { return marked }
        return marked.map { _ in manifest.pruning?.kind == Manifest.Pruning.weights }
    }
}

/// The manifest's own consistency: an architecture that can exist, and normalization,
/// names, quantization and pruning that agree with it.
private struct ManifestCheck {
    let manifest: Manifest
    let archive: String
    /// More layers than any MLP nimp makes; bounds the work a hostile manifest can ask for.
    static let maxLayers = 1000

    func fail(_ place: String, _ what: String) -> NimpError {
        NimpError.data(archive, "manifest.json: \(place)", what)
    }

    func run() throws {
        let arch = manifest.architecture
        guard !arch.layers.isEmpty, arch.layers.count <= Self.maxLayers else {
            throw fail("architecture.layers", "has \(arch.layers.count) layers, expected 1 to \(Self.maxLayers)")
        }
        guard arch.inputs > 0 else { throw fail("architecture.inputs", "is \(arch.inputs), expected at least 1") }
        var width = arch.inputs
        for (n, layer) in arch.layers.enumerated() {
            guard layer.units > 0 else { throw fail("architecture.layers[\(n)].units", "is \(layer.units), expected at least 1") }
            guard !layer.units.multipliedReportingOverflow(by: width).overflow else {
                throw fail("architecture.layers[\(n)].units", "\(layer.units) x \(width) weights is too many")
            }
            width = layer.units
        }
        guard arch.outputs == width else {
            throw fail("architecture.outputs", "is \(arch.outputs); the last layer has \(width) units")
        }
        let norm = manifest.normalization
        guard norm.mean.count == arch.inputs, norm.std.count == arch.inputs else {
            throw fail("normalization", "has \(norm.mean.count) means and \(norm.std.count) standard deviations; expected \(arch.inputs), one per input")
        }
        guard norm.mean.allSatisfy(\.isFinite), norm.std.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw fail("normalization", "means must be finite and standard deviations finite and positive")
        }
        guard manifest.featureNames.isEmpty || manifest.featureNames.count == arch.inputs else {
            throw fail("feature_names", "has \(manifest.featureNames.count) names; expected \(arch.inputs), one per input")
        }
        if let schema = manifest.schema {
            guard schema.featureNames == manifest.featureNames else {
                throw fail("schema", "its columns encode to \(schema.width) inputs (\(schema.featureNames.prefix(5).joined(separator: ", "))…), which are not the feature_names")
            }
            guard Set(schema.columns.map(\.name)).count == schema.columns.count else { throw fail("schema", "a column appears twice") }
            if let bad = schema.columns.first(where: { if case .numeric(let f?) = $0.encoding { return !f.isFinite } else { return false } }) {
                throw fail("schema", "column \(JSONText.quote(bad.name)) has a fill value that is not finite")
            }
        }
        guard manifest.targetNames.isEmpty || manifest.targetNames.count == arch.outputs else {
            throw fail("target_names", "has \(manifest.targetNames.count) names; expected \(arch.outputs), one per output")
        }
        try checkCompression()
    }

    func checkCompression() throws {
        let storages = Set(manifest.architecture.layers.map(\.storage))
        let expected = storages.contains(.int8) ? "int8" : storages.contains(.f16) ? "f16" : nil
        guard manifest.quantization == expected else {
            throw fail("quantization", "is \(manifest.quantization.map { "\"\($0)\"" } ?? "null"), but the layers' storage says \(expected.map { "\"\($0)\"" } ?? "null")")
        }
        if let kind = manifest.pruning?.kind, kind != Manifest.Pruning.weights, kind != Manifest.Pruning.neurons {
            throw fail("pruning.kind", "is \(String(reflecting: kind)), expected \"weights\" or \"neurons\"")
        }
    }
}

/// Checks tensors of `weights.safetensors` against what the manifest's architecture needs.
private struct TensorCheck {
    let file: SafeTensorsFile
    let archive: String

    func fail(_ tensor: String, _ what: String) -> NimpError {
        NimpError.data(archive, "weights.safetensors: tensor \"\(tensor)\"", what)
    }

    func checkNames(_ expected: [String]) throws {
        let names = Set(expected)
        if let extra = file.tensors.first(where: { !names.contains($0.name) }) {
            throw NimpError.data(archive, "weights.safetensors",
                                 "has \(file.tensors.count) tensors, the architecture in manifest.json needs \(expected.count): unexpected tensor \(String(reflecting: extra.name))")
        }
        if let missing = expected.first(where: { file.info($0) == nil }) {
            throw NimpError.data(archive, "weights.safetensors",
                                 "has \(file.tensors.count) tensors, the architecture in manifest.json needs \(expected.count): tensor \"\(missing)\" is missing")
        }
    }

    func layer(_ n: Int, spec: Manifest.LayerSpec, inputs: Int) throws -> DenseLayer {
        let weightName = ModelWeights.weightName(n)
        let shape = [spec.units, inputs]
        let weight: Matrix
        switch spec.storage {
        case .f32, .f16:
            let values = try floats(weightName, dtype: spec.storage == .f32 ? .F32 : .F16, shape: shape)
            weight = Matrix(rows: spec.units, cols: inputs, data: values)
        case .int8:
            try check(weightName, dtype: .I8, shape: shape)
            let values = try file.int8(weightName)
            guard values.count == spec.units * inputs else { throw fail(weightName, "has \(values.count) values, expected \(spec.units * inputs)") }
            if values.contains(Int8.min) { throw fail(weightName, "holds -128; symmetric int8 weights are in -127...127") }
            let scales = try floats(ModelWeights.scaleName(n), dtype: .F32, shape: [spec.units])
            if let bad = scales.firstIndex(where: { $0 < 0 }) {
                throw fail(ModelWeights.scaleName(n), "element \(bad) is \(scales[bad]), expected a scale of at least 0")
            }
            weight = Int8Weights(rows: spec.units, cols: inputs, values: values, scales: scales).dequantized()
        }
        let bias = try floats(ModelWeights.biasName(n), dtype: .F32, shape: [spec.units])
        return DenseLayer(weight: weight, bias: bias, activation: spec.activation, storage: spec.storage)
    }

    func check(_ name: String, dtype: DType, shape: [Int]) throws {
        guard let info = file.info(name) else { throw fail(name, "is missing") }
        guard info.dtype == dtype else {
            throw fail(name, "has dtype \(info.dtype.rawValue); manifest.json's architecture says \(dtype.rawValue)")
        }
        guard info.shape == shape else {
            throw fail(name, "has shape \(info.shape); manifest.json's architecture says \(shape)")
        }
    }

    /// Finite float values of exactly `shape`.
    func floats(_ name: String, dtype: DType, shape: [Int]) throws -> [Float] {
        try check(name, dtype: dtype, shape: shape)
        let values = try file.floats(name)
        let count = shape.reduce(1, *)
        guard values.count == count else { throw fail(name, "has \(values.count) values, expected \(count)") }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw fail(name, "element \(bad) is \(values[bad]); weights must be finite")
        }
        return values
    }
}
