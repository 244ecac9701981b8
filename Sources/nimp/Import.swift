import ArgumentParser
import Foundation
import NimpCore
import NimpInterop
import NimpIO

struct Import: NimpCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Make a nimp archive from a PyTorch state_dict (safetensors) or an ONNX graph.",
        discussion: """
            A state_dict of torch.nn.Linear layers, saved with safetensors.torch.save_file: the \
            layers are its PREFIX.weight / PREFIX.bias pairs in the natural order of their names, \
            and --activation gives the hidden activations (PyTorch keeps none). An ONNX graph: \
            one path of Gemm or MatMul + Add layers with Relu, LeakyRelu (0.01), Tanh, Sigmoid or \
            Gelu (tanh) between them and an optional final Softmax (a classifier); a graph nimp \
            exported is read back with its normalisation, fills and names. Any other operator is \
            exit 65 naming it and its node. The archive is what `registry add` takes.
            """)

    @Argument(help: ArgumentHelp("The network: .safetensors or .onnx.", valueName: "file"), completion: .file(extensions: ["safetensors", "onnx"]))
    var file: String

    @Option(name: .shortAndLong, help: ArgumentHelp("The archive to write.", valueName: "model.nimp"), completion: .file(extensions: ["nimp"]))
    var output: String

    @Option(help: ArgumentHelp("Hidden activation(s): one for all hidden layers, or one per layer (relu,tanh,…).", valueName: "names"))
    var activation: String?

    @Option(help: "classification or regression (default: a final Softmax or the file's metadata says; else regression).")
    var task: Task?

    @Option(help: ArgumentHelp("Names of the inputs, comma-separated (default x0, x1, …).", valueName: "names"))
    var featureNames: String?

    @Option(help: ArgumentHelp("Class names (a classifier) or output names (a regressor), comma-separated.", valueName: "names"))
    var targetNames: String?

    @OptionGroup var outputOptions: OutputOptions

    func execute() throws {
        outputOptions.apply()
        try OutputPath.check(output)
        var options = ImportOptions()
        options.task = task
        options.featureNames = try featureNames.map(names)
        options.targetNames = try targetNames.map(names)
        options.activations = try (activation.map(names) ?? []).map { text in
            guard let a = Activation(rawValue: text) else {
                throw NimpError.usage("--activation \(text): expected one of " + Activation.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return a
        }
        let lower = file.lowercased()
        let model: Model
        if lower.hasSuffix(".onnx") {
            if !options.activations.isEmpty { throw NimpError.usage("--activation is for state_dicts: an ONNX graph names its activations") }
            model = try ModelImport.onnx(path: file, options: options)
        } else if lower.hasSuffix(".safetensors") {
            model = try ModelImport.stateDict(path: file, options: options)
        } else {
            throw NimpError.usage("\(file): expected a .safetensors state_dict or an .onnx graph")
        }
        let lineage = Manifest.Lineage(operation: "import", teacher: file, commandLine: CommandLine.arguments)
        let archive = ModelArchive(model: model, manifest: Manifest(model: model, lineage: lineage))
        try archive.write(to: output)
        Console.info("imported \(file): \(model.task.rawValue), \(model.inputs) inputs → \(model.hidden.map(String.init).joined(separator: "-"))"
                     + "\(model.hidden.isEmpty ? "" : " → ")\(model.outputs) outputs, \(model.parameterCount) parameters; wrote \(output)")
    }

    private func names(_ text: String) throws -> [String] {
        guard let list = ColumnChoice.names(text), !list.isEmpty else { throw NimpError.usage("expected comma-separated names, got \(String(reflecting: text))") }
        return list
    }
}
