import Foundation
import NimpCore
import NimpIO

/// What `nimp evaluate` prints: quality on a dataset, speed, and size.
public struct EvaluationReport: Codable, Sendable, Equatable {
    public var quality: QualityReport
    public var latencyP50Microseconds: Double
    public var latencyP99Microseconds: Double
    public var throughputPerSecond: Double
    public var parameters: Int
    public var bytes: Int
    /// The GEMM kernels that ran the batched predictions (`BLASKernel.summary`).
    public var kernels: String?

    /// The flat JSON object `nimp evaluate` prints: quality keys plus speed and size.
    public func json() throws -> JSONValue {
        var o = try JSONValue(encoding: quality).members ?? [:]
        o["latency_p50_us"] = .number(latencyP50Microseconds)
        o["latency_p99_us"] = .number(latencyP99Microseconds)
        o["throughput_per_s"] = .number(throughputPerSecond)
        o["parameters"] = .int(parameters)
        o["bytes"] = .int(bytes)
        if let kernels { o["kernels"] = .string(kernels) }
        return .object(o)
    }

    public func jsonLine() throws -> String {
        try JSONCoding.line(try json())
    }

    /// The metric values by name, as used by targets and the promotion gate.
    public var metrics: [String: Double] {
        var m: [String: Double] = [
            "latency_p50_us": latencyP50Microseconds, "latency_p99_us": latencyP99Microseconds,
            "throughput_per_s": throughputPerSecond, "parameters": Double(parameters), "bytes": Double(bytes),
        ]
        for (k, v) in quality.metrics { m[k] = v }
        return m
    }
}

extension QualityReport {
    /// The quality metrics that are set, by their JSON names.
    public var metrics: [String: Double] {
        var m: [String: Double] = [:]
        m["accuracy"] = accuracy
        m["macro_f1"] = macroF1
        m["log_loss"] = logLoss
        m["mse"] = mse
        m["rmse"] = rmse
        m["mae"] = mae
        m["r2"] = r2
        return m
    }
}

/// Quality, latency and throughput of a model.
public enum Evaluator {
    /// `latencySamples` single-sample predictions are timed one by one (after a
    /// warm-up) for p50/p99; throughput is batched prediction over 1024 rows repeated
    /// for at least `throughputSeconds`.
    public static func evaluate(_ model: Model, on data: Dataset, archiveBytes: Int,
                                latencySamples: Int = 2000, throughputSeconds: Double = 0.2) throws -> EvaluationReport {
        guard data.features == model.inputs else {
            throw NimpError(.dataError, "dataset '\(data.source)' has \(data.features) features; the model expects \(model.inputs)")
        }
        if data.task != model.task {
            throw NimpError(.dataError, "dataset '\(data.source)' is for \(data.task.rawValue); the model does \(model.task.rawValue)")
        }
        let quality = evaluateQuality(model, on: data)
        let (p50, p99) = singleSampleLatency(model, data: data, samples: latencySamples)
        let throughput = batchedThroughput(model, data: data, seconds: throughputSeconds)
        return EvaluationReport(quality: quality, latencyP50Microseconds: p50, latencyP99Microseconds: p99,
                                throughputPerSecond: throughput, parameters: model.parameterCount, bytes: archiveBytes,
                                kernels: BLASKernel.summary)
    }

    public static func singleSampleLatency(_ model: Model, data: Dataset, samples: Int) -> (p50: Double, p99: Double) {
        let predictor = model.makePredictor()
        var output = [Float](repeating: 0, count: model.outputs)
        var times = [Double](repeating: 0, count: samples)
        let rows = max(1, data.count)
        data.x.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { out in
                for i in 0..<(samples + 200) {
                    let r = i % rows
                    let input = UnsafeBufferPointer(rebasing: x[(r * model.inputs)..<((r + 1) * model.inputs)])
                    let start = DispatchTime.now().uptimeNanoseconds
                    predictor.predict(input, into: out)
                    let end = DispatchTime.now().uptimeNanoseconds
                    if i >= 200 { times[i - 200] = Double(end - start) / 1000 }
                }
            }
        }
        times.sort()
        return (percentile(times, 0.5), percentile(times, 0.99))
    }

    /// Rows per second predicting one batch of up to 1024 rows, the median over batches
    /// repeated for `seconds` or `maxBatches`, whichever comes first: a small model's
    /// figure settles within a few batches, and a gate over thousands of candidates
    /// must not spend a fixed time on each.
    public static func batchedThroughput(_ model: Model, data: Dataset, seconds: Double, maxBatches: Int = 32) -> Double {
        let n = min(Model.predictChunk, data.count)
        guard n > 0 else { return 0 }
        let batch = data.x.rows(0..<n)
        let predictor = BatchPredictor(model, maxBatch: n)
        var output = [Float](repeating: 0, count: n * model.outputs)
        var rates: [Double] = []
        let start = DispatchTime.now().uptimeNanoseconds
        batch.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { out in
                predictor.predict(x, rows: n, into: out)  // warm-up: first-touch of the buffers
                repeat {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    predictor.predict(x, rows: n, into: out)
                    let t1 = DispatchTime.now().uptimeNanoseconds
                    rates.append(Double(n) / max(Double(t1 - t0), 1) * 1e9)
                } while rates.count < maxBatches && Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 < seconds
            }
        }
        rates.sort()
        return rates[rates.count / 2]
    }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let i = min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))
        return sorted[i]
    }
}
