import Foundation
import NimpCore
import NimpIO
import NimpRegistry

/// The example registry of `nimp registry init --examples`: the four signal models,
/// each with a generated training set, a held-out eval set from another seed, targets,
/// and a first champion that is deliberately small and under-trained so that cycles
/// have real work.
public enum Examples {
    public struct Plan: Sendable {
        public var trainSamples = 4000
        public var evalSamples = 2000
        /// The first champion: one small hidden layer, few epochs.
        public var firstGenome = Genome(hidden: [4], activation: .tanh, learningRate: 1e-2, batchSize: 64, optimizer: "adam", epochs: 3)
        /// What the cycle's training tasks start from.
        public var genome = Genome(hidden: [16, 16], activation: .relu, learningRate: 3e-3, batchSize: 64, optimizer: "adam", epochs: 5)
        public var targets: [String: Double] = ["r2": 0.995]
        public var constraints: [String: Double] = ["max_parameters": 5000]
        public init() {}
    }

    /// Adds the four signal models to `registry`, skipping those already there.
    /// Returns the ids added.
    @discardableResult
    public static func seed(into registry: Registry, plan: Plan = Plan(), log: (String) -> Void = { _ in }) throws -> [String] {
        var added: [String] = []
        for (n, generator) in SignalGenerator.allCases.enumerated() {
            let id = generator.signalName
            if registry.hasModel(id) { continue }
            let train = generator.generate(samples: plan.trainSamples, seed: UInt64(100 + n))
            let eval = generator.generate(samples: plan.evalSamples, seed: UInt64(900 + n))
            var request = TrainingRequest(train: train, genome: plan.firstGenome)
            request.id = id
            request.seed = UInt64(n + 1)
            request.commandLine = ["nimp", "registry", "init", "--examples"]
            let trainBytes = DatasetIO.encode(train, format: .safetensors)
            request.datasetSHA256 = SHA256.hex(trainBytes)
            let (archive, _) = try TrainingJob.run(request)
            let report = try Evaluator.evaluate(archive.model, on: eval, archiveBytes: try archive.encode().count, latencySamples: 500, throughputSeconds: 0.05)
            let declaration = ModelDeclaration(
                task: .regression, source: DataSource(.generator(generator.rawValue), samples: plan.trainSamples),
                targets: plan.targets, constraints: plan.constraints, genome: plan.genome,
                description: "surrogate of the \(id) signal (\(generator.rawValue)), an example model")
            try registry.addModel(id, declaration: declaration, trainData: trainBytes,
                                  evalData: DatasetIO.encode(eval, format: .safetensors), first: archive,
                                  heldOut: report.metrics)
            log(String(format: "added %@: r2 %.3f on %d held-out samples (target %.2f)", id, report.quality.r2 ?? .nan, eval.count, plan.targets["r2"] ?? .nan))
            added.append(id)
        }
        return added
    }
}
