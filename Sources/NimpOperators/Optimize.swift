import Foundation
import NimpCore
import NimpIO

/// What `nimp optimize` and the cycle's optimization tasks do to a model.
public struct OptimizeRequest: Sendable {
    public var parent: ModelArchive
    /// `.int8` or `.f16`; applied last, after pruning and fine-tuning.
    public var quantize: WeightStorage?
    /// Int8 rounding calibrated on the inputs of `train` (else `validation`) with
    /// `CompensatingQuantizer.best`; plain per-channel rounding without data.
    public var calibrate: Bool = true
    /// Fraction of every hidden layer's units to remove (structured pruning).
    public var pruneNeurons: Double?
    /// Fraction of the weights of every layer but the output layer to zero by
    /// (activation-weighted) magnitude, kept zero by a mask.
    public var pruneWeights: Double?
    /// Fine-tuning data (and the source of a held-out split when `validation` is nil).
    public var train: Dataset?
    public var validation: Dataset?
    /// Fraction of `train` held out when a held-out set is needed and `validation` is nil.
    public var validationSplit: Double = 0.2
    /// Fine-tuning epochs after each pruning step; 0 for none.
    public var epochs: Int = 0
    /// Fine-tuning learning rate; default a third of the parent genome's (or 1e-3).
    public var learningRate: Float?
    public var batchSize: Int?
    /// The quality budget: prune in `steps` steps of growing fraction (up to the given
    /// fractions), fine-tuning between steps, and keep the most compressed step whose
    /// held-out score (R² or accuracy) is at most this much below the parent's.
    public var maxQualityDrop: Double?
    public var steps: Int = 5
    public var seed: UInt64 = 1
    public var latencySamples: Int = 2000
    public var id: String?
    public var datasetSHA256: String?
    public var commandLine: [String] = []

    public init(parent: ModelArchive) { self.parent = parent }

    /// `prune-neurons`, `prune-weights`, `quantize`, joined by `+` in the order applied.
    public var operation: String {
        var parts: [String] = []
        if pruneNeurons != nil { parts.append("prune-neurons") }
        if pruneWeights != nil { parts.append("prune-weights") }
        if quantize != nil { parts.append("quantize") }
        return parts.joined(separator: "+")
    }
}

/// One step of the quality-budget schedule (a JSON line).
public struct OptimizeStep: Codable, Sendable, Equatable {
    public var step: Int
    public var neuronFraction: Double?
    public var weightSparsity: Double?
    public var quantization: WeightStorage?
    public var metric: String
    public var quality: Double
    public var qualityDrop: Double
    public var withinBudget: Bool
    public var parameters: Int
    public var flops: Int
    public var hidden: [Int]

    enum CodingKeys: String, CodingKey {
        case step, quantization, metric, quality, parameters, flops, hidden
        case neuronFraction = "neuron_fraction"
        case weightSparsity = "weight_sparsity"
        case qualityDrop = "quality_drop"
        case withinBudget = "within_budget"
    }

    public func jsonLine() throws -> String { try jsonLineOf(self) }
}

public struct OptimizeResult: Sendable {
    public var archive: ModelArchive
    /// The budget schedule's steps (empty without `maxQualityDrop`).
    public var steps: [OptimizeStep]
    /// Index into `steps` of the step kept.
    public var chosenStep: Int?
    public var comparison: Comparison
}

