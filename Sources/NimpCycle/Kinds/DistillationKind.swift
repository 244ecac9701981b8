import Foundation
import NimpCore
import NimpIO
import NimpOperators
import NimpRegistry

/// Learn from a better model on the same eval set (same task): the student keeps its
/// own genome and is trained on the teacher's outputs.
public struct DistillationKind: ImprovementKind {
    public static let type = TaskType.distillation
    public var type: TaskType { Self.type }
    public var configSwitch: String? { "cross_model_distillation" }
    public func isEnabled(_ config: RegistryConfig) -> Bool { config.crossModelDistillation }

    public func propose(_ a: ModelAssessment, _ context: PlanningContext) -> [Proposal] {
        let q = a.qualityMetric
        guard let value = a.metrics[q] else { return [] }
        guard let best = context.bestPeer(of: a) else { return [] }
        let gain = MetricKind.relativeGain(q, old: value, new: best.value)
        guard gain >= context.threshold else { return [] }
        let text = String(format: "%@ has %@ %.4g vs %.4g on the same eval set (sha256 %@…): relative gain %.3f",
                          best.id, q, best.value, value, String(a.evalSHA256.prefix(12)), gain)
        return [Proposal(metric: q, gap: min(1, gain), reasons: [text], teacher: best.id, triggers: ["better_peer"])]
    }

    public func settings(_ task: PlannedTask, _ model: ModelAssessment, _ context: PlanningContext) throws -> [String: JSONValue] {
        let g = model.genome
        return ["hidden": .array(g.hidden.map { .int($0) }), "activation": .string(g.activation.rawValue),
                "epochs": .int(max(5, g.epochs * 2)), "batch_size": .int(g.batchSize),
                "learning_rate": .number(Double(g.learningRate)), "validation_split": .number(0.1)]
    }

    public func run(_ inputs: TaskInputs) throws -> ModelArchive {
        guard let teacher = inputs.teacher, let ref = inputs.task.teacher else {
            throw NimpError(.failure, "distillation of \(inputs.task.model) names no teacher")
        }
        let s = inputs.task.settings
        var request = DistillRequest(teacher: teacher, train: inputs.train)
        request.student = inputs.parent
        request.hidden = try s.decode([Int].self, "hidden")
        request.activation = try s.decode(Activation.self, "activation")
        request.epochs = try s.int("epochs") ?? 10
        request.batchSize = try s.int("batch_size") ?? 32
        request.learningRate = Float(try s.double("learning_rate") ?? 0.01)
        request.augment = inputs.train.count
        request.validationSplit = try s.double("validation_split") ?? 0.1
        request.seed = inputs.task.seed
        request.latencySamples = 300
        request.id = inputs.task.model
        request.teacherName = "\(ref.model)@\(VersionName.label(ref.version))"
        request.datasetSHA256 = inputs.spec.train.sha256
        request.commandLine = inputs.commandLine
        let check = inputs.checkBudget
        return try Distiller.run(request) { _ in try check() }.archive
    }
}

extension TaskType {
    public static let distillation: TaskType = "distillation"
}
