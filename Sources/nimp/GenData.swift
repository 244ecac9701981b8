import ArgumentParser
import Foundation
import NimpCore
import NimpIO
import NimpOperators

struct GenData: NimpCommand {
    static let configuration = CommandConfiguration(
        commandName: "gen-data",
        abstract: "Make a dataset: from a built-in generator, a teacher model or command, or by importing CSV / JSON lines.",
        discussion: """
            Exactly one source: --generator, --input, --teacher or --teacher-command. \
            The output format follows the extension of -o (.safetensors, .csv, .jsonl) or \
            --format; without -o the dataset goes to stdout as JSON lines (or --format csv). \
            With --active-from, the inputs to label are not drawn uniformly but chosen where \
            that surrogate is least sure (active sampling: see the README).
            """)

    @Option(help: ArgumentHelp("A built-in generator.", valueName: "signal/dopamine|signal/cortisol|signal/serotonin|signal/growth"))
    var generator: String?

    @Option(help: ArgumentHelp("Import a CSV or JSON-lines file.", valueName: "file"), completion: .file())
    var input: String?

    @Option(help: ArgumentHelp("Label inputs with this model archive.", valueName: "model.nimp"), completion: .file(extensions: ["nimp"]))
    var teacher: String?

    @Option(help: ArgumentHelp("Label inputs with a command: one JSON array of inputs per line on its stdin, one JSON array of outputs per line on its stdout.", valueName: "command"))
    var teacherCommand: String?

    @Option(help: ArgumentHelp("Draw teacher inputs around the rows of this dataset.", valueName: "dataset"), completion: .file())
    var like: String?

    @Option(help: "Number of features of uniform [0,1] teacher inputs (without --like).")
    var features: Int?

    @Option(help: ArgumentHelp("Choose the inputs to label where this surrogate of the generator or teacher is least sure, not uniformly.",
                               valueName: "model.nimp"), completion: .file(extensions: ["nimp"]))
    var activeFrom: String?

    @Option(help: ArgumentHelp("The labelled rows the --active-from surrogate learned from.", valueName: "dataset"), completion: .file())
    var labelled: String?

    @Option(help: "Uniform candidates --active-from chooses among (default: 20 per sample, at least 2000).")
    var pool: Int?

    @Option(help: "Number of samples to generate.")
    var samples: Int = 1000

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Target column(s) of an imported file.", valueName: "column"))
    var target: [String] = []

    @Option(help: "classification or regression (default: inferred from the target column).")
    var task: Task?

    @Option(help: "Output format: safetensors, csv or jsonl (default: from -o's extension, else jsonl).")
    var format: DatasetFormat?

    @Option(name: .shortAndLong, help: ArgumentHelp("Output file (default: stdout).", valueName: "file"), completion: .file())
    var output: String?

    @Option(help: "Seconds a teacher command may run.")
    var timeout: Double = 600

    @OptionGroup var outputOptions: OutputOptions

    func validate() throws {
        let sources = [generator, input, teacher, teacherCommand].compactMap { $0 }
        guard sources.count == 1 else {
            throw ValidationError("give exactly one of --generator, --input, --teacher, --teacher-command")
        }
        guard samples > 0 else { throw ValidationError("--samples must be positive") }
        if input != nil && target.isEmpty { throw ValidationError("--input needs --target COLUMN") }
        if teacherCommand != nil && like == nil && features == nil {
            throw ValidationError("--teacher-command needs --features N or --like DATASET")
        }
        if output == nil && format == .safetensors { throw ValidationError("safetensors goes to a file: add -o FILE") }
        if activeFrom != nil {
            if input != nil || like != nil { throw ValidationError("--active-from chooses uniform [0,1] inputs: not with --input or --like") }
            if labelled == nil { throw ValidationError("--active-from needs --labelled DATASET, the rows the surrogate learned from") }
        } else if labelled != nil || pool != nil {
            throw ValidationError("--labelled and --pool go with --active-from MODEL")
        }
        if let pool, !(1...ActiveSampling.Options.maxPool).contains(pool) {
            throw ValidationError("--pool must be 1...\(ActiveSampling.Options.maxPool)")
        }
    }