/// Quantization, structured and magnitude pruning, fine-tuning and the quality budget.
public enum ModelOptimizer {
    public static func run(_ request: OptimizeRequest, onStep: (OptimizeStep) throws -> Void = { _ in }) throws -> OptimizeResult {
        guard request.quantize != nil || request.pruneNeurons != nil || request.pruneWeights != nil else {
            throw NimpError.usage("nothing to do: give a quantization, neuron pruning or weight pruning",
                                  parameters: [.quantization, .neuronPruning, .weightPruning])
        }
        for (parameter, f) in [(NimpError.Parameter.neuronPruning, request.pruneNeurons), (.weightPruning, request.pruneWeights)] {
            if let f, !(f > 0 && f < 1) {
                throw NimpError.usage("the \(parameter.name) must be a fraction between 0 and 1, got \(f)", parameters: [parameter])
            }
        }
        if request.quantize == .f32 { throw NimpError.usage("the quantization is int8 or f16", parameters: [.quantization]) }
        let parent = request.parent.model
        var train = request.train
        var heldOut = request.validation
        if let t = train { try checkCompatible(t, parent) }
        if let v = heldOut { try checkCompatible(v, parent) }
        if request.maxQualityDrop != nil && heldOut == nil {
            guard let t = train else {
                throw NimpError.usage("a maximum quality drop needs held-out data", hint: "give validation data, or training data to split some off",
                                      parameters: [.maxQualityDrop, .validationData, .trainingData])
            }
            let (rest, split) = try TrainingJob.splitHoldout(t, fraction: request.validationSplit, seed: request.seed)
            train = rest
            heldOut = split
        }
        if request.epochs > 0 && train == nil {
            throw NimpError.usage("fine-tuning needs training data", parameters: [.fineTuningEpochs, .trainingData])
        }
        let evaluation = heldOut ?? train
        let sample = importanceSample(train ?? heldOut)

        var steps: [OptimizeStep] = []
        var chosen: (model: Model, step: Int?, neuronFraction: Double?, roundTrip: RoundTripError?)
        if let budget = request.maxQualityDrop, let held = heldOut {
            let metric = QualityScore.name(for: parent.task)
            guard let reference = QualityScore.value(evaluateQuality(parent, on: held), task: parent.task) else {
                throw NimpError(.dataError, "\(held.source): no \(metric) for the parent model on the held-out data")
            }
            var current = parent
            var best: (model: Model, step: Int?, neuronFraction: Double?, roundTrip: RoundTripError?)?
            let count = request.pruneNeurons == nil && request.pruneWeights == nil ? 1 : max(1, request.steps)
            for k in 1...count {
                func fraction(_ f: Double) -> Double { (f * Double(k) / Double(count) * 1e6).rounded() / 1e6 }
                let neurons = request.pruneNeurons.map(fraction)
                let sparsity = request.pruneWeights.map(fraction)
                current = pruneStep(current, original: parent, neurons: neurons, sparsity: sparsity, sample: sample)
                if request.pruneNeurons != nil || request.pruneWeights != nil {
                    current = try fineTune(current, request: request, train: train, validation: held, step: k)
                }
                let (candidate, roundTrip) = try quantize(current, request: request, calibration: (train ?? held).x)
                let quality = QualityScore.value(evaluateQuality(candidate, on: held), task: parent.task) ?? -.infinity
                let within = reference - quality <= budget
                let step = OptimizeStep(step: k, neuronFraction: neurons, weightSparsity: sparsity.map { _ in Pruner.sparsity(candidate) },
                                        quantization: request.quantize, metric: metric, quality: quality,
                                        qualityDrop: reference - quality, withinBudget: within,
                                        parameters: candidate.parameterCount, flops: candidate.flops, hidden: candidate.hidden)
                steps.append(step)
                try onStep(step)
                guard within else { break }
                best = (candidate, k - 1, neurons, roundTrip)
                if Interruption.requested != nil { break }
            }
            guard let best else {
                let first = steps[0]
                throw NimpError(.failure, "no step stayed within the quality budget: step 1 lowered \(metric) by \(String(format: "%.4g", first.qualityDrop)) (budget \(budget))",
                                hint: "allow a larger quality drop, use smaller fractions or more steps, or fine-tune longer",
                                parameters: [.maxQualityDrop, .pruningSteps, .fineTuningEpochs])
            }
            chosen = best
        } else {
            var model = pruneStep(parent, original: parent, neurons: request.pruneNeurons, sparsity: request.pruneWeights, sample: sample)
            if request.pruneNeurons != nil || request.pruneWeights != nil {
                model = try fineTune(model, request: request, train: train, validation: heldOut, step: 1)
            }
            let (candidate, roundTrip) = try quantize(model, request: request, calibration: (train ?? heldOut)?.x)
            chosen = (candidate, nil, request.pruneNeurons, roundTrip)
        }

        let archive = try makeArchive(chosen.model, request: request, neuronFraction: chosen.neuronFraction,
                                      held: evaluation, chosenStep: chosen.step.map { steps[$0] })
        let comparison = try ModelComparer.compare(operation: request.operation, parent: request.parent, result: archive,
                                                   on: evaluation, latencySamples: request.latencySamples,
                                                   roundTrip: chosen.roundTrip)
        return OptimizeResult(archive: archive, steps: steps, chosenStep: chosen.step, comparison: comparison)
    }

