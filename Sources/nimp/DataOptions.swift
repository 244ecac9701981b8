import ArgumentParser
import NimpCore
import NimpIO

/// How commands read dataset arguments: safetensors as is; CSV and JSON lines with
/// `--target` naming the target column(s).
struct DataOptions: ParsableArguments {
    @Option(parsing: .upToNextOption, help: ArgumentHelp("Target column(s) when a dataset is CSV or JSON lines.", valueName: "column"))
    var target: [String] = []

    @Option(help: "classification or regression, for CSV / JSON-lines datasets (default: inferred).")
    var task: Task?

    func load(_ path: String) throws -> Dataset {
        let format = DatasetFormat.infer(path: path)
        if format != .safetensors && target.isEmpty && format != nil {
            throw NimpError.usage("\(path): a \(format!.rawValue) dataset needs --target COLUMN")
        }
        return try DatasetIO.load(path: path, target: target.isEmpty ? nil : target, task: task)
    }
}

/// `--quiet` / `--verbose`, shared by every command.
struct OutputOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Only errors and warnings on stderr.")
    var quiet = false

    @Flag(name: .shortAndLong, help: "More detail on stderr.")
    var verbose = false

    func apply() {
        Console.quiet = quiet
        Console.verbose = verbose
    }
}
