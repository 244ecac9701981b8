import Foundation
import NimpCore
import NimpIO
import NimpOperators
import NimpRegistry

/// Search genomes (depth, widths, activation, learning rate…) with the evolutionary
/// search of `nimp evolve` when training has plateaued short of the target.
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
        guard let q = context.qualityGap(a), q.gap > 0, context.isPlateau(a) else { return [] }
        let gains = a.recentTrainingGains.suffix(PlanningContext.plateauLength).map { String(format: "%.3f", $0) }.joined(separator: ", ")
        var reasons = [String(format: "%@ %.4g on held-out data, target %.4g: gap %.3f", q.metric, q.value, q.target, q.gap),
                       "plateau: last training gains \(gains) below threshold \(context.threshold)"]
        var boost = 1.0
        if context.environment.triggers.contains("high_load") {
            boost = 0.5
            reasons.append("high_load: architecture search at half priority, with a smaller population")
        }
        return [Proposal(metric: q.metric, gap: q.gap, reasons: reasons, boost: boost, triggers: ["plateau"])]
    }

    public func settings(_ task: PlannedTask, _ model: ModelAssessment, _ context: PlanningContext) throws -> [String: JSONValue] {
        let busy = context.environment.triggers.contains("high_load")
        let initial = context.environmentGenomes[context.environment.name] ?? model.genome
        return ["population": .int(busy ? 4 : 8), "generations": .int(busy ? 3 : 6), "initial": try JSONValue(encoding: initial),
                "holdout_fraction": .number(0.2)]
    }

    public func validate(_ settings: TaskSettings) throws { _ = try settings.genome("initial") }

    public func run(_ inputs: TaskInputs) throws -> ModelArchive {
        let s = inputs.task.settings
        let (fit, holdout) = try TrainingJob.splitHoldout(inputs.train, fraction: try s.double("holdout_fraction") ?? 0.2, seed: inputs.task.seed)
        var request = EvolveRequest(train: fit, validation: holdout)
        request.population = try s.int("population") ?? 8
        request.generations = try s.int("generations") ?? 6
        request.budgetSeconds = inputs.task.budgetSeconds
        request.seed = inputs.task.seed
        request.initial = try s.genome("initial")
        request.parent = inputs.parent
        request.latencySamples = 300
        request.id = inputs.task.model
        request.datasetSHA256 = inputs.spec.train.sha256
        request.commandLine = inputs.commandLine
        request.space = GenomeSpace(epochs: max(1, inputs.spec.genome.epochs))
        return try Evolution.run(request) { _ in }.archive
    }
}

extension TaskType {
    public static let architecture: TaskType = "architecture"
}