    /// Brings `model` to the given neuron fraction and weight sparsity, both relative to
    /// `original` (so a schedule can call it with growing fractions on its last result).
    /// `sample` (inputs) makes neuron importance data-based (see `Pruner`).
    static func pruneStep(_ model: Model, original: Model, neurons: Double?, sparsity: Double?, sample: Matrix?) -> Model {
        var out = model
        if let fraction = neurons {
            let counts = original.hidden.map { max(1, $0 - Int((Double($0) * fraction).rounded())) }
            out = Pruner.pruneNeurons(out, keepCounts: counts, data: sample).model
        }
        if let sparsity { out = Pruner.pruneWeights(out, sparsity: sparsity, data: sample) }
        return out
    }

    static func quantize(_ model: Model, request: OptimizeRequest, calibration: Matrix?) throws -> (Model, RoundTripError?) {
        guard let storage = request.quantize else { return (model, nil) }
        if storage == .int8, request.calibrate, let calibration {
            return try CompensatingQuantizer.best(model, inputs: calibration)
        }
        return try Quantization.quantized(model, to: storage)
    }

    /// Up to `importanceSamples` rows of `data`, evenly spaced.
    static func importanceSample(_ data: Dataset?) -> Matrix? {
        guard let data, data.count > 0 else { return nil }
        let step = max(1, data.count / importanceSamples)
        return data.x.rows(Array(Swift.stride(from: 0, to: data.count, by: step).prefix(importanceSamples)))
    }

    /// Rows used for activation statistics: enough for stable means and spreads.
    static let importanceSamples = 4096

    static func fineTune(_ model: Model, request: OptimizeRequest, train: Dataset?, validation: Dataset?, step: Int) throws -> Model {
        guard request.epochs > 0, let train else { return model }
        let genome = request.parent.manifest.genome
        let optimizer = genome?.optimizer ?? .adam
        let config = TrainConfig(epochs: request.epochs, batchSize: request.batchSize ?? genome?.batchSize ?? 64,
                                 learningRate: request.learningRate ?? (genome?.learningRate ?? 1e-3) / 3,
                                 optimizer: optimizer, seed: request.seed &+ UInt64(step))
        let result = try Trainer(config: config).fit(model, x: train.x, targets: TrainingJob.trainingTargets(train),
                                                      validation: validation.map { ($0.x, TrainingJob.trainingTargets($0)) },
                                                      onEpoch: { _ in })
        return result.model
    }

    static func makeArchive(_ model: Model, request: OptimizeRequest, neuronFraction: Double?, held: Dataset?,
                            chosenStep: OptimizeStep?) throws -> ModelArchive {
        var parameters: [String: String] = [:]
        parameters["quantize"] = request.quantize?.rawValue
        parameters["prune_neurons"] = request.pruneNeurons.map { "\($0)" }
        parameters["prune_weights"] = request.pruneWeights.map { "\($0)" }
        parameters["max_quality_drop"] = request.maxQualityDrop.map { "\($0)" }
        parameters["epochs"] = "\(request.epochs)"
        if request.maxQualityDrop != nil { parameters["steps"] = "\(request.steps)" }
        if let s = chosenStep {
            parameters["chosen_step"] = "\(s.step)"
            parameters["chosen_neuron_fraction"] = s.neuronFraction.map { "\($0)" }
        }
        let parent = request.parent
        let lineage = Manifest.Lineage(operation: request.operation, parent: parent.manifest.version,
                                       parentSha256: parent.sha256.isEmpty ? nil : parent.sha256,
                                       datasetSha256: request.datasetSHA256, seed: request.seed,
                                       commandLine: request.commandLine, parameters: parameters,
                                       kernels: BLASKernel.summary)
        var genome = parent.manifest.genome
        genome?.hidden = model.hidden
        let metrics = held.map { evaluateQuality(model, on: $0).metrics } ?? [:]
        var pruning: Manifest.Pruning?
        if let fraction = request.pruneWeights {
            pruning = Manifest.Pruning(kind: Manifest.Pruning.weights, fraction: fraction)
        } else if let neuronFraction {
            pruning = Manifest.Pruning(kind: Manifest.Pruning.neurons, fraction: neuronFraction)
        }
        let manifest = Manifest(model: model, lineage: lineage, id: request.id ?? parent.manifest.id, genome: genome,
                                metrics: metrics, pruning: pruning)
        let archive = ModelArchive(model: model, manifest: manifest)
        return archive
    }

    static func checkCompatible(_ data: Dataset, _ model: Model) throws {
        guard data.features == model.inputs, data.task == model.task,
              data.task == .classification || data.outputs == model.outputs else {
            throw NimpError(.dataError, "\(data.source): \(data.features) features, \(data.outputs) outputs (\(data.task.rawValue)); the model has \(model.inputs) inputs, \(model.outputs) outputs (\(model.task.rawValue))")
        }
    }
}
