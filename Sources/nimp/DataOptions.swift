import ArgumentParser
import NimpCore
import NimpIO

/// How commands read dataset arguments. A dataset for a model (`load(_:for:)`) is
/// matched to it by column name and class label, and encoded as the model's schema says;
/// a training set (`fit`) is read as a raw table whose schema the new model learns.
struct DataOptions: ParsableArguments {
    @Option(parsing: .upToNextOption, help: ArgumentHelp(
        "Target column(s) of a CSV or JSON-lines dataset (default: the model's own). Several as a,b or a b.", valueName: "column"))
    var target: [String] = []

    @Option(help: "classification or regression, for a new model's CSV / JSON-lines data (default: inferred; a model's data: the model's task).")
    var task: Task?

    var targetColumns: [String] {
        target.flatMap { ColumnChoice.names($0) ?? [] }
    }

    /// A new model's training set.
    func fit(_ path: String, choice: ColumnChoice? = nil) throws -> Dataset {
        try DatasetIO.load(path: path, options: TableOptions(
            target: targetColumns, task: task, features: choice?.featureColumns, exclude: choice?.excludedColumns ?? [],
            dropMissing: choice?.dropMissing ?? false, diagnostics: Console.sink))
    }

    /// Data for `model` (named `name` in messages).
    func load(_ path: String, for model: Model, name: String) throws -> Dataset {
        try load(path, for: DataContract(model: model, owner: "the model \(name)"))
    }

    func load(_ path: String, for contract: DataContract) throws -> Dataset {
        if let task, task != contract.task {
            throw NimpError.usage("--task \(task.rawValue), but \(contract.owner) is a \(contract.task.rawValue)")
        }
        return try DatasetIO.load(path: path, for: contract, target: targetColumns, diagnostics: Console.sink)
    }
}

/// Which columns of a raw table a new model takes, and what it does with missing values.
struct ColumnChoice: ParsableArguments {
    @Option(help: ArgumentHelp("Only these columns are inputs, in this order.", valueName: "a,b,c"))
    var features: String?

    @Option(help: ArgumentHelp("Leave these columns out of the inputs.", valueName: "x,y"))
    var exclude: String?

    @Flag(help: "Leave out rows with a missing input value instead of filling it with the column's median or most frequent value.")
    var dropMissing = false

    /// `a,b,c` as names (also used for `--target a,b` and `--keep`).
    static func names(_ text: String?) -> [String]? {
        text.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
    }
    var featureColumns: [String]? { Self.names(features) }
    var excludedColumns: [String] { Self.names(exclude) ?? [] }
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
