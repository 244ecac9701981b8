/// Hyperparameters of one training run.
public struct TrainConfig: Sendable {
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Float
    public var optimizer: OptimizerKind
    /// SGD momentum μ.
    public var momentum: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    /// L2 for sgd and adam, decoupled decay for adamw; applied to biases too.
    public var weightDecay: Float
    public var schedule: LRSchedule
    /// Global gradient-norm limit, nil for no clipping.
    public var clipNorm: Float?
    /// Seeds the per-epoch shuffles.
    public var seed: UInt64
    /// Stop after this many epochs without a better validation loss (needs validation data).
    public var patience: Int?
    /// A batch loss above this counts as divergence.
    public var divergenceLimit: Float
    /// When `patience` epochs pass without a better validation loss, go back to the best
    /// weights and on at a quarter of the learning rate, this many times, before stopping.
    public var learningRateDrops = 0
    /// The weights training starts from count as epoch 0: when no epoch beats them on
    /// validation, they are what training returns (for continuing a model that is good already).
    public var initialIsCandidate = false
    /// Stop before an epoch that would end past this instant (judged by the last epoch's
    /// length), keeping the best epoch so far: a run with a time budget ends with a model
    /// instead of none.
    public var stopAt: ContinuousClock.Instant?
    /// Training data read from a mapped file and larger than this (bytes of `x`) is
    /// shuffled in windows instead of as a whole, so it need not fit in memory (see
    /// `EpochOrder`). In-memory data is always shuffled as a whole.
    public var windowedAboveBytes = 256 << 20
    /// The windowed shuffle's unit of contiguous rows, and the bytes shuffled together.
    public var shuffleBlockBytes = 1 << 20
    public var shuffleWindowBytes = 32 << 20

    public init(epochs: Int = 20, batchSize: Int = 64, learningRate: Float = 1e-3, optimizer: OptimizerKind = .adam,
                momentum: Float = 0.9, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                weightDecay: Float = 0, schedule: LRSchedule = .constant, clipNorm: Float? = nil, seed: UInt64 = 0,
                patience: Int? = nil, divergenceLimit: Float = 1e6) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.optimizer = optimizer
        self.momentum = momentum
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.schedule = schedule
        self.clipNorm = clipNorm
        self.seed = seed
        self.patience = patience
        self.divergenceLimit = divergenceLimit
    }
}

/// What the network is trained to output.
public enum TrainingTargets: Sendable {
    /// Regression targets [N, outputs], MSE loss.
    case values(Matrix)
    /// Class ids, softmax cross-entropy loss.
    case classes([Int32])
    /// Distillation: softened teacher probabilities [N, classes] mixed with hard labels:
    /// alpha · T² · CE(teacher, softmax(z / T)) + (1 - alpha) · CE(hard, softmax(z)).
    /// Without hard labels only the soft term counts.
    case soft(probabilities: Matrix, temperature: Float, hard: [Int32]?, alpha: Float)

    /// Drops the resident pages of rows `range` of mapped targets (see `Matrix.releaseResident`).
    func releaseResident(rows range: Range<Int>, aheadToo: Bool = false) {
        switch self {
        case .values(let m): m.releaseResident(rows: range, aheadToo: aheadToo)
        case .classes: break
        case .soft(let p, _, _, _): p.releaseResident(rows: range, aheadToo: aheadToo)
        }
    }

    /// Number of samples.
    public var count: Int {
        switch self {
        case .values(let m): return m.rows
        case .classes(let c): return c.count
        case .soft(let p, _, _, _): return p.rows
        }
    }
}

/// One line of the training curve.
public struct EpochReport: Codable, Sendable, Equatable {
    /// 1-based.
    public var epoch: Int
    /// Mean loss over the epoch's batches, weighted by batch size.
    public var trainLoss: Double
    public var validationLoss: Double?
    /// accuracy for classifiers, r2 for regressors.
    public var validationMetric: Double?
    public var validationMetricName: String?
    /// The learning rate of the epoch's last step.
    public var learningRate: Double
    /// Wall time of the epoch, validation included.
    public var seconds: Double
    /// Training samples per second, validation excluded.
    public var samplesPerSecond: Double

    public init(epoch: Int, trainLoss: Double, validationLoss: Double?, validationMetric: Double?,
                validationMetricName: String?, learningRate: Double, seconds: Double, samplesPerSecond: Double) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.validationLoss = validationLoss
        self.validationMetric = validationMetric
        self.validationMetricName = validationMetricName
        self.learningRate = learningRate
        self.seconds = seconds
        self.samplesPerSecond = samplesPerSecond
    }

    enum CodingKeys: String, CodingKey {
        case epoch, seconds
        case trainLoss = "train_loss"
        case validationLoss = "validation_loss"
        case validationMetric = "validation_metric"
        case validationMetricName = "validation_metric_name"
        case learningRate = "learning_rate"
        case samplesPerSecond = "samples_per_second"
    }
}

/// The outcome of `Trainer.fit`.
public struct TrainResult: Sendable {
    /// The model with the lowest validation loss when validation data was given, else the last.
    public var model: Model
    public var epochs: [EpochReport]
    public var stoppedEarly: Bool
    /// 1-based epoch `model` comes from (0: the weights training started from, with `initialIsCandidate`).
    public var bestEpoch: Int
    /// Training stopped because another epoch would have ended past `stopAt`.
    public var reachedStopAt = false
}
