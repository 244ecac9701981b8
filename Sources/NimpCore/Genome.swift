/// The architecture and training hyperparameters a training task starts from; what
/// `evolve` searches over and what `model.json` and manifests record.
public struct Genome: Codable, Equatable, Hashable, Sendable {
    public var hidden: [Int]
    public var activation: Activation
    public var learningRate: Float
    public var batchSize: Int
    public var optimizer: OptimizerKind
    public var epochs: Int

    public init(hidden: [Int] = [64, 64], activation: Activation = .relu, learningRate: Float = 1e-3,
                batchSize: Int = 64, optimizer: OptimizerKind = .adam, epochs: Int = 20) {
        self.hidden = hidden
        self.activation = activation
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.epochs = epochs
    }

    enum CodingKeys: String, CodingKey {
        case hidden, activation, optimizer, epochs
        case learningRate = "learning_rate"
        case batchSize = "batch_size"
    }
}

extension Genome {
    /// Bounds on what a genome may ask for, so a hostile model.json or signals.json cannot
    /// make training allocate or loop without bound (far above anything `evolve` makes).
    public static let maxLayers = 64
    public static let maxUnits = 16_384
    /// The most weights between two consecutive hidden layers.
    public static let maxLayerWeights = 1 << 26
    public static let maxEpochs = 100_000
    public static let maxBatchSize = 1 << 20
    /// The cycle searches at least this many epochs per genome, stopped early on held-out
    /// rows: a champion trained for one epoch says nothing about what its data needs.
    public static let cycleEpochs = 20
    /// A cycle's training task runs until its held-out loss stops falling, up to this many
    /// epochs: a promotion spends part of a fixed eval set, so one task should take what
    /// training has to give rather than a twentieth of it.
    public static let cycleTrainingEpochs = 200

    /// The first thing wrong with this genome as (key, what is wrong), nil when it is
    /// usable. Keys are model.json's (`hidden[2]`, `learning_rate`).
    public var problem: (key: String, message: String)? {
        if hidden.count > Self.maxLayers { return ("hidden", "\(hidden.count) hidden layers, expected at most \(Self.maxLayers)") }
        if let i = hidden.firstIndex(where: { !(1...Self.maxUnits).contains($0) }) {
            return ("hidden[\(i)]", "\(hidden[i]) units, expected 1...\(Self.maxUnits)")
        }
        for i in hidden.indices.dropFirst() where hidden[i - 1] * hidden[i] > Self.maxLayerWeights {
            return ("hidden[\(i)]", "\(hidden[i - 1]) × \(hidden[i]) weights between two layers, expected at most \(Self.maxLayerWeights)")
        }
        if !(learningRate.isFinite && learningRate > 0) { return ("learning_rate", "\(learningRate), expected a positive finite number") }
        if !(1...Self.maxBatchSize).contains(batchSize) { return ("batch_size", "\(batchSize), expected 1...\(Self.maxBatchSize)") }
        if !(1...Self.maxEpochs).contains(epochs) { return ("epochs", "\(epochs), expected 1...\(Self.maxEpochs)") }
        return nil
    }
}
