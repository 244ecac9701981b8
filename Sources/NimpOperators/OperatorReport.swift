import Foundation
import NimpCore
import NimpIO

/// The single higher-is-better quality number the operators compare and budget:
/// R² for regression (mean over outputs), accuracy for classification.
public enum QualityScore {
    public static func name(for task: Task) -> String { Metric.primary(for: task).rawValue }

    public static func value(_ quality: QualityReport, task: Task) -> Double? {
        quality.metrics[name(for: task)]
    }
}

/// One model measured for a comparison: quality on the held-out data (absent without
/// data), speed, and size.
public struct ModelMeasurement: Codable, Sendable, Equatable {
    public var quality: [String: Double]
    public var latencyP50Microseconds: Double
    public var latencyP99Microseconds: Double
    public var throughputPerSecond: Double
    public var parameters: Int
    /// Biases plus weights that are not zero (what magnitude pruning lowers).
    public var nonzeroParameters: Int
    /// Floating-point operations for one sample (2 per weight).
    public var flops: Int
    /// Size of the encoded archive.
    public var bytes: Int
    /// Bytes of weight data in `weights.safetensors` (weights at their storage width,
    /// plus int8 scales; biases excluded), headers excluded.
    public var weightBytes: Int
    /// Size of the `weights.safetensors` member: all tensors with their header.
    public var weightsFileBytes: Int
    public var hidden: [Int]

    enum CodingKeys: String, CodingKey {
        case quality, parameters, flops, bytes, hidden
        case latencyP50Microseconds = "latency_p50_us"
        case latencyP99Microseconds = "latency_p99_us"
        case throughputPerSecond = "throughput_per_s"
        case nonzeroParameters = "nonzero_parameters"
        case weightBytes = "weight_bytes"
        case weightsFileBytes = "weights_file_bytes"
    }
}

/// How an operator's result compares with its parent: the JSON line `optimize`,
/// `distill` and `evolve` print at the end.
public struct Comparison: Codable, Sendable, Equatable {
    public var operation: String
    /// `r2` or `accuracy`: the metric of `qualityChange`.
    public var metric: String
    /// Held-out samples the quality was measured on (0 without data).
    public var samples: Int
    public var parent: ModelMeasurement
    public var result: ModelMeasurement
    /// result − parent on `metric`; nil without data.
    public var qualityChange: Double?
    public var flopsRatio: Double
    public var parametersRatio: Double
    public var weightBytesRatio: Double
    public var weightsFileRatio: Double
    public var latencyP50Ratio: Double
    /// Weight round-trip error, for quantization.
    public var roundTrip: RoundTripError?
    /// Student-to-teacher distance on the held-out inputs, for distillation.
    public var teacherDistance: Double?

    enum CodingKeys: String, CodingKey {
        case operation, metric, samples, parent, result
        case qualityChange = "quality_change"
        case flopsRatio = "flops_ratio"
        case parametersRatio = "parameters_ratio"
        case weightBytesRatio = "weight_bytes_ratio"
        case weightsFileRatio = "weights_file_ratio"
        case latencyP50Ratio = "latency_p50_ratio"
        case roundTrip = "round_trip"
        case teacherDistance = "teacher_distance"
    }

    /// The comparison as one JSON object with sorted keys.
    public func jsonLine() throws -> String { try jsonLineOf(self) }
}

/// Measures models for comparisons.
public enum ModelComparer {
    /// Quality (when `data` is given), latency, size. Without data, latency is timed on
    /// inputs drawn from the model's own normaliser (mean ± std).
    public static func measure(_ archive: ModelArchive, on data: Dataset?, latencySamples: Int = 2000,
                               throughputSeconds: Double = 0.2) throws -> ModelMeasurement {
        let model = archive.model
        let encoded = try archive.encode()
        let members = try ModelArchive.decode(encoded, name: "measured archive").manifest.members
        let weightsFile = members.first { $0.name == "weights.safetensors" }?.size ?? 0
        let timing = try data ?? syntheticInputs(for: model, samples: 256)
        var quality: [String: Double] = [:]
        if data != nil { quality = evaluateQuality(model, on: timing).metrics }
        let (p50, p99) = Evaluator.singleSampleLatency(model, data: timing, samples: latencySamples)
        let throughput = Evaluator.batchedThroughput(model, data: timing, seconds: throughputSeconds)
        return ModelMeasurement(quality: quality, latencyP50Microseconds: p50, latencyP99Microseconds: p99,
                                throughputPerSecond: throughput, parameters: model.parameterCount,
                                nonzeroParameters: Pruner.nonzeroParameters(model), flops: model.flops,
                                bytes: encoded.count, weightBytes: weightBytes(model), weightsFileBytes: weightsFile,
                                hidden: model.hidden)
    }

    /// Compares `result` with `parent` on `data` (held-out).
    public static func compare(operation: String, parent: ModelArchive, result: ModelArchive, on data: Dataset?,
                               latencySamples: Int = 2000, roundTrip: RoundTripError? = nil) throws -> Comparison {
        let before = try measure(parent, on: data, latencySamples: latencySamples)
        let after = try measure(result, on: data, latencySamples: latencySamples)
        let metric = QualityScore.name(for: parent.model.task)
        var change: Double?
        if let a = after.quality[metric], let b = before.quality[metric] { change = a - b }
        func ratio(_ a: Double, _ b: Double) -> Double { b == 0 ? 0 : a / b }
        return Comparison(operation: operation, metric: metric, samples: data?.count ?? 0, parent: before, result: after,
                          qualityChange: change,
                          flopsRatio: ratio(Double(after.flops), Double(before.flops)),
                          parametersRatio: ratio(Double(after.parameters), Double(before.parameters)),
                          weightBytesRatio: ratio(Double(after.weightBytes), Double(before.weightBytes)),
                          weightsFileRatio: ratio(Double(after.weightsFileBytes), Double(before.weightsFileBytes)),
                          latencyP50Ratio: ratio(after.latencyP50Microseconds, before.latencyP50Microseconds),
                          roundTrip: roundTrip)
    }

    /// Bytes of weight tensor data at each layer's storage width (int8 adds 4 bytes of
    /// scale per output channel).
    public static func weightBytes(_ model: Model) -> Int {
        model.layers.reduce(0) { total, layer in
            let n = layer.weight.data.count
            switch layer.storage {
            case .f32: return total + 4 * n
            case .f16: return total + 2 * n
            case .int8: return total + n + 4 * layer.outputs
            }
        }
    }

    /// Inputs around the model's training distribution, for timing when no data is given.
    static func syntheticInputs(for model: Model, samples: Int) throws -> Dataset {
        var rng = RNG(seed: 0x7143)
        var x = Matrix(rows: samples, cols: model.inputs)
        for i in 0..<samples {
            for j in 0..<model.inputs {
                x[i, j] = model.normalizer.mean[j] + model.normalizer.std[j] * rng.normal()
            }
        }
        let y: Targets = model.task == .regression
            ? .values(Matrix(rows: samples, cols: model.outputs)) : .classes([Int32](repeating: 0, count: samples))
        return Dataset(x: x, y: y, featureNames: model.featureNames, targetNames: model.targetNames, source: "synthetic")
    }
}

/// One value as a JSON object line (`JSONCoding`: sorted keys, NaN as null).
func jsonLineOf<T: Encodable>(_ value: T) throws -> String {
    try JSONCoding.line(value)
}