    func execute() throws {
        outputOptions.apply()
        if let output { try OutputPath.check(output) }
        let dataset = try makeDataset()
        let fmt = format ?? output.flatMap(DatasetFormat.infer(path:)) ?? .jsonl
        if let output {
            try DatasetIO.write(dataset, to: output, format: fmt)
            Console.info("wrote \(dataset.count) samples (\(dataset.features) features, \(dataset.task.rawValue)) to \(output)")
        } else {
            try Console.out(String(decoding: DatasetIO.encode(dataset, format: fmt), as: UTF8.self))
        }
    }

    func makeDataset() throws -> Dataset {
        if let activeFrom { return try activeDataset(activeFrom) }
        if let generator {
            return try SignalGenerator(name: generator).generate(samples: samples, seed: seed)
        }
        if let input {
            return try DatasetIO.load(path: input, target: target, task: task, diagnostics: Console.sink)
        }
        let x: Matrix
        if let like {
            let rows = try likeRows(like)
            guard rows.rows > 0 else { throw NimpError.data(like, nil, "no rows to draw teacher inputs around, expected at least one") }
            x = InputSampler.like(rows, samples: samples, seed: seed)
        } else {
            x = InputSampler.uniform(features: features ?? 0, samples: samples, seed: seed)
        }
        if let teacher {
            let archive = try ModelArchive.read(path: teacher)
            guard x.cols == archive.model.inputs else {
                throw NimpError.data(like ?? "--features", nil, "\(x.cols) features; the teacher \(teacher) expects \(archive.model.inputs)")
            }
            var d = ModelTeacher.label(x, with: archive, source: "teacher:" + teacher)
            d.seed = seed
            return d
        }
        let command = teacherCommand!
        let y = try CommandTeacher(command: command, timeoutSeconds: timeout).run(x)
        return Dataset(x: x, y: .values(y), targetNames: (0..<y.cols).map { "y\($0)" }, source: "command:" + command, seed: seed)
    }

    /// --active-from: the inputs the surrogate is least sure of, labelled by the source.
    private func activeDataset(_ surrogatePath: String) throws -> Dataset {
        let teacherArchive = try teacher.map { try ModelArchive.read(path: $0) }
        let features = generator != nil ? SignalGenerator.featureNames.count : features ?? teacherArchive?.model.inputs ?? 0
        let surrogate = try ModelArchive.read(path: surrogatePath).model
        let labelledPath = labelled!
        if let p = ActiveSampling.problem(surrogate: surrogate, surrogateName: surrogatePath, features: features) { throw p }
        var rows = try DatasetIO.load(path: labelledPath, for: DataContract(model: surrogate, owner: "the surrogate \(surrogatePath)"),
                                      diagnostics: Console.sink)
        rows.source = labelledPath
        let options = ActiveSampling.Options(samples: samples, pool: pool, seed: seed)
        let choice = try ActiveSampling.choose(surrogate: surrogate, surrogateName: surrogatePath, labelled: rows, labelledName: labelledPath,
                                               features: features, options: options)
        Console.info(String(format: "chose %d of %d uniform candidates: %d where the committee disagrees most (mean disagreement %.3g, pool %.3g), %d uniform",
                            choice.x.rows, choice.pool, choice.disagreement, choice.chosenScore, choice.poolScore, choice.uniform))
        var d: Dataset
        if let generator {
            d = try SignalGenerator(name: generator).label(choice.x)
        } else if let teacher, let teacherArchive {
            d = ModelTeacher.label(choice.x, with: teacherArchive, source: "teacher:" + teacher)
        } else {
            let command = teacherCommand!
            let y = try CommandTeacher(command: command, timeoutSeconds: timeout).run(choice.x)
            d = Dataset(x: choice.x, y: .values(y), targetNames: (0..<y.cols).map { "y\($0)" }, source: "command:" + command)
        }
        d.seed = seed
        return d
    }

    /// The rows of --like as the teacher model reads them (columns by name, its encoding),
    /// or as a table's inputs for a teacher command.
    private func likeRows(_ like: String) throws -> Matrix {
        guard let teacher else { return try DatasetIO.load(path: like, target: target.isEmpty ? nil : target, task: task, diagnostics: Console.sink).x }
        let model = try ModelArchive.read(path: teacher).model
        var values: [Float] = []
        try DatasetIO.forEachInputBatch(path: like, contract: DataContract(model: model, owner: "the teacher \(teacher)"), keep: [],
                                       diagnostics: Console.sink) { batch in
            values += batch.x
        }
        return Matrix(rows: values.count / model.inputs, cols: model.inputs, data: values)
    }
}

extension Task: ExpressibleByArgument {}
extension DatasetFormat: ExpressibleByArgument {}
