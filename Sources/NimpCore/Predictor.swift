import CKernels

extension Model {
    /// Raw outputs for raw inputs `x` [N, inputs]: values for regression, logits for
    /// classification. Applies the normalizer; runs through BLAS in chunks of 1024 rows.
    /// For repeated calls, a `BatchPredictor` keeps its buffers between them.
    public func predict(_ x: Matrix) -> Matrix {
        guard x.rows > 0 else { return Matrix(rows: 0, cols: outputs) }
        return BatchPredictor(self, maxBatch: min(x.rows, Self.predictChunk)).predict(x)
    }

    /// Rows per BLAS call in batched prediction and evaluation.
    public static let predictChunk = 1024

    /// Class probabilities: the softmax of each row of `predict(x)`.
    public func probabilities(_ x: Matrix) -> Matrix {
        var z = predict(x)
        softmaxRows(&z)
        return z
    }

    /// A single-sample predictor with its buffers allocated once.
    public func makePredictor() -> Predictor { Predictor(self) }
}

/// Batched inference through BLAS with buffers allocated once, for calling `predict`
/// many times (evaluation, throughput measurement, teacher labelling).
public final class BatchPredictor {
    private let net: Network
    public var inputs: Int { net.inputs }
    public var outputs: Int { net.outputs }

    /// Buffers for up to `maxBatch` rows per BLAS pass; larger inputs run in chunks.
    public init(_ model: Model, maxBatch: Int = Model.predictChunk) {
        net = Network(model: model, maxBatch: max(1, maxBatch), training: false)
    }

    /// Raw outputs for raw rows `x` [N, inputs] into `output` [N, outputs].
    public func predict(_ x: UnsafeBufferPointer<Float>, rows: Int, into output: UnsafeMutableBufferPointer<Float>) {
        precondition(x.count >= rows * inputs && output.count >= rows * outputs, "batch predictor: buffer sizes")
        var first = 0
        while first < rows {
            let n = min(net.maxBatch, rows - first)
            net.gather(x.baseAddress!, indices: nil, start: first, count: n)
            let y = net.forward(rows: n)
            (output.baseAddress! + first * outputs).update(from: y, count: n * outputs)
            first += n
        }
    }

    /// Raw outputs for raw inputs `x` [N, inputs] (allocates the result).
    public func predict(_ x: Matrix) -> Matrix {
        precondition(x.cols == inputs, "predict: data has \(x.cols) features, the model expects \(inputs)")
        var out = Matrix(rows: x.rows, cols: outputs)
        guard x.rows > 0 else { return out }
        x.withUnsafeBufferPointer { xp in
            out.data.withUnsafeMutableBufferPointer { predict(xp, rows: x.rows, into: $0) }
        }
        return out
    }
}

/// Replaces each row of `m` by its softmax.
func softmaxRows(_ m: inout Matrix) {
    let rows = m.rows, cols = m.cols
    guard rows > 0, cols > 0 else { return }
    m.data.withUnsafeMutableBufferPointer { p in
        for r in 0..<rows {
            let row = p.baseAddress! + r * cols
            _ = softmaxRow(row, row, cols: cols)
        }
    }
}

/// Single-sample inference without BLAS and without allocation per call.
///
/// Each layer keeps its weights transposed, [in, out] with `out` padded to a multiple of
/// 16, so a sample's layer is `in` broadcast multiply-adds over 16-lane vectors:
/// y [out] = b + Σ_i x[i] · Wᵀ[i, :], in C built for the CPU's widest vectors
/// (`CKernels`; Swift's own code here is SSE2 only). Not thread-safe: make one per thread.
public final class Predictor {
    private struct Layer {
        var weightT: UnsafeMutablePointer<Float>  // [in, paddedOut]
        var bias: UnsafeMutablePointer<Float>  // [paddedOut]
        var inputs: Int
        var paddedOutputs: Int
        var activation: Activation
    }

