import ArgumentParser
import Foundation
import NimpCore
import NimpIO
import NimpOperators

struct Optimize: NimpCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a model smaller and faster: int8/f16 quantization, neuron or weight pruning, fine-tuning, a quality budget.",
        discussion: """
            Pruning comes first, then fine-tuning (--data, --epochs), then quantization. \
            --prune-neurons removes the least important hidden units of every layer and \
            really shrinks the layers; a unit's importance is the spread of its activation \
            on the data times the L2 norm of its outgoing weights, and its mean activation \
            is folded into the next layer's bias (without data: L2 norm of incoming × \
            outgoing weights). --prune-weights zeroes the lowest-scoring weights of every \
            layer but the output layer and keeps them zero through fine-tuning; the score \
            is |weight| × RMS of its input on the data, per output unit, with the removed \
            means folded into the bias (without data: |weight|, per layer). --quantize int8 \
            with data tries plain rounding and error-compensating rounding calibrated on \
            four chunks of the data, and keeps the one whose outputs stay closest to the \
            float model's. With --max-quality-drop X the fractions are reached in --steps \
            steps, fine-tuning after each, and the most compressed step whose held-out R² \
            (regression) or accuracy (classification) is at most X below the parent's is \
            kept; each step is printed as a JSON line. The held-out set is --validation, \
            else --validation-split of --data. The last JSON line compares the result with \
            the parent: quality, latency, parameters, FLOPs and bytes.
            """)

    @Argument(help: ArgumentHelp("The model archive to optimize.", valueName: "model.nimp"), completion: .file(extensions: ["nimp"]))
    var model: String

    @Option(help: ArgumentHelp("Store weights as int8 (per output channel) or f16.", valueName: "int8|f16"))
    var quantize: WeightStorage?

    @Flag(inversion: .prefixedNo, help: "Calibrate int8 rounding on the data (error-compensating rounding and bias correction); without data, or with --no-calibrate, plain per-channel rounding.")
    var calibrate = true

    @Option(help: ArgumentHelp("Remove this fraction of every hidden layer's units.", valueName: "fraction"))
    var pruneNeurons: Double?

    @Option(help: ArgumentHelp("Zero this fraction of the weights of every layer but the output layer, by magnitude.", valueName: "fraction"))
    var pruneWeights: Double?

    @Option(help: ArgumentHelp("Fine-tuning data (and the source of a held-out split).", valueName: "dataset"), completion: .file())
    var data: String?

    @Option(help: ArgumentHelp("Held-out data for the quality budget and the comparison.", valueName: "dataset"), completion: .file())
    var validation: String?

    @Option(help: "Fraction of --data held out when a held-out set is needed and --validation is absent.")
    var validationSplit: Double = 0.2

    @Option(help: "Fine-tuning epochs after each pruning step (0: none).")
    var epochs: Int = 0

    @Option(help: "Fine-tuning learning rate (default: a third of the parent's).")
    var learningRate: Float?

    @Option(help: "Fine-tuning batch size (default: the parent's).")
    var batchSize: Int?

    @Option(help: ArgumentHelp("Quality budget: the largest drop of held-out R² or accuracy to accept.", valueName: "X"))
    var maxQualityDrop: Double?

    @Option(help: "Steps of the --max-quality-drop schedule.")
    var steps: Int = 5

    @Option(help: "Random seed for the held-out split and fine-tuning.")
    var seed: UInt64 = 1

    @Option(help: "Single-sample predictions timed for the latency comparison.")
    var latencySamples: Int = 2000

    @Option(help: "Model id recorded in the manifest (default: the parent's).")
    var id: String?

    @Option(name: .shortAndLong, help: ArgumentHelp("The model archive to write.", valueName: "out.nimp"), completion: .file())
    var output: String

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var outputOptions: OutputOptions

    func validate() throws {
        guard quantize != nil || pruneNeurons != nil || pruneWeights != nil else {
            throw ValidationError("give at least one of --quantize, --prune-neurons, --prune-weights")
        }
        if quantize == .f32 { throw ValidationError("--quantize takes int8 or f16") }
        for (name, value) in [("--prune-neurons", pruneNeurons), ("--prune-weights", pruneWeights)] {
            if let value, !(value > 0 && value < 1) { throw ValidationError("\(name) must be a fraction between 0 and 1") }
        }
        guard epochs >= 0 else { throw ValidationError("--epochs must not be negative") }
        if epochs > 0 && data == nil { throw ValidationError("--epochs needs --data TRAIN to fine-tune on") }
        if let x = maxQualityDrop, !(x >= 0 && x.isFinite) { throw ValidationError("--max-quality-drop must be a non-negative number") }
        if maxQualityDrop != nil && data == nil && validation == nil {
            throw ValidationError("--max-quality-drop needs held-out data: --validation VAL, or --data TRAIN to split one off")
        }
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1") }
        guard validationSplit > 0 && validationSplit < 1 else { throw ValidationError("--validation-split must be between 0 and 1") }
        guard latencySamples >= 1 else { throw ValidationError("--latency-samples must be positive") }
    }

    func execute() throws {
        outputOptions.apply()
        InterruptedRun.begin()
        try OutputPath.check(output)
        let parent = try ModelArchive.read(path: model)
        var request = OptimizeRequest(parent: parent)
        request.quantize = quantize
        request.calibrate = calibrate
        request.pruneNeurons = pruneNeurons
        request.pruneWeights = pruneWeights
        request.train = try data.map { try dataOptions.load($0, for: parent.model, name: model) }
        request.validation = try validation.map { try dataOptions.load($0, for: parent.model, name: model) }
        request.validationSplit = validationSplit
        request.epochs = epochs
        request.learningRate = learningRate
        request.batchSize = batchSize
        request.maxQualityDrop = maxQualityDrop
        request.steps = steps
        request.seed = seed
        request.latencySamples = latencySamples
        request.id = id
        request.datasetSHA256 = try data.map { try SHA256.hex(file: $0) }
        request.commandLine = CommandLine.arguments

        let result = try ModelOptimizer.run(request) { step in
            try Console.line(try step.jsonLine())
            Console.info(String(format: "step %d: %@ %.4g (drop %.4g)%@, %d parameters", step.step, step.metric, step.quality,
                                step.qualityDrop, step.withinBudget ? "" : " over budget", step.parameters))
        }
        try InterruptedRun.write(result.archive, to: output)
        try Console.line(try result.comparison.jsonLine())
        let c = result.comparison
        Console.info("wrote \(output): \(c.result.parameters) parameters (×\(String(format: "%.2f", c.parametersRatio))), "
                     + "weights ×\(String(format: "%.2f", c.weightBytesRatio)), FLOPs ×\(String(format: "%.2f", c.flopsRatio))"
                     + (c.qualityChange.map { String(format: ", %@ %+.4g", c.metric, $0) } ?? ""))
        try InterruptedRun.finish(output)
    }
}

extension WeightStorage: ExpressibleByArgument {}
