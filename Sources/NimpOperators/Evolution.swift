import Foundation
import NimpCore
import NimpIO

/// What a genome's network costs, for the fitness penalty.
public enum CostKind: String, Codable, Sendable, CaseIterable {
    /// Parameter count: deterministic, so a seed reproduces the search.
    case parameters
    /// Measured single-sample p50 latency: real, but timing noise can change the
    /// ranking between runs.
    case latency
}

/// What `nimp evolve` and the cycle's architecture tasks need.
public struct EvolveRequest: Sendable {
    public var train: Dataset
    /// Held-out data the fitness is measured on.
    public var validation: Dataset
    public var population: Int = 12
    /// The search stops after this many generations (generation 0 included)…
    public var generations: Int = 10
    /// …or earlier, before a generation that would likely end after this many seconds
    /// (judged by the previous generation's duration). Generations always run whole.
    public var budgetSeconds: Double?
    public var seed: UInt64 = 1
    /// fitness = quality − costWeight × cost / cost of the reference genome.
    public var costWeight: Double = 0.02
    public var cost: CostKind = .parameters
    public var tournamentSize: Int = 3
    /// The best this many of a generation pass to the next unchanged.
    public var elites: Int = 2
    /// Chance that a child is a crossover of two parents rather than a mutant of one.
    public var crossoverRate: Double = 0.5
    public var space = GenomeSpace()
    /// Warm start: the first genome of generation 0 (default: `Genome()` with the
    /// space's epochs), also the reference for the cost unless `costReference` is given.
    public var initial: Genome?
    /// The genome whose cost is 1. A tiny warm start would make every larger network look
    /// many times as costly, and hold the search to networks too small for the data.
    public var costReference: Genome?
    /// The model the search improves on: its lineage parent and comparison baseline.
    public var parent: ModelArchive?
    public var latencySamples: Int = 2000
    /// Stop a genome's training after this many epochs without a better validation loss
    /// (its best epoch is kept either way); nil trains every epoch.
    public var patience: Int?
    public var id: String?
    public var datasetSHA256: String?
    public var commandLine: [String] = []

    public init(train: Dataset, validation: Dataset) {
        self.train = train
        self.validation = validation
    }
}

/// One evaluated genome.
public struct Individual: Sendable {
    public var genome: Genome
    public var fitness: Double
    /// Held-out R² or accuracy; nil when training failed.
    public var quality: Double?
    /// Cost relative to the reference genome (1 = as costly).
    public var cost: Double
    public var parameters: Int
    public var archive: ModelArchive?
    /// The epoch of the lowest validation loss, whose weights `archive` holds.
    public var bestEpoch: Int?
}

/// One generation, as the JSON line `evolve` prints.
public struct GenerationReport: Codable, Sendable, Equatable {
    public var generation: Int
    public var bestFitness: Double
    public var medianFitness: Double
    public var metric: String
    public var bestQuality: Double?
    public var bestParameters: Int
    public var bestGenome: Genome
    /// Genomes trained in this generation (the others were known already).
    public var trained: Int
    public var elapsedSeconds: Double

    enum CodingKeys: String, CodingKey {
        case generation, metric, trained
        case bestFitness = "best_fitness"
        case medianFitness = "median_fitness"
        case bestQuality = "best_quality"
        case bestParameters = "best_parameters"
        case bestGenome = "best_genome"
        case elapsedSeconds = "elapsed_s"
    }

    public func jsonLine() throws -> String { try jsonLineOf(self) }
}

public struct EvolveResult: Sendable {
    /// The best individual's model, lineage `evolve`, genome in the manifest.
    public var archive: ModelArchive
    public var best: Individual
    public var generations: [GenerationReport]
    /// The winner against the parent, or against the reference genome's model when
    /// there is no parent.
    public var comparison: Comparison
}

