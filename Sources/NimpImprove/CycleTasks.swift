import Foundation
import NimpCore
import NimpIO
import NimpRegistry

/// A task ran out of its time budget.
struct BudgetExceeded: Error {
    var seconds: Double
}

/// Runs one planned task and returns the candidate archive: the same library code as
/// `nimp train`, `optimize`, `evolve` and `distill`.
struct TaskRunner {
    let registry: Registry
    let brain: BrainState
    let models: [String: AssessedModel]
    let iteration: Int
    let commandLine: [String]

    /// Training data for `model`: the registry's training set, plus fresh samples when
    /// the model's data comes from a built-in generator (the "expensive calculation"
    /// is asked for more labels each cycle).
    func trainingData(_ model: AssessedModel) throws -> Dataset {
        let path = registry.layout.resolve(model.spec.train.path)
        // Read as the champion reads data, so a fresh model keeps its schema and classes.
        let contract = try champion(model).map { DataContract(model: $0.model, owner: "the champion of \(model.id)") }
        var train = try contract.map { try DatasetIO.load(path: path, for: $0) } ?? DatasetIO.load(path: path)
        if let source = model.spec.source, case .generator(let name) = source.kind, let generator = try? SignalGenerator(name: name) {
            let fresh = generator.generate(samples: source.samples ?? train.count, seed: seed(model.id) ^ 0xF2E5)
            train = Dataset.concatenate(train, try DatasetIO.conform(fresh, to: DataContract(dataset: train, owner: "the training set of \(model.id)")))
        }
        return train
    }

    func seed(_ id: String) -> UInt64 {
        var h: UInt64 = 1469598103934665603
        for b in id.utf8 { h = (h ^ UInt64(b)) &* 1099511628211 }
        return h ^ UInt64(iteration) &* 0x9E3779B97F4A7C15
    }

    func champion(_ model: AssessedModel) throws -> ModelArchive? {
        if let a = model.champion { return a }
        guard let v = model.championVersion else { return nil }
        return try registry.archive(model.id, version: v)
    }

    func run(_ task: PlannedTask, budget: Double) throws -> ModelArchive {
        guard let model = models[task.model] else { throw NimpError(.failure, "model \(task.model) vanished") }
        let start = Date()
        func checkBudget() throws {
            let elapsed = Date().timeIntervalSince(start)
            if elapsed > budget { throw BudgetExceeded(seconds: elapsed) }
        }
        let train = try trainingData(model)
        let parent = try champion(model)
        let commandLine = commandLine + ["#", "cycle \(iteration) \(task.type.rawValue) \(task.model)"]
        switch task.type {
        case .training:
            var g = model.spec.genome
            g.learningRate = Float(Double(g.learningRate) * brain.signals.learningRateScale)
            g.epochs = max(1, Int((Double(g.epochs) * brain.signals.epochScale).rounded()))
            var request = TrainingRequest(train: train, genome: g)
            request.validationSplit = 0.1
            request.patience = 3
            request.seed = seed(model.id)
            request.id = model.id
            request.datasetSHA256 = model.spec.train.sha256
            request.commandLine = commandLine
            request.replaces = parent
            // Continue the champion when it already has the genome's shape.
            if let parent, parent.model.hidden == g.hidden, parent.model.layers.first?.activation == g.activation,
               parent.manifest.quantization == nil, parent.manifest.pruning == nil {
                request.initial = parent
            }
            return try TrainingJob.run(request) { _ in try checkBudget() }.archive
        case .optimization:
            guard let parent else { throw NimpError(.failure, "\(model.id) has no champion to optimize") }
            var request = OptimizeRequest(parent: parent)
            request.train = train
            if task.metric == "bytes" {
                request.quantize = .int8
            } else {
                request.pruneNeurons = 0.75
                request.maxQualityDrop = Gate.qualityTolerance
                request.steps = 4
                request.epochs = 3
            }
            request.seed = seed(model.id)
            request.latencySamples = 300
            request.id = model.id
            request.datasetSHA256 = model.spec.train.sha256
            request.commandLine = commandLine
            return try ModelOptimizer.run(request) { _ in try checkBudget() }.archive
        case .architecture:
            let (fit, holdout) = try TrainingJob.splitHoldout(train, fraction: 0.2, seed: seed(model.id))
            var request = EvolveRequest(train: fit, validation: holdout)
            let busy = brain.environment.triggers.contains("high_load")
            request.population = busy ? 4 : 8
            request.generations = busy ? 3 : 6
            request.budgetSeconds = budget
            request.seed = seed(model.id)
            request.initial = brain.environmentGenomes[brain.environment.name] ?? model.spec.genome
            request.parent = parent
            request.latencySamples = 300
            request.id = model.id
            request.datasetSHA256 = model.spec.train.sha256
            request.commandLine = commandLine
            request.space = GenomeSpace(epochs: max(1, model.spec.genome.epochs))
            return try Evolution.run(request) { _ in }.archive
        case .distillation:
            guard let teacherID = task.teacher, let teacherModel = models[teacherID], let teacher = try champion(teacherModel) else {
                throw NimpError(.failure, "distillation teacher \(task.teacher ?? "?") has no champion")
            }
            var request = DistillRequest(teacher: teacher, train: train)
            request.student = parent
            request.hidden = model.spec.genome.hidden
            request.activation = model.spec.genome.activation
            request.epochs = max(5, model.spec.genome.epochs * 2)
            request.batchSize = model.spec.genome.batchSize
            request.learningRate = model.spec.genome.learningRate
            request.augment = train.count
            request.validationSplit = 0.1
            request.seed = seed(model.id)
            request.latencySamples = 300
            request.id = model.id
            request.teacherName = "\(teacherID)@\(teacherModel.championVersion.map(VersionName.label) ?? "?")"
            request.datasetSHA256 = model.spec.train.sha256
            request.commandLine = commandLine
            return try Distiller.run(request) { _ in try checkBudget() }.archive
        }
    }
}

extension Dataset {
    /// The rows of `a` then `b` (same features and targets).
    static func concatenate(_ a: Dataset, _ b: Dataset) -> Dataset {
        var x = a.x
        x.rows += b.x.rows
        x.data += b.x.data
        let y: Targets
        switch (a.y, b.y) {
        case (.values(var ma), .values(let mb)):
            ma.rows += mb.rows
            ma.data += mb.data
            y = .values(ma)
        case (.classes(let ca), .classes(let cb)):
            y = .classes(ca + cb)
        default:
            return a
        }
        return Dataset(x: x, y: y, featureNames: a.featureNames, targetNames: a.targetNames, source: a.source, seed: a.seed)
    }
}
