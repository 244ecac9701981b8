import ArgumentParser
import Foundation
import NimpCore
import NimpIO
import NimpOperators
import NimpReport

struct Train: NimpCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a new model, or continue one, and write it as a model archive.",
        discussion: """
            Writes one JSON line of metrics per epoch to stdout (or --metrics FILE). Inputs \
            are standardised with statistics fitted on the training data and stored in the \
            model. A NaN/Inf or exploding loss stops the run with exit 65 and writes no archive.
            """)

    @Option(help: ArgumentHelp("Training dataset.", valueName: "dataset"), completion: .file())
    var data: String

    @Option(help: ArgumentHelp("Validation dataset (early stopping and the manifest's metrics).", valueName: "dataset"), completion: .file())
    var validation: String?

    @Option(help: "Hold out this fraction of --data for validation when --validation is absent.")
    var validationSplit: Double?

    @Option(help: ArgumentHelp("Hidden layer sizes.", valueName: "64,64"))
    var hidden: String = "64,64"

    @Option(help: "Activation of hidden layers: relu, leaky_relu, tanh, sigmoid, gelu, identity.")
    var activation: Activation = .relu

    @Option(help: "Passes over the training data.")
    var epochs: Int = 20

    @Option(help: "Samples per step.")
    var batchSize: Int = 64

    @Option(help: "Learning rate.")
    var learningRate: Float = 1e-3

    @Option(help: "adam, adamw or sgd (with momentum 0.9).")
    var optimizer: OptimizerKind = .adam

    @Option(help: "Weight decay (decoupled for adamw, L2 otherwise).")
    var weightDecay: Float = 0

    @Option(help: "Learning-rate schedule: constant or cosine.")
    var schedule: LRSchedule = .constant

    @Option(help: "Clip gradients to this global norm.")
    var clipNorm: Float?

    @Option(help: "Stop after this many epochs without a better validation loss; keep the best.")
    var patience: Int?

    @Option(help: "With --patience: when it runs out, go back to the best weights and on at a quarter of the learning rate, this many times, before stopping (the cycle's training tasks use 2).")
    var learningRateDrops: Int = 0

    @Option(help: "Random seed: the same seed reproduces a run bit for bit on the same machine.")
    var seed: UInt64 = 1

    @Option(name: .customLong("init"), help: ArgumentHelp("Continue training this archive.", valueName: "model.nimp"), completion: .file(extensions: ["nimp"]))
    var initFrom: String?

    @Option(help: "Model id recorded in the manifest.")
    var id: String?

    @Option(help: ArgumentHelp("Write per-epoch metrics here instead of stdout.", valueName: "file"), completion: .file())
    var metrics: String?

    @Option(name: .shortAndLong, help: ArgumentHelp("The model archive to write.", valueName: "model.nimp"), completion: .file())
    var output: String

    @Option(help: ArgumentHelp("Also draw the learning curve (training and validation loss per epoch) as SVG here.",
                               valueName: "curve.svg"), completion: .file())
    var plot: String?

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var columns: ColumnChoice
    @OptionGroup var outputOptions: OutputOptions

    static func parseHidden(_ text: String) throws -> [Int] {
        if text.isEmpty || text == "none" { return [] }
        let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("--hidden: expected positive sizes separated by commas, like 64,64; got '\(text)'")
        }
        return parts.map { $0! }
    }

    func validate() throws {
        _ = try Self.parseHidden(hidden)
        guard epochs > 0 else { throw ValidationError("--epochs must be positive") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--learning-rate must be a positive number") }
        if let s = validationSplit, !(s > 0 && s < 1) { throw ValidationError("--validation-split must be between 0 and 1") }
        if validation != nil && validationSplit != nil { throw ValidationError("give --validation or --validation-split, not both") }
        if let p = patience, p <= 0 { throw ValidationError("--patience must be positive") }
        if learningRateDrops < 0 { throw ValidationError("--learning-rate-drops must not be negative") }
        if learningRateDrops > 0, patience == nil || (validation == nil && validationSplit == nil) {
            throw ValidationError("--learning-rate-drops needs --patience and --validation or --validation-split")
        }
        // The bounds model.json's genomes have (2^31 units or 10^15 epochs would exhaust memory).
        let genome = Genome(hidden: try Self.parseHidden(hidden), activation: activation, learningRate: learningRate,
                            batchSize: batchSize, optimizer: optimizer, epochs: epochs)
        if let problem = genome.problem {
            let flag = problem.key.prefix { $0 != "[" }.replacingOccurrences(of: "_", with: "-")
            throw ValidationError("--\(flag): \(problem.message)")
        }
    }

    func execute() throws {
        outputOptions.apply()
        InterruptedRun.begin()
        for path in [output, plot, metrics].compactMap({ $0 }) { try OutputPath.check(path) }
        let initial = try initFrom.map { try ModelArchive.read(path: $0) }
        let train = try initial.map { try dataOptions.load(data, for: $0.model, name: initFrom!) } ?? dataOptions.fit(data, choice: columns)
        var request = TrainingRequest(train: train, genome: Genome(
            hidden: try Self.parseHidden(hidden), activation: activation, learningRate: learningRate,
            batchSize: batchSize, optimizer: optimizer, epochs: epochs))
        request.validation = try validation.map { try dataOptions.load($0, for: DataContract(dataset: train, owner: "the training data \(data)")) }
        request.validationSplit = validationSplit
        request.weightDecay = weightDecay
        request.schedule = schedule
        request.clipNorm = clipNorm
        request.patience = patience
        request.learningRateDrops = learningRateDrops
        request.seed = seed
        request.initial = initial
        request.id = id
        request.datasetSHA256 = try? SHA256.hex(file: data)
        request.commandLine = CommandLine.arguments

        let sink = try MetricsSink(path: metrics)
        let start = Date()
        let progress = ProgressBar("train", total: epochs, unit: "epochs", start: start)
        let (archive, result) = try TrainingJob.run(request) { epoch in
            try sink.write(epoch)
            Console.sink.progress(progress, completed: epoch.epoch, detail: String(
                format: "loss %.5g%@  %.0f samples/s", epoch.trainLoss,
                epoch.validationLoss.map { String(format: "  val %.5g", $0) } ?? "", epoch.samplesPerSecond))
        }
        Console.sink.endProgress()
        try sink.close()
        try InterruptedRun.write(archive, to: output)
        if let plot {
            let title = "Learning curve: \((output as NSString).lastPathComponent)"
            try AtomicFile.write(Data(LearningCurve.svg(result.epochs, title: title).utf8), to: plot, failpoint: "plot")
        }
        let summary = archive.manifest.metrics.sorted { $0.key < $1.key }
            .map { "\($0.key) \(String(format: "%.4g", $0.value))" }.joined(separator: ", ")
        Console.info("wrote \(output): \(result.epochs.count) epochs in \(String(format: "%.1f", Date().timeIntervalSince(start))) s\(result.stoppedEarly ? " (early stop, best epoch \(result.bestEpoch))" : ""); \(summary)")
        try InterruptedRun.finish(output)
    }
}

/// Per-epoch metrics as JSON lines, to stdout or a file written atomically at the end.
final class MetricsSink {
    let path: String?
    var buffer = Data()

    init(path: String?) throws { self.path = path }

    func write(_ epoch: EpochReport) throws {
        let line = try JSONCoding.line(epoch)
        if path == nil { try Console.line(line) } else { buffer.append(contentsOf: Array((line + "\n").utf8)) }
    }

    func close() throws {
        if let path { try AtomicFile.write(buffer, to: path, failpoint: "metrics") }
    }
}

extension Activation: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {}
extension LRSchedule: ExpressibleByArgument {}