/// Genetic architecture search: tournament selection, crossover, mutation, elitism.
///
/// Reproducible: every random choice comes from one RNG seeded by `seed`, every genome
/// trains with the same seed, a genome seen before is not trained again, and the time
/// budget only decides how many whole generations run, so a run with a larger budget
/// repeats a shorter run's generations before going on. Elitism means the best fitness
/// never falls from one generation to the next.
public enum Evolution {
    public static func run(_ request: EvolveRequest, onGeneration: (GenerationReport) throws -> Void = { _ in }) throws -> EvolveResult {
        guard request.population >= 2 else { throw NimpError.usage("the population must be at least 2", parameters: [.population]) }
        guard request.generations >= 1 else { throw NimpError.usage("the generations must be at least 1", parameters: [.generations]) }
        guard request.costWeight >= 0, request.costWeight.isFinite else { throw NimpError.usage("the cost weight must be a non-negative number", parameters: [.costWeight]) }
        let train = request.train, validation = request.validation
        guard train.count > 0, validation.count > 0 else { throw NimpError(.dataError, "\(train.source): evolve needs non-empty training and validation sets") }
        guard validation.features == train.features, validation.task == train.task,
              train.task == .classification || validation.outputs == train.outputs else {
            throw NimpError(.dataError, "\(validation.source): validation data does not match the training data (features, task or outputs)")
        }
        if let parent = request.parent { try ModelOptimizer.checkCompatible(train, parent.model) }

        let space = request.space
        let reference = space.legal(request.initial ?? Genome(epochs: space.epochs))
        let metric = QualityScore.name(for: train.task)
        var coster = Coster(kind: request.cost, inputs: train.features, outputs: train.outputs,
                            reference: request.costReference.map(space.legal) ?? reference,
                            normalizer: fitNormalizer(train.x), task: train.task, data: validation)
        var known: [Genome: Individual] = [:]
        func evaluate(_ genome: Genome) -> (Individual, trained: Bool) {
            if let seen = known[genome] { return (seen, false) }
            let individual = train1(genome, request: request, metric: metric, coster: &coster)
            known[genome] = individual
            return (individual, true)
        }

        var rng = RNG(seed: request.seed)
        var genomes = [reference]
        var attempts = 0
        while genomes.count < request.population {
            attempts += 1
            let candidate = request.initial != nil && genomes.count <= request.population / 2
                ? space.mutate(reference, &rng) : space.random(&rng)
            if !genomes.contains(candidate) || attempts > request.population * 10 { genomes.append(candidate) }
        }

        let start = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        var reports: [GenerationReport] = []
        var population: [Individual] = []
        var lastDuration = 0.0
        for generation in 0..<request.generations {
            if generation > 0 {
                if let budget = request.budgetSeconds, elapsed() + lastDuration > budget { break }
                if Interruption.requested != nil { break }
                genomes = nextGenomes(ranked(population), request: request, rng: &rng)
            }
            let generationStart = elapsed()
            var trained = 0
            population = genomes.map { g in
                let (individual, isNew) = evaluate(g)
                if isNew { trained += 1 }
                return individual
            }
            lastDuration = elapsed() - generationStart
            let order = ranked(population)
            let fitnesses = population.map(\.fitness).sorted()
            let median = fitnesses.count % 2 == 1 ? fitnesses[fitnesses.count / 2]
                : (fitnesses[fitnesses.count / 2 - 1] + fitnesses[fitnesses.count / 2]) / 2
            let best = order[0]
            let report = GenerationReport(generation: generation, bestFitness: best.fitness, medianFitness: median, metric: metric,
                                          bestQuality: best.quality, bestParameters: best.parameters, bestGenome: best.genome,
                                          trained: trained, elapsedSeconds: (elapsed() * 1000).rounded() / 1000)
            reports.append(report)
            try onGeneration(report)
        }

        let best = ranked(population)[0]
        guard var archive = best.archive else {
            throw NimpError(.failure, "evolve: no genome trained successfully", hint: "check the data for NaNs or extreme values; try a smaller learning-rate range")
        }
        let parent = request.parent
        archive.manifest.lineage = Manifest.Lineage(
            operation: "evolve", parent: parent?.manifest.version, parentSha256: parent.flatMap { $0.sha256.isEmpty ? nil : $0.sha256 },
            datasetSha256: request.datasetSHA256, seed: request.seed, commandLine: request.commandLine,
            parameters: ["population": "\(request.population)", "generations": "\(reports.count)",
                         "cost": request.cost.rawValue, "cost_weight": "\(request.costWeight)",
                         "fitness": "\(best.fitness)", "budget_seconds": request.budgetSeconds.map { "\($0)" } ?? "none"],
            kernels: BLASKernel.summary)
        archive.manifest.id = request.id ?? parent?.manifest.id
        archive.manifest.genome = best.genome
        archive.manifest.metrics["fitness"] = best.fitness
        let baseline = parent ?? known[reference]?.archive ?? archive
        let comparison = try ModelComparer.compare(operation: "evolve", parent: baseline, result: archive, on: validation,
                                                   latencySamples: request.latencySamples)
        return EvolveResult(archive: archive, best: best, generations: reports, comparison: comparison)
    }

