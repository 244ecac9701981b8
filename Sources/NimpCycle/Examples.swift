import Foundation
import NimpCore
import NimpIO
import NimpOperators
import NimpRegistry

/// The example registry of `nimp registry init --examples`: the four signal models,
/// each with a generated training set, held-out eval and audit sets from other seeds, targets,
/// and a first champion that is deliberately small and under-trained so that cycles
/// have real work — plus `dopamine-small`, a smaller twin that shares dopamine's eval
/// set, so the cycle can distil the better model into the smaller one.
///
/// The targets are chosen to exercise every task type: quality gaps (training, and
/// architecture search once training plateaus on serotonin's tighter target), a size
/// target on cortisol (optimization), and a better peer for dopamine-small
/// (distillation).
public enum Examples {
    public struct Spec: Sendable {
        public var id: String
        public var generator: SignalGenerator
        public var targets: [String: Double]
        public var constraints: [String: Double] = ["max_parameters": 5000]
        public var genome = Genome(hidden: [16, 16], activation: .relu, learningRate: 3e-3, batchSize: 64, optimizer: .adam, epochs: 5)
        /// Data seeds; models with the same seeds share their datasets.
        public var trainSeed: UInt64
        public var evalSeed: UInt64
    }

    public static let trainSamples = 4000
    public static let evalSamples = 2000
    /// The first champion of every example: one small hidden layer, few epochs.
    public static let firstGenome = Genome(hidden: [4], activation: .tanh, learningRate: 1e-2, batchSize: 64, optimizer: .adam, epochs: 3)

    public static let models: [Spec] = [
        Spec(id: "dopamine", generator: .dopamine, targets: ["r2": 0.995], trainSeed: 100, evalSeed: 900),
        Spec(id: "cortisol", generator: .cortisol, targets: ["r2": 0.99, "parameters": 250], trainSeed: 101, evalSeed: 901),
        Spec(id: "serotonin", generator: .serotonin, targets: ["r2": 0.998], trainSeed: 102, evalSeed: 902),
        Spec(id: "growth", generator: .growth, targets: ["r2": 0.995], trainSeed: 103, evalSeed: 903),
        Spec(id: "dopamine-small", generator: .dopamine, targets: ["r2": 0.99], constraints: ["max_parameters": 200],
             genome: Genome(hidden: [8, 8], activation: .relu, learningRate: 3e-3, batchSize: 64, optimizer: .adam, epochs: 5),
             trainSeed: 100, evalSeed: 900),
    ]

    /// Adds the example models to `registry`, skipping those already there. Returns
    /// the ids added.
    @discardableResult
    public static func seed(into registry: Registry, log: (String) -> Void = { _ in }) throws -> [String] {
        var added: [String] = []
        for (n, example) in models.enumerated() {
            let id = example.id
            if registry.hasModel(id) { continue }
            let train = example.generator.generate(samples: trainSamples, seed: example.trainSeed)
            let eval = example.generator.generate(samples: evalSamples, seed: example.evalSeed)
            let audit = example.generator.generate(samples: evalSamples, seed: example.evalSeed + 50)
            var request = TrainingRequest(train: train, genome: firstGenome)
            request.id = id
            request.seed = UInt64(n + 1)
            request.commandLine = ["nimp", "registry", "init", "--examples"]
            let trainBytes = DatasetIO.encode(train, format: .safetensors)
            request.datasetSHA256 = SHA256.hex(trainBytes)
            let (archive, _) = try TrainingJob.run(request)
            let declaration = ModelDeclaration(
                task: .regression, source: DataSource(.generator(example.generator.rawValue), samples: trainSamples),
                targets: example.targets, constraints: example.constraints, genome: example.genome,
                description: "surrogate of the \(example.generator.signalName) signal (\(example.generator.rawValue)), an example model")
            let result = try ModelAddition(id: id, archive: archive, origin: "the example \(id)")
                .addModel(to: registry, declaration: declaration, train: .init(bytes: trainBytes, set: train), eval: .init(eval),
                          audit: .init(audit), warn: log)
            log(String(format: "added %@: r2 %.3f on %d held-out samples (targets %@)", id, result.heldOut["r2"] ?? .nan, eval.count,
                       example.targets.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
            added.append(id)
        }
        return added
    }
}
