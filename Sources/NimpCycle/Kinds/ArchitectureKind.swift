import Foundation
import NimpCore
import NimpIO
import NimpOperators
import NimpRegistry

/// Search genomes (depth, widths, activation, learning rate…) with the evolutionary
/// search of `nimp evolve` when the model is short of its target: at full priority once
/// training has plateaued, at `beforePlateau` of it before.
public struct ArchitectureKind: ImprovementKind {
    public static let type = TaskType.architecture
    public var type: TaskType { Self.type }
    public var configSwitch: String? { "genetic_architecture_search" }
    public func isEnabled(_ config: RegistryConfig) -> Bool { config.geneticArchitectureSearch }

    /// Search is expensive: stress (cortisol) holds it back.
    public func modulation(_ signals: SignalState) -> Double {
        (1 + signals.levels.dopamine * (signals.reward[type.rawValue] ?? 0)) * (1 - 0.5 * signals.levels.cortisol)
    }

    public func propose(_ a: ModelAssessment, _ context: PlanningContext) -> [Proposal] {
        guard let q = context.qualityGap(a), q.gap > 0 else { return [] }
        var reasons = [String(format: "%@ %.4g on held-out data, target %.4g: gap %.3f", q.metric, q.value, q.target, q.gap)]
        var boost = 1.0, triggers: [String] = []
        if context.isPlateau(a) {
            let gains = a.recentTrainingGains.suffix(PlanningContext.plateauLength).map { String(format: "%.3f", $0) }.joined(separator: ", ")
            reasons.append("plateau: last training gains \(gains) below threshold \(context.threshold)")
            triggers.append("plateau")
        } else {
            // Without a plateau training comes first under the rules; the learning planner
            // may still find that search pays more per CPU-second (a tiny champion's does).
            boost = Self.beforePlateau
            reasons.append(String(format: "no plateau yet: architecture search at %.2f of its priority", Self.beforePlateau))
        }
        if context.environment.triggers.contains("high_load") {
            boost *= 0.5
            reasons.append("high_load: architecture search at half priority, with a smaller population")
        }
        return [Proposal(metric: q.metric, gap: q.gap, reasons: reasons, boost: boost, triggers: triggers)]
    }

    /// Priority factor of a search proposed before training has plateaued.
    public static let beforePlateau = 0.25

    public func settings(_ task: PlannedTask, _ model: ModelAssessment, _ context: PlanningContext) throws -> [String: JSONValue] {
        let busy = context.environment.triggers.contains("high_load")
        let initial = context.environmentGenomes[context.environment.name] ?? model.genome
        return ["population": .int(busy ? 6 : 12), "generations": .int(busy ? 5 : 12), "initial": try JSONValue(encoding: initial),
                "holdout_fraction": .number(0.2), "epochs": .int(max(initial.epochs, Genome.cycleEpochs)), "patience": .int(Self.patience),
                "refit": .bool(true)]
    }

    /// Epochs without a better holdout loss before a genome's training stops.
    static let patience = 5

    public func validate(_ settings: TaskSettings) throws {
        _ = try settings.genome("initial")
        _ = try settings.bool("refit")
        if let e = try settings.int("epochs"), !(1...Genome.maxEpochs).contains(e) {
            throw settings.fail("epochs", "\(e), expected 1...\(Genome.maxEpochs)")
        }
    }

    public func run(_ inputs: TaskInputs) throws -> ModelArchive {
        let s = inputs.task.settings
        let (fit, holdout) = try TrainingJob.splitHoldout(inputs.train, fraction: try s.double("holdout_fraction") ?? 0.2, seed: inputs.task.seed)
        var request = EvolveRequest(train: fit, validation: holdout)
        request.population = try s.int("population") ?? 8
        request.generations = try s.int("generations") ?? 6
        request.budgetSeconds = inputs.task.budgetSeconds * Self.searchShare
        request.seed = inputs.task.seed
        request.initial = try s.genome("initial")
        // Cost counts against the default network, not against the champion: a champion of
        // two units would make every network that fits the data look a hundred times as costly.
        request.costReference = Genome()
        request.parent = inputs.parent
        request.latencySamples = 300
        request.patience = try s.int("patience")
        request.id = inputs.task.model
        request.datasetSHA256 = inputs.spec.train.sha256
        request.commandLine = inputs.commandLine
        request.space = GenomeSpace(epochs: try s.int("epochs") ?? max(1, inputs.spec.genome.epochs))
        let evolved = try Evolution.run(request) { _ in }
        guard try s.bool("refit") ?? false, let epochs = evolved.best.bestEpoch else { return evolved.archive }
        do {
            return try refit(evolved, epochs: epochs, inputs)
        } catch is BudgetExceeded {
            return evolved.archive  // out of time: the search's winner stands
        }
    }

    /// The share of the task's budget the search may plan its generations by; the rest is
    /// for the refit.
    static let searchShare = 0.8

    /// The winner trained afresh as a training task trains: on the training rows but a
    /// tenth held out (the search held a fifth out to rank genomes), until that tenth stops
    /// improving, not only for the epochs that ranked it. A champion trained to the bottom
    /// of its valley would beat any genome that had only its search's epochs.
    /// The gate judges the result.
    func refit(_ evolved: EvolveResult, epochs: Int, _ inputs: TaskInputs) throws -> ModelArchive {
        var genome = evolved.best.genome
        genome.epochs = max(epochs, Genome.cycleTrainingEpochs)
        var job = TrainingRequest(train: inputs.train, genome: genome)
        job.trainToTheEnd(deadline: inputs.deadline)
        job.seed = inputs.task.seed
        job.id = inputs.task.model
        job.datasetSHA256 = inputs.spec.train.sha256
        let check = inputs.checkBudget
        let (trained, result) = try TrainingJob.run(job) { _ in try check() }
        var archive = trained
        var lineage = evolved.archive.manifest.lineage
        lineage.parameters?["refit"] = "\(inputs.train.count) rows, a tenth held out to stop, \(result.epochs.count) epochs (best \(result.bestEpoch))"
        archive.manifest.lineage = lineage
        // Its quality on rows it trained on says nothing; the gate measures it.
        archive.manifest.metrics = ["epochs": Double(result.epochs.count), "fitness": evolved.best.fitness]
        // What the next search starts from: the epochs this one needed, not the ceiling.
        archive.manifest.genome?.epochs = max(1, result.bestEpoch)
        return archive
    }
}

extension TaskType {
    public static let architecture: TaskType = "architecture"
}
