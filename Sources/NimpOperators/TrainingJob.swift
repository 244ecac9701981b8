import Foundation
import NimpCore
import NimpIO

/// Everything a training run needs; the same for `nimp train` and the cycle's
/// training tasks.
public struct TrainingRequest: Sendable {
    public var train: Dataset
    public var validation: Dataset?
    /// Fraction of `train` held out for validation when `validation` is nil.
    public var validationSplit: Double?
    public var genome: Genome
    public var weightDecay: Float = 0
    public var schedule: LRSchedule = .constant
    public var clipNorm: Float?
    public var patience: Int?
    /// Stop after the epoch that ends past this instant, with the best epoch so far.
    public var stopAt: ContinuousClock.Instant?
    /// See `TrainConfig.learningRateDrops` and `initialIsCandidate`.
    public var learningRateDrops = 0
    public var initialIsCandidate = false
    public var seed: UInt64 = 1
    /// Continue from this model (same inputs and outputs) instead of a fresh one.
    public var initial: ModelArchive?
    /// The version this one is meant to replace, for the lineage when training starts
    /// afresh (with `initial`, the parent is `initial`).
    public var replaces: ModelArchive?
    public var id: String?
    public var datasetSHA256: String?
    public var commandLine: [String] = []

    public init(train: Dataset, genome: Genome) {
        self.train = train
        self.genome = genome
    }
}

public enum TrainingJob {
    /// Splits off a validation set, builds or continues a model, trains it, and wraps
    /// the result in an archive whose manifest records how it was made.
    public static func run(_ request: TrainingRequest, onEpoch: (EpochReport) throws -> Void = { _ in }) throws -> (archive: ModelArchive, result: TrainResult) {
        var train = request.train
        var validation = request.validation
        if validation == nil, let split = request.validationSplit, split > 0 {
            (train, validation) = try splitHoldout(train, fraction: split, seed: request.seed)
        }
        guard train.count > 0 else { throw NimpError(.dataError, "\(train.source): the training set is empty") }
        if let v = validation {
            guard v.features == train.features, v.task == train.task, v.outputs == train.outputs || train.task == .classification else {
                throw NimpError(.dataError, "\(v.source): validation data does not match the training data (features, task or outputs)")
            }
        }
        let g = request.genome
        let model: Model
        if let initial = request.initial {
            model = initial.model
            guard model.inputs == train.features, model.task == train.task, model.outputs == train.outputs else {
                throw NimpError(.dataError, "\(train.source): \(train.features) features, \(train.outputs) outputs (\(train.task.rawValue)); the initial model has \(model.inputs) inputs, \(model.outputs) outputs (\(model.task.rawValue))", parameters: [.initialModel])
            }
        } else {
            var rng = RNG(seed: request.seed)
            var fresh = Model.initialized(task: train.task, inputs: train.features, hidden: g.hidden, outputs: train.outputs,
                                          activation: g.activation, normalizer: fitNormalizer(train.x),
                                          featureNames: train.featureNames, targetNames: train.targetNames, table: train.fittedSchema(), rng: &rng)
            fresh.initializeOutputs(for: train.y)
            model = fresh
        }
        var config = TrainConfig(epochs: g.epochs, batchSize: g.batchSize, learningRate: g.learningRate, optimizer: g.optimizer,
                                 weightDecay: request.weightDecay, schedule: request.schedule, clipNorm: request.clipNorm,
                                 seed: request.seed, patience: request.patience)
        config.stopAt = request.stopAt
        config.learningRateDrops = request.learningRateDrops
        config.initialIsCandidate = request.initialIsCandidate && request.initial != nil
        let result = try Trainer(config: config).fit(model, x: train.x, targets: trainingTargets(train),
                                                      validation: validation.map { ($0.x, trainingTargets($0)) },
                                                      onEpoch: onEpoch)
        let quality = evaluateQuality(result.model, on: validation ?? train)
        var metrics = quality.metrics
        metrics["epochs"] = Double(result.epochs.count)
        let parent = request.initial ?? request.replaces
        let lineage = Manifest.Lineage(operation: request.initial == nil ? "train" : "continue",
                                       parent: parent?.manifest.version, parentSha256: parent?.sha256,
                                       datasetSha256: request.datasetSHA256, seed: request.seed, commandLine: request.commandLine,
                                       kernels: BLASKernel.summary)
        let manifest = Manifest(model: result.model, lineage: lineage, id: request.id ?? request.initial?.manifest.id,
                                genome: g, metrics: metrics, pruning: request.initial?.manifest.pruning)
        let archive = ModelArchive(model: result.model, manifest: manifest, metricsJSONL: try encodeJSONLines(result.epochs))
        return (archive, result)
    }

    public static func trainingTargets(_ d: Dataset) -> TrainingTargets {
        switch d.y {
        case .values(let m): return .values(m)
        case .classes(let c): return .classes(c)
        }
    }

    /// A seeded shuffle split: the last `fraction` of a permutation becomes the holdout.
    public static func splitHoldout(_ d: Dataset, fraction: Double, seed: UInt64) throws -> (Dataset, Dataset) {
        guard d.count >= 2 else {
            throw NimpError(.dataError, "\(d.source): \(d.count) sample\(d.count == 1 ? "" : "s"), too few to hold some out for validation")
        }
        var order = Array(0..<d.count)
        var rng = RNG(seed: seed ^ 0x5EED_5EED)
        rng.shuffle(&order)
        let held = max(1, min(d.count - 1, Int((Double(d.count) * fraction).rounded())))
        return (d.subset(order[..<(d.count - held)]), d.subset(order[(d.count - held)...]))
    }
}

/// One JSON object per line, keys sorted.
public func encodeJSONLines<T: Encodable>(_ items: [T]) throws -> Data {
    var out = Data()
    for item in items {
        out.append(try JSONCoding.data(item))
        out.append(UInt8(ascii: "\n"))
    }
    return out
}
