/// What a model predicts.
public enum Task: String, Codable, Sendable, CaseIterable {
    case regression
    case classification
}

/// Element-wise activation functions. Raw values are the names used in files and flags.
public enum Activation: String, Codable, Sendable, CaseIterable {
    case relu
    case leakyRelu = "leaky_relu"
    case tanh
    case sigmoid
    case gelu
    case identity
}

/// How a layer's weights are stored in an archive. Inference always runs on the
/// dequantized floats, which equal `q * scale` exactly.
public enum WeightStorage: String, Codable, Sendable {
    case f32
    case f16
    case int8
}

/// One fully connected layer: `y = activation(x · weightᵀ + bias)`.
/// `weight` is [out, in] as in a PyTorch `state_dict`.
public struct DenseLayer: Equatable, Sendable {
    public var weight: Matrix
    public var bias: [Float]
    public var activation: Activation
    /// Magnitude-pruning mask, same shape as `weight` (1 keep, 0 pruned), kept through
    /// fine-tuning. Nil when the layer is dense.
    public var mask: Matrix?
    public var storage: WeightStorage

    public init(weight: Matrix, bias: [Float], activation: Activation, mask: Matrix? = nil, storage: WeightStorage = .f32) {
        precondition(bias.count == weight.rows)
        self.weight = weight
        self.bias = bias
        self.activation = activation
        self.mask = mask
        self.storage = storage
    }

    public var inputs: Int { weight.cols }
    public var outputs: Int { weight.rows }
    public var parameterCount: Int { weight.data.count + bias.count }
}

/// Input standardisation fitted on training data: `x' = (x - mean) / std`.
public struct Normalizer: Equatable, Sendable, Codable {
    public var mean: [Float]
    public var std: [Float]

    public init(mean: [Float], std: [Float]) {
        precondition(mean.count == std.count)
        self.mean = mean
        self.std = std
    }

    public static func identity(features: Int) -> Normalizer {
        Normalizer(mean: [Float](repeating: 0, count: features), std: [Float](repeating: 1, count: features))
    }
}

/// A trained network plus what it needs to be used: normalisation, task and names.
/// The last layer's activation is `identity`: outputs are values for regression and
/// logits for classification.
public struct Model: Equatable, Sendable {
    public var task: Task
    public var layers: [DenseLayer]
    public var normalizer: Normalizer
    public var featureNames: [String]
    /// Regression: one name per output. Classification: one name per class.
    public var targetNames: [String]
    /// How a table's columns become `featureNames`; nil for models made before schemas
    /// (their inputs are numeric columns named by `featureNames`).
    public var table: TableSchema?

    public init(task: Task, layers: [DenseLayer], normalizer: Normalizer, featureNames: [String], targetNames: [String],
                table: TableSchema? = nil) {
        precondition(!layers.isEmpty)
        self.task = task
        self.layers = layers
        self.normalizer = normalizer
        self.featureNames = featureNames
        self.targetNames = targetNames
        self.table = table
    }

    /// The stored schema, or numeric columns named by the features.
    public var schema: TableSchema {
        table ?? .numeric(featureNames, target: task == .regression ? targetNames : [])
    }

    public var inputs: Int { layers[0].inputs }
    public var outputs: Int { layers[layers.count - 1].outputs }
    public var hidden: [Int] { layers.dropLast().map(\.outputs) }
    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }
    /// Multiply-adds for one sample.
    public var flops: Int { layers.reduce(0) { $0 + 2 * $1.weight.data.count } }
}
