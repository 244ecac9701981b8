import ArgumentParser
import Foundation
import NimpCore
import NimpIO
import NimpOperators

struct Evolve: NimpCommand {
    static let configuration = CommandConfiguration(
        abstract: "Search for a better architecture and training setup with a genetic algorithm.",
        discussion: """
            Genomes (depth, widths, activation, learning rate, batch size, optimizer) are \
            trained on --data and scored on --validation: fitness = R² (regression) or \
            accuracy (classification) − --cost-weight × cost, the cost relative to the \
            first genome's (--init, else 64,64). Tournament selection, crossover, mutation \
            and elitism; one JSON line per generation, then one comparing the winner with \
            the --init model (or the first genome's model). The search runs --generations \
            generations, or fewer when --budget-seconds would be exceeded; generations run \
            whole, so with --cost parameters the same --seed gives the same generations, \
            and a budget only decides how many of them run.
            """)

    @Option(help: ArgumentHelp("Training dataset.", valueName: "dataset"), completion: .file())
    var data: String

    @Option(help: ArgumentHelp("Held-out dataset the fitness is measured on.", valueName: "dataset"), completion: .file())
    var validation: String?

    @Option(help: "Hold out this fraction of --data when --validation is absent.")
    var validationSplit: Double?

    @Option(help: "Wall-time budget: no generation starts that would likely end after it.")
    var budgetSeconds: Double?

    @Option(help: "Genomes per generation.")
    var population: Int = 12

    @Option(help: "Generations to run (default 10; with --budget-seconds, until the budget is spent).")
    var generations: Int?

    @Option(help: "Random seed: the same seed reproduces the search.")
    var seed: UInt64 = 1

    @Option(help: "Weight of the relative cost in the fitness.")
    var costWeight: Double = 0.02

    @Option(help: "What a network costs: parameters (reproducible) or latency (measured).")
    var cost: CostKind = .parameters

    @Option(help: "Training epochs of every genome.")
    var epochs: Int = 20

    @Option(name: .customLong("init"), help: ArgumentHelp("Warm start from a genome JSON file or a model archive.", valueName: "GENOME.json|model.nimp"), completion: .file(extensions: ["json", "nimp"]))
    var initFrom: String?

    @Option(help: "Single-sample predictions timed for the latency comparison.")
    var latencySamples: Int = 2000

    @Option(help: "Model id recorded in the manifest.")
    var id: String?

    @Option(name: .shortAndLong, help: ArgumentHelp("The winner's model archive.", valueName: "out.nimp"), completion: .file())
    var output: String

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var columns: ColumnChoice
    @OptionGroup var outputOptions: OutputOptions

    func validate() throws {
        guard population >= 2 else { throw ValidationError("--population must be at least 2") }
        if let g = generations, g < 1 { throw ValidationError("--generations must be at least 1") }
        if let b = budgetSeconds, !(b > 0) { throw ValidationError("--budget-seconds must be positive") }
        guard costWeight >= 0, costWeight.isFinite else { throw ValidationError("--cost-weight must be a non-negative number") }
        guard epochs > 0 else { throw ValidationError("--epochs must be positive") }
        if validation == nil && validationSplit == nil { throw ValidationError("evolve needs held-out data: --validation VAL or --validation-split F") }
        if validation != nil && validationSplit != nil { throw ValidationError("give --validation or --validation-split, not both") }
        if let s = validationSplit, !(s > 0 && s < 1) { throw ValidationError("--validation-split must be between 0 and 1") }
    }

    func execute() throws {
        outputOptions.apply()
        InterruptedRun.begin()
        try OutputPath.check(output)
        var train = try dataOptions.fit(data, choice: columns)
        let held: Dataset
        if let validation {
            held = try dataOptions.load(validation, for: DataContract(dataset: train, owner: "the training data \(data)"))
        } else {
            (train, held) = try TrainingJob.splitHoldout(train, fraction: validationSplit!, seed: seed)
        }
        var request = EvolveRequest(train: train, validation: held)
        request.population = population
        request.generations = generations ?? (budgetSeconds == nil ? 10 : 1000)
        request.budgetSeconds = budgetSeconds
        request.seed = seed
        request.costWeight = costWeight
        request.cost = cost
        request.space = GenomeSpace(epochs: epochs)
        request.latencySamples = latencySamples
        request.id = id
        request.datasetSHA256 = try SHA256.hex(file: data)
        request.commandLine = CommandLine.arguments
        if let initFrom { (request.initial, request.parent) = try Self.warmStart(initFrom) }

        let progress = ProgressBar("evolve", total: generations ?? (budgetSeconds == nil ? request.generations : nil),
                                   unit: "generations", budgetSeconds: budgetSeconds)
        let result = try Evolution.run(request) { report in
            Console.sink.progress(progress, completed: report.generation + 1, detail: String(format: "best fitness %.4f", report.bestFitness))
            try Console.line(try report.jsonLine())
            Console.info(String(format: "generation %d: best fitness %.4f (%@ %.4f, %d parameters, hidden %@), median %.4f, %.1f s",
                                report.generation, report.bestFitness, report.metric, report.bestQuality ?? .nan,
                                report.bestParameters, report.bestGenome.hidden.map(String.init).joined(separator: ","),
                                report.medianFitness, report.elapsedSeconds))
        }
        Console.sink.endProgress()
        try InterruptedRun.write(result.archive, to: output)
        try Console.line(try result.comparison.jsonLine())
        Console.info("wrote \(output): hidden \(result.best.genome.hidden.map(String.init).joined(separator: ",")), "
                     + "\(result.best.parameters) parameters, fitness \(String(format: "%.4f", result.best.fitness))")
        try InterruptedRun.finish(output)
    }

    /// A genome JSON file, or a model archive (its genome, else its architecture) and the
    /// archive itself as the parent.
    static func warmStart(_ path: String) throws -> (Genome, ModelArchive?) {
        if path.hasSuffix(".json") {
            guard let bytes = FileManager.default.contents(atPath: path) else { throw NimpError.missing(path) }
            return (try JSONCoding.decode(Genome.self, from: bytes, file: path,
                                          hint: "a genome looks like {\"hidden\": [64, 64], \"activation\": \"relu\", \"learning_rate\": 0.001, \"batch_size\": 64, \"optimizer\": \"adam\", \"epochs\": 20}"), nil)
        }
        let archive = try ModelArchive.read(path: path)
        let model = archive.model
        let genome = archive.manifest.genome ?? Genome(hidden: model.hidden, activation: model.layers[0].activation)
        return (genome, archive)
    }
}

extension CostKind: ExpressibleByArgument {}
