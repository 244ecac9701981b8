extension Activation {
    /// True for the rectifier family, whose layers get He initialisation.
    var usesHeInit: Bool {
        switch self {
        case .relu, .leakyRelu, .gelu: return true
        case .tanh, .sigmoid, .identity: return false
        }
    }
}

extension Model {
    /// A freshly initialised MLP: `hidden` layers with `activation`, then an identity
    /// output layer (values for regression, logits for classification).
    ///
    /// Weights are drawn from N(0, σ²), layer by layer and row-major, with
    /// He σ = √(2 / fan_in) for relu, leaky_relu and gelu layers and
    /// Xavier (Glorot normal) σ = √(2 / (fan_in + fan_out)) for tanh, sigmoid and identity
    /// layers, including the output layer. Biases start at 0.
    public static func initialized(task: Task, inputs: Int, hidden: [Int], outputs: Int, activation: Activation,
                                   normalizer: Normalizer, featureNames: [String], targetNames: [String],
                                   table: TableSchema? = nil, rng: inout RNG) -> Model {
        precondition(inputs > 0 && outputs > 0 && hidden.allSatisfy { $0 > 0 }, "layer widths must be positive")
        let widths = [inputs] + hidden + [outputs]
        var layers: [DenseLayer] = []
        for l in 0..<(widths.count - 1) {
            let fanIn = widths[l], fanOut = widths[l + 1]
            let act: Activation = l == widths.count - 2 ? .identity : activation
            let sigma = act.usesHeInit ? (2 / Float(fanIn)).squareRoot() : (2 / Float(fanIn + fanOut)).squareRoot()
            var w = Matrix(rows: fanOut, cols: fanIn)
            for i in 0..<w.data.count { w.data[i] = sigma * rng.normal() }
            layers.append(DenseLayer(weight: w, bias: [Float](repeating: 0, count: fanOut), activation: act))
        }
        return Model(task: task, layers: layers, normalizer: normalizer, featureNames: featureNames, targetNames: targetNames, table: table)
    }
}
