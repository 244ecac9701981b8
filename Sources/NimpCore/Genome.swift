/// The architecture and training hyperparameters a training task starts from; what
/// `evolve` searches over and what `model.json` and manifests record.
public struct Genome: Codable, Equatable, Hashable, Sendable {
    public var hidden: [Int]
    public var activation: Activation
    public var learningRate: Float
    public var batchSize: Int
    public var optimizer: String
    public var epochs: Int

    public init(hidden: [Int] = [64, 64], activation: Activation = .relu, learningRate: Float = 1e-3,
                batchSize: Int = 64, optimizer: String = "adam", epochs: Int = 20) {
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
