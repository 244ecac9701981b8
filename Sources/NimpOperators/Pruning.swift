import NimpCore

/// Structured (neuron) and unstructured (magnitude) pruning.
///
/// Neuron importance, hidden unit `j` of layer `l` (row `j` of `layers[l].weight`):
/// - with data (the default of `optimize`): `std(a_j) · ‖W_{l+1}[:, j]‖₂`, the spread of
///   the unit's activation over the data times the L2 norm of its outgoing weights. When
///   the unit is removed its mean activation is folded into the next layer's bias
///   (`b_{l+1} += W_{l+1}[:, j] · mean(a_j)`), so what the next layer loses is exactly
///   the unit's variation, whose size the score measures. Layers are pruned first to
///   last, each with statistics of the already-pruned network.
/// - without data: `‖W_l[j, :]‖₂ · ‖W_{l+1}[:, j]‖₂`, incoming times outgoing weight
///   norm (inputs are standardised, so incoming norms compare across features), and
///   no bias correction.
/// Masked weights count as zero. Removing a unit deletes its row (and bias) from its
/// layer and its column from the next layer, so the layers really shrink.
public enum Pruner {
    /// Weight-norm importance of every hidden unit, one array per hidden layer.
    public static func neuronImportance(_ model: Model) -> [[Float]] {
        (0..<(model.layers.count - 1)).map { l in
            let incoming = effectiveWeight(model.layers[l])
            let outgoing = outgoingNorms(model, layer: l)
            return (0..<incoming.rows).map { j in
                var inSquares: Float = 0
                for c in 0..<incoming.cols { inSquares += incoming[j, c] * incoming[j, c] }
                return inSquares.squareRoot() * outgoing[j]
            }
        }
    }

    /// Data-based importance of the units of hidden layer `layer`: activation std times
    /// outgoing weight norm; and their mean activations, for the bias correction.
    public static func neuronImportance(_ model: Model, layer: Int, on x: Matrix) -> (scores: [Float], means: [Float]) {
        let stats = activationStatistics(model, layer: layer, on: x)
        return (zip(stats.std, outgoingNorms(model, layer: layer)).map { $0 * $1 }, stats.mean)
    }

    /// Mean and standard deviation of each unit's activation in hidden layer `layer`
    /// over the rows of `x` (raw inputs; the model normalises them).
    public static func activationStatistics(_ model: Model, layer: Int, on x: Matrix) -> (mean: [Float], std: [Float]) {
        let head = Model(task: model.task, layers: Array(model.layers[0...layer]), normalizer: model.normalizer,
                         featureNames: model.featureNames,
                         targetNames: (0..<model.layers[layer].outputs).map { "h\($0)" })
        let a = head.predict(x)
        var mean = [Double](repeating: 0, count: a.cols), square = [Double](repeating: 0, count: a.cols)
        for r in 0..<a.rows {
            for c in 0..<a.cols {
                let v = Double(a[r, c])
                mean[c] += v
                square[c] += v * v
            }
        }
        let n = Double(max(1, a.rows))
        return (mean.map { Float($0 / n) },
                zip(mean, square).map { Float(max(0, $1 / n - ($0 / n) * ($0 / n)).squareRoot()) })
    }

    /// The units to keep in each hidden layer: the most important `n − round(n · fraction)`
    /// (at least one), in their original order. Ties go to the lower index.
    public static func unitsToKeep(importance: [[Float]], fraction: Double) -> [[Int]] {
        precondition(fraction >= 0 && fraction < 1)
        return importance.map { scores in
            let n = scores.count
            return mostImportant(scores, count: max(1, n - Int((Double(n) * fraction).rounded())))
        }
    }

    /// Removes `fraction` of the units of every hidden layer, least important first;
    /// importance from `data` (a sample of inputs) when given, else from weight norms.
    /// Returns the units kept, as indices into `model`'s layers.
    public static func pruneNeurons(_ model: Model, fraction: Double, data: Matrix? = nil) -> (model: Model, kept: [[Int]]) {
        precondition(fraction >= 0 && fraction < 1)
        return pruneNeurons(model, keepCounts: model.hidden.map { max(1, $0 - Int((Double($0) * fraction).rounded())) }, data: data)
    }