    public let inputs: Int
    public let outputs: Int
    private let layers: UnsafeMutableBufferPointer<Layer>
    private let mean: UnsafeMutablePointer<Float>
    private let invStd: UnsafeMutablePointer<Float>
    private let bufferA: UnsafeMutablePointer<Float>
    private let bufferB: UnsafeMutablePointer<Float>
    private let denseSample: DenseSampleKernel

    init(_ model: Model) {
        denseSample = Self.kernel(forCPUFlags: BLASKernel.processCPUFlags)
        inputs = model.inputs
        outputs = model.outputs
        layers = .allocate(capacity: model.layers.count)
        var widest = model.inputs
        for (l, layer) in model.layers.enumerated() {
            let padded = (layer.outputs + vecWidth - 1) / vecWidth * vecWidth
            widest = max(widest, padded)
            let wt = UnsafeMutablePointer<Float>.allocate(capacity: layer.inputs * padded)
            wt.initialize(repeating: 0, count: layer.inputs * padded)
            for o in 0..<layer.outputs {
                for i in 0..<layer.inputs { wt[i * padded + o] = layer.weight[o, i] * (layer.mask?[o, i] ?? 1) }
            }
            let b = UnsafeMutablePointer<Float>.allocate(capacity: padded)
            b.initialize(repeating: 0, count: padded)
            for o in 0..<layer.outputs { b[o] = layer.bias[o] }
            layers.initializeElement(at: l, to: Layer(weightT: wt, bias: b, inputs: layer.inputs, paddedOutputs: padded,
                                                      activation: layer.activation))
        }
        mean = .allocate(capacity: inputs)
        invStd = .allocate(capacity: inputs)
        for c in 0..<inputs {
            mean[c] = model.normalizer.mean[c]
            invStd[c] = 1 / model.normalizer.std[c]
        }
        bufferA = .allocate(capacity: widest)
        bufferA.initialize(repeating: 0, count: widest)
        bufferB = .allocate(capacity: widest)
        bufferB.initialize(repeating: 0, count: widest)
    }

    deinit {
        for layer in layers {
            layer.weightT.deallocate()
            layer.bias.deallocate()
        }
        layers.deallocate()
        mean.deallocate(); invStd.deallocate(); bufferA.deallocate(); bufferB.deallocate()
    }

    /// Raw outputs (values or logits) for one raw sample: `input` has `inputs` values,
    /// `output` room for `outputs`.
    public func predict(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
        precondition(input.count >= inputs && output.count >= outputs, "predictor: buffer sizes")
        let src = input.baseAddress!
        for c in 0..<inputs { bufferA[c] = (src[c] - mean[c]) * invStd[c] }
        var x = bufferA, y = bufferB
        for layer in layers {
            // x [in], Wᵀ [in, out] -> y [out] = f(b + x · Wᵀ)
            denseSample(x, layer.inputs, layer.weightT, layer.bias, layer.paddedOutputs, y)
            var j = 0
            while j < layer.paddedOutputs {
                store(layer.activation.apply(load(y + j)), y + j)
                j &+= vecWidth
            }
            swap(&x, &y)
        }
        output.baseAddress!.update(from: x, count: outputs)
    }

    typealias DenseSampleKernel = @convention(c) (UnsafePointer<Float>?, Int, UnsafePointer<Float>?, UnsafePointer<Float>?,
                                                  Int, UnsafeMutablePointer<Float>?) -> Void

    /// The build of the layer kernel for the widest vectors these CPU flags allow.
    static func kernel(forCPUFlags flags: Set<Substring>) -> DenseSampleKernel {
        if flags.contains("avx512f") { return nimp_dense_sample_avx512 }
        if flags.contains("avx2") && flags.contains("fma") { return nimp_dense_sample_avx2 }
        return nimp_dense_sample_baseline
    }

    /// Convenience for one sample in an array (allocates the result).
    public func predict(_ input: [Float]) -> [Float] {
        var out = [Float](repeating: 0, count: outputs)
        input.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { predict(i, into: $0) } }
        return out
    }
}
