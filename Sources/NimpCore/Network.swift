/// An MLP's parameters, gradients and every buffer a forward and backward pass need,
/// allocated once for batches of up to `maxBatch` rows.
///
/// Parameters live in one contiguous vector, layer by layer `[W0, b0, W1, b1, ...]`
/// (W [out, in] row-major as in `DenseLayer`), so optimizers, clipping and masks run as
/// one SIMD loop over all of them; each block starts on a cache line, with zeros between
/// (they stay zero: their gradients are zero). Activations are row-major [batch, units].
/// Every buffer is cache-line aligned (`alignedFloats`).
final class Network {
    let widths: [Int]  // [inputs, hidden..., outputs]
    let activations: [Activation]
    let parameterCount: Int
    let maxBatch: Int
    let weightOffsets: [Int]
    let biasOffsets: [Int]

    let params: UnsafeMutablePointer<Float>
    /// Inference only: each layer's weights transposed, [in, out] at `weightOffsets`, so
    /// the forward product is NN, which OpenBLAS runs up to twice as fast as NT at narrow
    /// inputs (1024×64×10: 145 against 75 GFLOP/s, SkylakeX, measured by `nimp tune`).
    private let weightsT: UnsafeMutablePointer<Float>?
    let grads: UnsafeMutablePointer<Float>
    /// 1 where a weight is kept, 0 where pruned, 1 for biases; nil when no layer has a mask.
    let mask: UnsafeMutablePointer<Float>?
    /// Standardised inputs [maxBatch, inputs].
    let input: UnsafeMutablePointer<Float>
    let mean: UnsafeMutablePointer<Float>
    let invStd: UnsafeMutablePointer<Float>
    /// Per layer: pre-activations z and outputs a, [maxBatch, out].
    private let z: [UnsafeMutablePointer<Float>]
    private let a: [UnsafeMutablePointer<Float>]
    /// ∂L/∂z ping-pong buffers [maxBatch, widest layer].
    private let delta: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>)
    /// Gradient of the loss with respect to the outputs [maxBatch, outputs]; written by the
    /// loss, consumed (overwritten) by `backward`. Shares memory with the first delta buffer.
    var outputGradient: UnsafeMutablePointer<Float> { delta.0 }

    /// False for inference only: no gradient or delta buffers, and pre-activations share
    /// the output buffers (so `backward` must not be called).
    let training: Bool

    init(model: Model, maxBatch: Int, training: Bool = true) {
        precondition(maxBatch > 0)
        self.training = training
        widths = [model.inputs] + model.layers.map(\.outputs)
        activations = model.layers.map(\.activation)
        self.maxBatch = maxBatch
        var w: [Int] = [], b: [Int] = [], offset = 0
        for layer in model.layers {
            w.append(offset); offset += cacheLinePadded(layer.weight.data.count)
            b.append(offset); offset += cacheLinePadded(layer.bias.count)
        }
        weightOffsets = w
        biasOffsets = b
        parameterCount = offset
        params = alignedFloats(offset)
        weightsT = training ? nil : alignedFloats(offset)
        grads = alignedFloats(training ? offset : 1)
        if model.layers.contains(where: { $0.mask != nil }) {
            let m = alignedFloats(offset)
            m.update(repeating: 1, count: offset)
            for (l, layer) in model.layers.enumerated() {
                guard let lm = layer.mask else { continue }
                precondition(lm.rows == layer.weight.rows && lm.cols == layer.weight.cols, "mask shape differs from weight")
                for i in 0..<lm.data.count { m[w[l] + i] = lm.data[i] }
            }
            mask = m
        } else {
            mask = nil
        }
        let inputs = model.inputs
        input = alignedFloats(maxBatch * inputs)
        mean = .allocate(capacity: inputs)
        invStd = .allocate(capacity: inputs)
        a = model.layers.map { alignedFloats(maxBatch * $0.outputs) }
        z = training ? model.layers.map { alignedFloats(maxBatch * $0.outputs) } : a
        // The loss writes ∂L/∂outputs into delta.0, so inference keeps room for the outputs.
        let deltaSize = maxBatch * (training ? widths.max()! : model.outputs)
        delta = (alignedFloats(deltaSize), alignedFloats(training ? deltaSize : 1))
        load(model)
    }

    deinit {
        params.deallocate(); weightsT?.deallocate(); grads.deallocate(); mask?.deallocate()
        input.deallocate(); mean.deallocate(); invStd.deallocate()
        if training { z.forEach { $0.deallocate() } }
        a.forEach { $0.deallocate() }
        delta.0.deallocate(); delta.1.deallocate()
    }

    var layerCount: Int { activations.count }
    var inputs: Int { widths[0] }
    var outputs: Int { widths[widths.count - 1] }

    /// Copies the model's weights, biases and normalizer in (masks applied).
    func load(_ model: Model) {
        precondition(model.layers.count == layerCount && model.inputs == inputs)
        for (l, layer) in model.layers.enumerated() {
            precondition(layer.outputs == widths[l + 1] && layer.inputs == widths[l], "layer \(l) shape changed")
            layer.weight.withUnsafeBufferPointer { (params + weightOffsets[l]).update(from: $0.baseAddress!, count: $0.count) }
            layer.bias.withUnsafeBufferPointer { (params + biasOffsets[l]).update(from: $0.baseAddress!, count: $0.count) }
        }
        applyMask()
        if let weightsT {
            for l in 0..<layerCount {
                let fanIn = widths[l], fanOut = widths[l + 1], w = params + weightOffsets[l], t = weightsT + weightOffsets[l]
                for o in 0..<fanOut { for i in 0..<fanIn { t[i &* fanOut &+ o] = w[o &* fanIn &+ i] } }
            }
        }
        precondition(model.normalizer.mean.count == inputs, "normalizer has \(model.normalizer.mean.count) features, model \(inputs)")
        for c in 0..<inputs {
            mean[c] = model.normalizer.mean[c]
            invStd[c] = 1 / model.normalizer.std[c]
        }
    }

    /// Writes the parameters back into `model`'s layers (same shapes).
    func store(into model: inout Model) {
        store(from: params, into: &model)
    }

    /// Writes a parameter vector laid out like `params` into `model`'s layers.
    func store(from source: UnsafePointer<Float>, into model: inout Model) {
        for l in 0..<layerCount {
            let w = weightOffsets[l], b = biasOffsets[l]
            model.layers[l].weight.data.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: source + w, count: $0.count) }
            model.layers[l].bias.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: source + b, count: $0.count) }
        }
    }

    /// Keeps pruned weights at exactly zero.
    func applyMask() {
        guard let mask else { return }
        multiply(params, by: mask, count: parameterCount)
    }

    /// Loads rows of raw `x` [*, inputs], standardised, into `input`.
    func gather(_ x: UnsafePointer<Float>, indices: UnsafePointer<UInt32>?, start: Int, count: Int) {
        gatherNormalized(x, cols: inputs, indices: indices, start: start, count: count, mean: mean, invStd: invStd, into: input)
    }

    /// Forward pass over the first `rows` rows of `input`; returns the outputs [rows, outputs].
    @discardableResult
    func forward(rows: Int) -> UnsafeMutablePointer<Float> {
        var x = UnsafePointer(input)
        for l in 0..<layerCount {
            let fanIn = widths[l], fanOut = widths[l + 1]
            // x [rows, in], W [out, in] -> z [rows, out] = x · Wᵀ
            if let weightsT {
                BLAS.gemm(transA: false, transB: false, m: rows, n: fanOut, k: fanIn, alpha: 1,
                          a: x, lda: fanIn, b: weightsT + weightOffsets[l], ldb: fanOut, beta: 0, c: z[l], ldc: fanOut)
            } else {
                BLAS.gemm(transA: false, transB: true, m: rows, n: fanOut, k: fanIn, alpha: 1,
                          a: x, lda: fanIn, b: params + weightOffsets[l], ldb: fanIn, beta: 0, c: z[l], ldc: fanOut)
            }
            // z += b; a = f(z)
            biasActivate(z[l], bias: params + biasOffsets[l], into: a[l], rows: rows, cols: fanOut, activation: activations[l])
            x = UnsafePointer(a[l])
        }
        return a[layerCount - 1]
    }

    /// Backward pass for the last `forward(rows:)`, from `outputGradient` (∂L/∂outputs);
    /// overwrites `grads`.
    func backward(rows: Int) {
        precondition(training, "backward on an inference-only network")
        var d = delta.0, spare = delta.1
        let last = layerCount - 1
        for l in stride(from: last, through: 0, by: -1) {
            let fanIn = widths[l], fanOut = widths[l + 1]
            // d [rows, out] *= f'(z)
            activationBackward(d, z: z[l], a: a[l], count: rows * fanOut, activation: activations[l])
            let x = l == 0 ? UnsafePointer(input) : UnsafePointer(a[l - 1])
            // dW [out, in] = dᵀ · x, d [rows, out], x [rows, in]
            BLAS.gemm(transA: true, transB: false, m: fanOut, n: fanIn, k: rows, alpha: 1,
                      a: d, lda: fanOut, b: x, ldb: fanIn, beta: 0, c: grads + weightOffsets[l], ldc: fanIn)
            // db [out] = Σ_rows d
            columnSums(d, rows: rows, cols: fanOut, into: grads + biasOffsets[l])
            if l > 0 {
                // d' [rows, in] = d [rows, out] · W [out, in]
                BLAS.gemm(transA: false, transB: false, m: rows, n: fanIn, k: fanOut, alpha: 1,
                          a: d, lda: fanOut, b: params + weightOffsets[l], ldb: fanIn, beta: 0, c: spare, ldc: fanIn)
                swap(&d, &spare)
            }
        }
        if let mask { multiply(grads, by: mask, count: parameterCount) }
    }
}