    /// Shrinks every hidden layer to `keepCounts` units (layers already that small stay).
    public static func pruneNeurons(_ model: Model, keepCounts: [Int], data: Matrix?) -> (model: Model, kept: [[Int]]) {
        precondition(keepCounts.count == model.hidden.count)
        guard let data else {
            let importance = neuronImportance(model)
            let keep = zip(importance, keepCounts).map { mostImportant($0, count: min($0.count, max(1, $1))) }
            return (removingUnits(model, keep: keep), keep)
        }
        var out = model
        var kept = model.hidden.map { Array(0..<$0) }
        for (l, count) in keepCounts.enumerated() where max(1, count) < out.layers[l].outputs {
            let (scores, means) = neuronImportance(out, layer: l, on: data)
            let keep = mostImportant(scores, count: max(1, count))
            out = removingUnits(out, layer: l, keep: keep, meanActivations: means)
            kept[l] = keep.map { kept[l][$0] }
        }
        return (out, kept)
    }

    /// Removes the hidden units not in `keep` (one index list per hidden layer): their
    /// rows, biases and mask rows in their layer and their columns in the next layer.
    /// With `meanActivations` (per hidden layer), each removed unit's mean activation
    /// times its outgoing weights is added to the next layer's bias.
    public static func removingUnits(_ model: Model, keep: [[Int]], meanActivations: [[Float]]? = nil) -> Model {
        precondition(keep.count == model.layers.count - 1)
        var out = model
        for (l, kept) in keep.enumerated() {
            out = removingUnits(out, layer: l, keep: kept, meanActivations: meanActivations?[l])
        }
        return out
    }

    /// The same network with the units not in `keep` switched off by masks instead of
    /// removed: their incoming rows and outgoing columns are zeroed (and the next bias
    /// corrected as in `removingUnits`). Computes the same function as `removingUnits`.
    public static func maskingUnits(_ model: Model, keep: [[Int]], meanActivations: [[Float]]? = nil) -> Model {
        var out = model
        for (l, kept) in keep.enumerated() {
            let keptSet = Set(kept)
            let dropped = (0..<out.layers[l].outputs).filter { !keptSet.contains($0) }
            if let means = meanActivations?[l] { out.layers[l + 1].bias = shiftedBias(out.layers[l + 1], dropping: dropped, means: means) }
            var inMask = out.layers[l].mask ?? Matrix(rows: out.layers[l].outputs, cols: out.layers[l].inputs, repeating: 1)
            for j in dropped {
                for c in 0..<inMask.cols { inMask[j, c] = 0 }
            }
            out.layers[l] = masked(out.layers[l], inMask)
            var outMask = out.layers[l + 1].mask ?? Matrix(rows: out.layers[l + 1].outputs, cols: out.layers[l + 1].inputs, repeating: 1)
            for r in 0..<outMask.rows {
                for j in dropped { outMask[r, j] = 0 }
            }
            out.layers[l + 1] = masked(out.layers[l + 1], outMask)
        }
        return out
    }

    /// Magnitude pruning of every layer but the output layer (a small share of the
    /// weights, each of which matters): the `sparsity` fraction of weights with the
    /// lowest score is set to zero and masked, so fine-tuning keeps them zero. Weights
    /// already masked stay masked (they are zeros, so they go first).
    ///
    /// Without data the score is `|w|` and each layer loses `sparsity` of its weights.
    /// With `data` (raw inputs) the score is `|w_rc| · rms(x_c)`, the weight times the
    /// root mean square of the input it multiplies (Wanda, Sun et al. 2023), each
    /// output row loses `sparsity` of its weights, and the mean contribution of the
    /// removed weights is folded into the row's bias. Layers are pruned first to last,
    /// each with the inputs of the already-pruned network.
    public static func pruneWeights(_ model: Model, sparsity: Double, data: Matrix? = nil) -> Model {
        precondition(sparsity >= 0 && sparsity < 1)
        var out = model
        for l in 0..<(model.layers.count - 1) {
            let layer = model.layers[l]
            let w = effectiveWeight(layer)
            var mask = layer.mask ?? Matrix(rows: w.rows, cols: w.cols, repeating: 1)
            guard let data else {
                let zeros = Int((Double(w.data.count) * sparsity).rounded())
                for i in lowestFirst(w.data.indices, score: { abs(w.data[$0]) }).prefix(zeros) { mask.data[i] = 0 }
                out.layers[l] = masked(layer, mask)
                continue
            }
            let x = CompensatingQuantizer.layerInputs(out, layer: l, on: data)
            var squares = [Double](repeating: 0, count: w.cols), sums = [Double](repeating: 0, count: w.cols)
            for r in 0..<x.rows {
                for c in 0..<x.cols {
                    let v = Double(x[r, c])
                    sums[c] += v
                    squares[c] += v * v
                }
            }
            let n = Double(max(1, x.rows))
            let rms = squares.map { Float(($0 / n).squareRoot()) }
            var bias = layer.bias
            let zerosPerRow = Int((Double(w.cols) * sparsity).rounded())
            for r in 0..<w.rows {
                for c in lowestFirst(0..<w.cols, score: { abs(w[r, $0]) * rms[$0] }).prefix(zerosPerRow) where mask[r, c] != 0 {
                    mask[r, c] = 0
                    bias[r] += w[r, c] * Float(sums[c] / n)
                }
            }
            out.layers[l] = masked(layer, mask)
            out.layers[l].bias = bias
        }
        return out
    }

