import Foundation
import NimpCore
import NimpIO
import NimpOperators
import NimpRegistry

/// Train again on the registry's training set (continuing the champion when it has the
/// genome's shape), with the learning rate and epochs the growth signal sets. After a
/// training candidate the gate turned down, the next one starts from fresh weights: a
/// champion stuck in a poor valley does not leave it by more of the same descent.
public struct TrainingKind: ImprovementKind {
    public static let type = TaskType.training
    public var type: TaskType { Self.type }

    /// A plateau hands the model to architecture search; training stays possible at this fraction of its priority.
    public static let plateauFactor = 0.25

    public func propose(_ a: ModelAssessment, _ context: PlanningContext) -> [Proposal] {
        let q = a.qualityMetric
        guard let value = a.metrics[q] else { return [] }
        let plateau = context.isPlateau(a)
        var boost = 1.0, reasons: [String] = [], triggers: [String] = []
        if plateau {
            boost *= Self.plateauFactor
            reasons.append(String(format: "plateau: training priority × %.2f", Self.plateauFactor))
        }
        if Self.restarts(a) {
            reasons.append("the last training candidate was not promoted: this one starts from fresh weights")
        }
        if a.freshData {
            reasons.append("new training data since the champion was trained")
            boost *= 1.5
            triggers.append("data_drift")
        }
        if let target = a.targets[q] {
            let gap = MetricKind.gap(q, value: value, target: target)
            if gap > 0 {
                let text = String(format: "%@ %.4g on held-out data, target %.4g: gap %.3f", q, value, target, gap)
                return [Proposal(metric: q, gap: gap, reasons: [text] + reasons, boost: boost, triggers: triggers)]
            }
            if a.freshData {
                return [Proposal(metric: q, gap: context.threshold,
                                 reasons: ["\(q) meets its target, but there is new training data since the champion was trained"],
                                 triggers: ["data_drift"])]
            }
            return []
        }
        // No target: keep improving while training still pays off (README, "Models without targets").
        guard a.championVersion != nil, !plateau else { return [] }
        let text = String(format: "%@ %.4g, no target: training goes on while its gains reach the threshold %.3f", q, value, context.threshold)
        return [Proposal(metric: q, gap: context.threshold, reasons: [text] + reasons, boost: boost, triggers: triggers + ["no_target"])]
    }

    public func settings(_ task: PlannedTask, _ model: ModelAssessment, _ context: PlanningContext) throws -> [String: JSONValue] {
        var g = model.genome
        g.learningRate = Float(Double(g.learningRate) * context.signals.learningRateScale)
        g.epochs = min(Genome.maxEpochs, max(1, Int((Double(max(g.epochs, Genome.cycleTrainingEpochs)) * context.signals.epochScale).rounded())))
        var settings: [String: JSONValue] = ["genome": try JSONValue(encoding: g), "validation_split": .number(0.1), "patience": .int(Self.patience),
                                             "learning_rate_drops": .int(Self.learningRateDrops)]
        if Self.restarts(model) { settings["restart"] = .bool(true) }
        return settings
    }

    /// Continue and start afresh take turns while candidates keep being turned down: after
    /// an odd number of training rejections in a row, the next task restarts.
    static func restarts(_ a: ModelAssessment) -> Bool { (a.recentRejections[type] ?? 0) % 2 == 1 }

    /// Epochs without a better held-out loss before the learning rate drops, or training stops.
    static let patience = 5
    static let learningRateDrops = 2

    /// The share of the task's time training may take; evaluating and writing the candidate need the rest.
    static let trainingShare = 0.85

    public func validate(_ settings: TaskSettings) throws {
        _ = try settings.genome("genome")
        _ = try settings.bool("restart")
    }

    public func run(_ inputs: TaskInputs) throws -> ModelArchive {
        let s = inputs.task.settings
        let g = try s.genome("genome")
        var request = TrainingRequest(train: inputs.train, genome: g)
        request.trainToTheEnd(validationSplit: try s.double("validation_split") ?? 0.1, patience: try s.int("patience") ?? Self.patience,
                              learningRateDrops: try s.int("learning_rate_drops") ?? 0, deadline: inputs.deadline)
        request.seed = inputs.task.seed
        request.id = inputs.task.model
        request.datasetSHA256 = inputs.spec.train.sha256
        request.commandLine = inputs.commandLine
        request.replaces = inputs.parent
        // Continue the champion when it already has the genome's shape, unless told to restart.
        if try s.bool("restart") != true, let parent = inputs.parent, parent.model.hidden == g.hidden, parent.model.layers.first?.activation == g.activation,
           parent.manifest.quantization == nil, parent.manifest.pruning == nil {
            request.initial = parent
            // A champion no epoch beats comes back unchanged, and the gate turns it down.
            request.initialIsCandidate = true
        }
        let check = inputs.checkBudget
        let (trained, result) = try TrainingJob.run(request) { _ in try check() }
        var archive = trained
        if result.reachedStopAt {
            archive.manifest.lineage.parameters = (archive.manifest.lineage.parameters ?? [:])
                .merging(["stopped": "time budget, after epoch \(result.epochs.count) of \(g.epochs)"]) { $1 }
        }
        return archive
    }
}

extension TaskType {
    public static let training: TaskType = "training"
}

extension TrainingRequest {
    /// How the cycle trains (README, "The cycle", step 5): until the held-out part stops
    /// improving, with finer steps from the best weights after each plateau, and out of
    /// time with its best epoch rather than with nothing.
    mutating func trainToTheEnd(validationSplit: Double = 0.1, patience: Int = TrainingKind.patience,
                                learningRateDrops: Int = TrainingKind.learningRateDrops, deadline: ContinuousClock.Instant) {
        self.validationSplit = validationSplit
        self.patience = patience
        self.learningRateDrops = learningRateDrops
        stopAt = .now + (deadline - .now) * TrainingKind.trainingShare
    }
}
