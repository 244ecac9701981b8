import Foundation
import NimpCore
import NimpIO
import NimpOperators
import NimpRegistry

/// Make the champion smaller or faster: int8 for size, neuron pruning with fine-tuning
/// for latency and parameters. Comes first when the champion breaks a hard constraint.
public struct OptimizationKind: ImprovementKind {
    public static let type = TaskType.optimization
    public var type: TaskType { Self.type }

    /// Cortisol (stress) favours making models cheaper.
    public func modulation(_ signals: SignalState) -> Double {
        (1 + signals.levels.dopamine * (signals.reward[type.rawValue] ?? 0)) * (1 + signals.levels.cortisol)
    }

    public func propose(_ a: ModelAssessment, _ context: PlanningContext) -> [Proposal] {
        guard a.championVersion != nil else { return [] }
        var proposals: [Proposal] = []
        for metric in MetricKind.cost {
            guard let value = a.metrics[metric] else { continue }
            var limits: [(Double, String)] = []
            if let t = a.targets[metric] { limits.append((t, "target")) }
            for (name, bounded) in ModelSpec.constraintMetrics.sorted(by: { $0.key < $1.key }) where bounded == metric {
                if let c = a.constraints[name] { limits.append((c, "constraint " + name)) }
            }
            for (limit, what) in limits {
                let gap = MetricKind.gap(metric, value: value, target: limit)
                guard gap > 0 else { continue }
                let text = String(format: "%@ %.4g, %@ %.4g: gap %.3f", metric, value, what, limit, gap)
                if what.hasPrefix("constraint") {
                    // Over a hard constraint: compressing comes before anything else.
                    proposals.append(Proposal(metric: metric, gap: gap, reasons: [text, "over a constraint: meeting it comes first"],
                                              boost: 1 + 1 / gap, triggers: ["constraint"]))
                } else {
                    proposals.append(Proposal(metric: metric, gap: gap, reasons: [text]))
                }
            }
        }
        return proposals
    }

    public func settings(_ task: PlannedTask, _ model: ModelAssessment, _ context: PlanningContext) throws -> [String: JSONValue] {
        if task.metric == "bytes" { return ["quantize": .string("int8")] }
        return ["prune_neurons": .number(0.75), "max_quality_drop": .number(Gate.qualityTolerance), "steps": .int(4), "epochs": .int(3)]
    }

    public func run(_ inputs: TaskInputs) throws -> ModelArchive {
        guard let parent = inputs.parent else { throw NimpError(.failure, "\(inputs.task.model) has no champion to optimize") }
        let s = inputs.task.settings
        var request = OptimizeRequest(parent: parent)
        request.train = inputs.train
        if let q = try s.string("quantize") {
            guard q == "int8" else { throw NimpError(.dataError, "settings.quantize is \(String(reflecting: q)); expected \"int8\"") }
            request.quantize = .int8
        }
        if let p = try s.double("prune_neurons") {
            request.pruneNeurons = p
            request.maxQualityDrop = try s.double("max_quality_drop") ?? Gate.qualityTolerance
            request.steps = try s.int("steps") ?? 4
            request.epochs = try s.int("epochs") ?? 3
        }
        request.seed = inputs.task.seed
        request.latencySamples = 300
        request.id = inputs.task.model
        request.datasetSHA256 = inputs.spec.train.sha256
        request.commandLine = inputs.commandLine
        let check = inputs.checkBudget
        return try ModelOptimizer.run(request) { _ in try check() }.archive
    }
}

extension TaskType {
    public static let optimization: TaskType = "optimization"
}