    /// Best first: higher fitness, then fewer parameters, then the earlier one.
    static func ranked(_ population: [Individual]) -> [Individual] {
        population.enumerated().sorted { a, b in
            if a.element.fitness != b.element.fitness { return a.element.fitness > b.element.fitness }
            if a.element.parameters != b.element.parameters { return a.element.parameters < b.element.parameters }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// Elites, then children of tournament winners until the population is full.
    static func nextGenomes(_ ranked: [Individual], request: EvolveRequest, rng: inout RNG) -> [Genome] {
        let space = request.space
        var next = ranked.prefix(min(request.elites, request.population - 1)).map(\.genome)
        var attempts = 0
        while next.count < request.population {
            let a = tournament(ranked, size: request.tournamentSize, rng: &rng)
            var child: Genome
            if Double(rng.uniform()) < request.crossoverRate {
                let b = tournament(ranked, size: request.tournamentSize, rng: &rng)
                child = space.crossover(a.genome, b.genome, &rng)
                if child == a.genome || child == b.genome { child = space.mutate(child, &rng) }
            } else {
                child = space.mutate(a.genome, &rng)
            }
            attempts += 1
            if !next.contains(child) || attempts > request.population * 10 { next.append(child) }
        }
        return next
    }

    /// The best of `size` individuals drawn with replacement (`ranked` is best first, so
    /// the smallest index wins).
    static func tournament(_ ranked: [Individual], size: Int, rng: inout RNG) -> Individual {
        var winner = ranked.count - 1
        for _ in 0..<max(1, size) { winner = min(winner, rng.int(below: ranked.count)) }
        return ranked[winner]
    }

    static func train1(_ genome: Genome, request: EvolveRequest, metric: String, coster: inout Coster) -> Individual {
        let parameters = GenomeSpace.parameters(of: genome, inputs: request.train.features, outputs: request.train.outputs)
        let cost = coster.cost(of: genome)
        var job = TrainingRequest(train: request.train, genome: genome)
        job.validation = request.validation
        job.patience = request.patience
        job.seed = request.seed
        job.id = request.id
        job.datasetSHA256 = request.datasetSHA256
        guard let (archive, result) = try? TrainingJob.run(job),
              let quality = archive.manifest.metrics[metric], quality.isFinite else {
            return Individual(genome: genome, fitness: -.infinity, quality: nil, cost: cost, parameters: parameters, archive: nil)
        }
        return Individual(genome: genome, fitness: quality - request.costWeight * cost, quality: quality, cost: cost,
                          parameters: parameters, archive: archive, bestEpoch: result.bestEpoch)
    }
}

/// A genome's cost relative to the reference genome's.
struct Coster {
    let kind: CostKind
    let inputs: Int, outputs: Int
    let reference: Genome
    let normalizer: Normalizer
    let task: Task
    let data: Dataset
    var referenceLatency: Double?

    init(kind: CostKind, inputs: Int, outputs: Int, reference: Genome, normalizer: Normalizer, task: Task, data: Dataset) {
        self.kind = kind
        self.inputs = inputs
        self.outputs = outputs
        self.reference = reference
        self.normalizer = normalizer
        self.task = task
        self.data = data
    }

    mutating func cost(of genome: Genome) -> Double {
        switch kind {
        case .parameters:
            return Double(GenomeSpace.parameters(of: genome, inputs: inputs, outputs: outputs))
                / Double(GenomeSpace.parameters(of: reference, inputs: inputs, outputs: outputs))
        case .latency:
            if referenceLatency == nil { referenceLatency = max(1e-3, latency(of: reference)) }
            return latency(of: genome) / referenceLatency!
        }
    }

    /// Single-sample p50 of an untrained network of this shape (latency does not
    /// depend on the weights' values).
    func latency(of genome: Genome) -> Double {
        var rng = RNG(seed: 1)
        let model = Model.initialized(task: task, inputs: inputs, hidden: genome.hidden, outputs: outputs,
                                      activation: genome.activation, normalizer: normalizer,
                                      featureNames: data.featureNames, targetNames: data.targetNames, rng: &rng)
        return Evaluator.singleSampleLatency(model, data: data, samples: 500).p50
    }
}