    static func lowestFirst(_ indices: some Collection<Int>, score: (Int) -> Float) -> [Int] {
        indices.sorted { score($0) != score($1) ? score($0) < score($1) : $0 < $1 }
    }

    /// The fraction of all weights that are exactly zero.
    public static func sparsity(_ model: Model) -> Double {
        let total = model.layers.reduce(0) { $0 + $1.weight.data.count }
        let zeros = model.layers.reduce(0) { $0 + $1.weight.data.lazy.filter { $0 == 0 }.count }
        return total == 0 ? 0 : Double(zeros) / Double(total)
    }

    /// Parameters that are not pruned: biases plus nonzero weights.
    public static func nonzeroParameters(_ model: Model) -> Int {
        model.layers.reduce(0) { $0 + $1.bias.count + $1.weight.data.lazy.filter { $0 != 0 }.count }
    }

    // MARK: Layer surgery

    static func removingUnits(_ model: Model, layer l: Int, keep: [Int], meanActivations: [Float]?) -> Model {
        var layers = model.layers
        if let means = meanActivations {
            let keptSet = Set(keep)
            let dropped = (0..<layers[l].outputs).filter { !keptSet.contains($0) }
            layers[l + 1].bias = shiftedBias(layers[l + 1], dropping: dropped, means: means)
        }
        layers[l] = keepingRows(layers[l], keep)
        layers[l + 1] = keepingColumns(layers[l + 1], keep)
        return Model(task: model.task, layers: layers, normalizer: model.normalizer,
                     featureNames: model.featureNames, targetNames: model.targetNames, table: model.table)
    }

    /// `layer.bias` plus the contribution the dropped inputs made on average.
    static func shiftedBias(_ layer: DenseLayer, dropping dropped: [Int], means: [Float]) -> [Float] {
        let w = effectiveWeight(layer)
        var bias = layer.bias
        for r in 0..<w.rows {
            for j in dropped { bias[r] += w[r, j] * means[j] }
        }
        return bias
    }

    /// The L2 norm of each input column of the layer after `layer` (a unit's outgoing weights).
    static func outgoingNorms(_ model: Model, layer l: Int) -> [Float] {
        let outgoing = effectiveWeight(model.layers[l + 1])
        return (0..<outgoing.cols).map { j in
            var squares: Float = 0
            for r in 0..<outgoing.rows { squares += outgoing[r, j] * outgoing[r, j] }
            return squares.squareRoot()
        }
    }

    /// Indices of the `count` highest scores, ascending; ties go to the lower index.
    static func mostImportant(_ scores: [Float], count: Int) -> [Int] {
        let ranked = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        return ranked.prefix(count).sorted()
    }

    static func effectiveWeight(_ layer: DenseLayer) -> Matrix {
        guard let mask = layer.mask else { return layer.weight }
        return Matrix(rows: layer.weight.rows, cols: layer.weight.cols, data: zip(layer.weight.data, mask.data).map { $0 * $1 })
    }

    static func masked(_ layer: DenseLayer, _ mask: Matrix) -> DenseLayer {
        var out = layer
        out.weight = Matrix(rows: layer.weight.rows, cols: layer.weight.cols, data: zip(layer.weight.data, mask.data).map { $0 * $1 })
        out.mask = mask
        return out
    }

    static func keepingRows(_ layer: DenseLayer, _ rows: [Int]) -> DenseLayer {
        DenseLayer(weight: layer.weight.rows(rows), bias: rows.map { layer.bias[$0] }, activation: layer.activation,
                   mask: layer.mask.map { $0.rows(rows) }, storage: layer.storage)
    }

    static func keepingColumns(_ layer: DenseLayer, _ columns: [Int]) -> DenseLayer {
        func select(_ m: Matrix) -> Matrix {
            var out = Matrix(rows: m.rows, cols: columns.count)
            for r in 0..<m.rows {
                for (k, c) in columns.enumerated() { out[r, k] = m[r, c] }
            }
            return out
        }
        return DenseLayer(weight: select(layer.weight), bias: layer.bias, activation: layer.activation,
                          mask: layer.mask.map(select), storage: layer.storage)
    }
}
