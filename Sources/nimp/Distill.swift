import ArgumentParser
import Foundation
import NimpCore
import NimpIO
import NimpOperators

struct Distill: NimpCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a small student model from a teacher archive on teacher-labelled data.",
        discussion: """
            A regression student learns the teacher's outputs (blended with the true values \
            of --data by --alpha); a classifier learns the teacher's probabilities softened \
            by --temperature, weighted --alpha, plus the true labels weighted 1 − alpha. \
            --augment N adds N inputs the teacher labels: half Gaussian noise around random \
            rows of --data (--noise × each feature's std), half mixup of two rows. Prints \
            one JSON line comparing the student with the teacher on the held-out data \
            (--validation, else --validation-split of --data, else --data itself).
            """)

    @Option(help: ArgumentHelp("The teacher model archive.", valueName: "model.nimp"), completion: .file(extensions: ["nimp"]))
    var teacher: String

    @Option(help: ArgumentHelp("Inputs (with their true labels) for the teacher to label.", valueName: "dataset"), completion: .file())
    var data: String

    @Option(help: ArgumentHelp("Held-out data for the comparison.", valueName: "dataset"), completion: .file())
    var validation: String?

    @Option(help: "Hold out this fraction of --data when --validation is absent.")
    var validationSplit: Double?

    @Option(help: ArgumentHelp("The student's hidden layer sizes.", valueName: "16,16"))
    var hidden: String = "16,16"

    @Option(help: "Activation of the student's hidden layers.")
    var activation: Activation = .relu

    @Option(help: "Softmax temperature of the teacher's soft targets (classification).")
    var temperature: Float = 3

    @Option(help: "Weight of the teacher's targets; the true labels get 1 − alpha.")
    var alpha: Float = 0.5

    @Option(help: "Extra teacher-labelled inputs generated around --data.")
    var augment: Int = 0

    @Option(help: "Noise of augmented inputs, in standard deviations of each feature.")
    var noise: Float = 0.1

    @Option(help: "Passes over the training data.")
    var epochs: Int = 30

    @Option(help: "Samples per step.")
    var batchSize: Int = 64

    @Option(help: "Learning rate.")
    var learningRate: Float = 3e-3

    @Option(help: "adam, adamw or sgd.")
    var optimizer: OptimizerKind = .adam

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    @Option(help: "Single-sample predictions timed for the latency comparison.")
    var latencySamples: Int = 2000

    @Option(help: "Model id recorded in the manifest (default: the teacher's).")
    var id: String?

    @Option(name: .shortAndLong, help: ArgumentHelp("The student archive to write.", valueName: "out.nimp"), completion: .file())
    var output: String

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var outputOptions: OutputOptions

    func validate() throws {
        _ = try Train.parseHidden(hidden)
        guard temperature > 0, temperature.isFinite else { throw ValidationError("--temperature must be positive") }
        guard (0...1).contains(alpha) else { throw ValidationError("--alpha must be between 0 and 1") }
        guard augment >= 0 else { throw ValidationError("--augment must not be negative") }
        guard noise >= 0 else { throw ValidationError("--noise must not be negative") }
        guard epochs > 0, batchSize > 0 else { throw ValidationError("--epochs and --batch-size must be positive") }
        guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--learning-rate must be a positive number") }
        if let s = validationSplit, !(s > 0 && s < 1) { throw ValidationError("--validation-split must be between 0 and 1") }
        if validation != nil && validationSplit != nil { throw ValidationError("give --validation or --validation-split, not both") }
    }

    func execute() throws {
        outputOptions.apply()
        InterruptedRun.begin()
        try OutputPath.check(output)
        let teacherArchive = try ModelArchive.read(path: teacher)
        var request = DistillRequest(teacher: teacherArchive, train: try dataOptions.load(data, for: teacherArchive.model, name: teacher))
        request.validation = try validation.map { try dataOptions.load($0, for: teacherArchive.model, name: teacher) }
        request.validationSplit = validationSplit
        request.hidden = try Train.parseHidden(hidden)
        request.activation = activation
        request.temperature = temperature
        request.alpha = alpha
        request.augment = augment
        request.noise = noise
        request.epochs = epochs
        request.batchSize = batchSize
        request.learningRate = learningRate
        request.optimizer = optimizer
        request.seed = seed
        request.latencySamples = latencySamples
        request.id = id
        request.teacherName = teacher
        request.datasetSHA256 = try SHA256.hex(file: data)
        request.commandLine = CommandLine.arguments

        let progress = ProgressBar("distill", total: epochs, unit: "epochs")
        let result = try Distiller.run(request) { epoch in
            Console.sink.progress(progress, completed: epoch.epoch, detail: String(format: "loss %.5g", epoch.trainLoss))
        }
        Console.sink.endProgress()
        try InterruptedRun.write(result.archive, to: output)
        try Console.line(try result.comparison.jsonLine())
        let c = result.comparison
        Console.info("wrote \(output): \(c.result.parameters) parameters (teacher \(c.parent.parameters)), "
                     + "\(result.trainingSamples) training samples, teacher distance "
                     + String(format: "%.4g → %.4g", result.initialDistance, result.finalDistance)
                     + (c.qualityChange.map { String(format: ", %@ %+.4g vs teacher", c.metric, $0) } ?? ""))
        try InterruptedRun.finish(output)
    }
}
