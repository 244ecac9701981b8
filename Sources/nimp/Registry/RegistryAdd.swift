import ArgumentParser
import Foundation
import NimpCore
import NimpCycle
import NimpOperators
import NimpIO
import NimpRegistry

struct RegistryAdd: NimpCommand, WaitsForLock {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a model (version 1, the champion) or, without --data, a new version of an existing model.",
        discussion: """
            A new model needs its training data (--data) and a held-out eval set (--eval; \
            without it 20% of --data is held out). An audit set, which no gate ever reads, is \
            carved out of the eval set (--audit-fraction) or given with --audit. All are stored in \
            the registry's data/ under their sha256. The archive becomes version 1 and the champion; \
            its metrics on the eval and audit sets are measured and recorded. --generator, --teacher-command or --files say where new \
            training data comes from; with --generator, or --teacher-command and --features, --data \
            may be omitted: all sets are generated (eval and audit from other seeds), and cycles \
            regenerate the eval set every gate_refresh_decisions gate decisions. \
            Prints one JSON line: model, version, champion, held-out metrics.
            """)

    @Argument(help: "The model id: letters, digits, '.', '_', '-'.")
    var id: String

    @Argument(help: ArgumentHelp("The model archive.", valueName: "model.nimp"), completion: .file(extensions: ["nimp"]))
    var model: String

    @Option(help: ArgumentHelp("Training dataset (safetensors, CSV or JSON lines).", valueName: "dataset"), completion: .file())
    var data: String?

    @Option(help: ArgumentHelp("Held-out eval dataset the gate decides on.", valueName: "dataset"), completion: .file())
    var eval: String?

    @Option(help: ArgumentHelp("Held-out audit dataset no decision reads (default: carved out of the eval set).", valueName: "dataset"),
            completion: .file())
    var audit: String?

    @Option(help: "Fraction of the eval set kept aside as the audit set when --audit is absent (0: no audit set).")
    var auditFraction: Double = 0.3

    @Option(name: .customLong("target"), help: ArgumentHelp("A target for the model, e.g. r2=0.99 or latency_p50_us=2 (repeatable).",
                                                           valueName: "metric=value"))
    var targets: [String] = []

    @Option(help: "Constraint: the most parameters a version may have.")
    var maxParameters: Int?

    @Option(help: "Constraint: the largest archive a version may be, in bytes.")
    var maxBytes: Int?

    @Option(name: .customLong("max-latency-p50-us"), help: "Constraint: the slowest single-sample p50 latency a version may have, in µs.")
    var maxLatencyP50: Double?

    @Option(parsing: .singleValue, help: ArgumentHelp("Target column of CSV / JSON-lines datasets (repeatable).", valueName: "column"))
    var targetColumn: [String] = []

    @Option(help: "classification or regression, for CSV / JSON-lines datasets (default: inferred).")
    var task: Task?

    @Option(help: ArgumentHelp("New data comes from this built-in generator, e.g. signal/dopamine.", valueName: "name"))
    var generator: String?

    @Option(help: ArgumentHelp("New data is labelled by this command (JSON lines in, JSON lines out); later runs it only from a model.json no other user can write.",
                               valueName: "command"))
    var teacherCommand: String?

    @Option(help: ArgumentHelp("New data arrives as files matching this glob.", valueName: "glob"))
    var files: String?

    @Option(help: "Samples per generated dataset, and per cycle task's fresh rows (with --sampling, default a tenth of the training set).")
    var samples: Int?

    @Option(help: "Inputs the teacher command expects.")
    var features: Int?

    @Option(help: ArgumentHelp("How cycle tasks draw fresh rows from the generator or teacher command: uniform, or active (where the champion is least sure). A teacher command is asked for rows in tasks only when this is given; the rows are then kept (added to the training set).",
                               valueName: "uniform|active"))
    var sampling: DataSource.Sampling?

    @Option(help: "Fraction of --data held out for evaluation when --eval is absent.")
    var evalFraction: Double = 0.2

    @Option(help: "Seed for the held-out split and generated data.")
    var seed: UInt64 = 1

    @Option(help: "A short description for model.json.")
    var description: String?

    @Flag(help: "When adding a version: also make it the champion.")
    var promote = false

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var lock: LockOptions
    @OptionGroup var outputOptions: OutputOptions

    func validate() throws {
        if let problem = ModelID.problem(id) { throw ValidationError("invalid model id \(String(reflecting: id)): \(problem)") }
        guard evalFraction > 0 && evalFraction < 1 else { throw ValidationError("--eval-fraction must be between 0 and 1") }
        guard auditFraction >= 0 && auditFraction < 1 else { throw ValidationError("--audit-fraction must be at least 0 and below 1") }
        let sources = [generator, teacherCommand, files].compactMap { $0 }
        guard sources.count <= 1 else { throw ValidationError("give at most one of --generator, --teacher-command, --files") }
        if sampling != nil && generator == nil && teacherCommand == nil {
            throw ValidationError("--sampling goes with --generator or --teacher-command")
        }
        if sampling != nil && teacherCommand != nil && features == nil {
            throw ValidationError("--sampling with --teacher-command needs --features N (the inputs the command expects)")
        }
    }

    func execute() throws {
        outputOptions.apply()
        let constraints = try ModelSpec.constraints(["max_parameters": maxParameters.map(Double.init), "max_bytes": maxBytes.map(Double.init),
                                                     "max_latency_p50_us": maxLatencyP50])
        let reg = try registry.open(wait: lock.wait)
        let archive = try ModelArchive.read(path: model)
        if reg.hasModel(id) && data == nil && generator == nil && teacherCommand == nil {
            try addVersion(reg, archive)
        } else {
            try addModel(reg, archive, constraints: constraints)
        }
    }

    private func addVersion(_ reg: NimpRegistry.Registry, _ archive: ModelArchive) throws {
        let added = try ModelAddition(id: id, archive: archive, origin: model)
            .addVersion(to: reg, promote: promote, fields: ["source": .string(model)], warn: Console.warn)
        Console.info("added \(id) \(VersionName.label(added.version))" + (promote ? " (champion)" : ""))
        try Console.line(JSONCoding.line(JSONValue.object([
            "model": .string(id), "version": .int(added.version), "champion": .int(try reg.champion(id) ?? 0), "held_out": .metrics(added.heldOut),
            "audit": added.audit.map { .metrics($0) } ?? .null,
        ])))
    }

    private func addModel(_ reg: NimpRegistry.Registry, _ archive: ModelArchive, constraints: [String: Double]) throws {
        let targets = try ModelSpec.targets(parsing: self.targets, task: archive.manifest.task)
        let sets = try datasets(archive)
        let declaration = ModelDeclaration(task: archive.manifest.task, source: source(), targets: targets,
                                           constraints: constraints, description: description)
        let added = try ModelAddition(id: id, archive: archive, origin: model)
            .addModel(to: reg, declaration: declaration, train: sets.train, eval: sets.eval, audit: sets.audit,
                      fields: ["source": .string(model)], warn: Console.warn)
        let spec = added.spec
        Console.info("added \(id): \(VersionName.label(1)) is the champion; data in \(reg.layout.data)")
        try Console.line(JSONCoding.line(JSONValue.object([
            "model": .string(id), "version": 1, "champion": 1, "held_out": .metrics(added.heldOut),
            "audit": added.audit.map { .metrics($0) } ?? .null,
            "train_sha256": .string(spec.train.sha256), "eval_sha256": .string(spec.eval.sha256),
            "audit_sha256": spec.audit.map { .string($0.sha256) } ?? .null,
        ])))
    }

    /// Training and eval data as stored bytes (safetensors) and as datasets.
    /// `--target-column a,b` or `a b`.
    private var targetColumns: [String] {
        targetColumn.flatMap { ColumnChoice.names($0) ?? [] }
    }

    private func contract(_ archive: ModelArchive) -> DataContract {
        DataContract(model: archive.model, owner: "the model \(model)")
    }

    private typealias Stored = ModelAddition.StoredSet

    private func datasets(_ archive: ModelArchive) throws -> (train: Stored, eval: Stored, audit: Stored?) {
        if data == nil, generator != nil || teacherCommand != nil {
            let heldSamples = max(200, (samples ?? 2000) / 2)
            let train = try generated(samples: samples ?? 2000, seed: seed)
            let evalSet = try generated(samples: heldSamples, seed: seed &+ 1_000_003)
            let auditSet = try audit == nil ? generated(samples: heldSamples, seed: seed &+ 2_000_006) : load(audit!, for: archive)
            Console.info("generated \(train.count) training and \(evalSet.count) eval samples (seeds \(seed), \(seed &+ 1_000_003))"
                         + (audit == nil ? " and \(auditSet.count) audit samples (seed \(seed &+ 2_000_006))" : ""))
            return (Stored(train), Stored(evalSet), audit == nil ? Stored(auditSet) : Stored(bytes: try bytes(of: audit!, auditSet), set: auditSet))
        }
        guard let data else {
            throw NimpError.usage("a new model needs --data TRAIN (and ideally --eval EVAL)",
                                  hint: "to add a version of an existing model, give no --data; \(id) does not exist yet")
        }
        let train = try load(data, for: archive)
        var trainStored: Stored, evalStored: Stored
        if let eval {
            let evalSet = try load(eval, for: archive)
            (trainStored, evalStored) = (Stored(bytes: try bytes(of: data, train), set: train), Stored(bytes: try bytes(of: eval, evalSet), set: evalSet))
        } else {
            guard train.count >= 2 else { throw NimpError.data(data, nil, "has too few samples (\(train.count)) to hold some out") }
            let (fit, held) = try TrainingJob.splitHoldout(train, fraction: evalFraction, seed: seed)
            Console.info("no --eval: holding out \(held.count) of \(train.count) samples of \(data) as the eval set (seed \(seed))")
            (trainStored, evalStored) = (Stored(fit), Stored(held))
        }
        if let audit {
            let auditSet = try load(audit, for: archive)
            return (trainStored, evalStored, Stored(bytes: try bytes(of: audit, auditSet), set: auditSet))
        }
        guard auditFraction > 0 else { return (trainStored, evalStored, nil) }
        guard evalStored.set.count >= 2 else {
            throw NimpError.data(eval ?? data, nil, "the eval set has \(evalStored.set.count) row(s), too few to carve an audit set out of",
                                 hint: "give a larger eval set, --audit FILE, or --audit-fraction 0")
        }
        let (gate, auditSet) = try TrainingJob.splitHoldout(evalStored.set, fraction: auditFraction, seed: seed &+ 1)
        Console.info("audit set: \(auditSet.count) of the \(evalStored.set.count) eval rows, which no gate reads (seed \(seed &+ 1))")
        return (trainStored, Stored(gate), Stored(auditSet))
    }

    /// Data from the built-in generator, or inputs drawn uniformly from [0, 1] labelled by the teacher command.
    private func generated(samples: Int, seed: UInt64) throws -> Dataset {
        if teacherCommand != nil, features == nil {
            throw NimpError.usage("--teacher-command without --data needs --features N (the inputs the command expects)")
        }
        guard let source = source() else { throw NimpError.usage("nothing to generate data from") }
        return try source.generate(samples: samples, seed: seed)
    }

    /// The data as the model reads it: columns by name, classes through the model's list.
    private func load(_ path: String, for archive: ModelArchive) throws -> Dataset {
        if let task, task != archive.model.task {
            throw NimpError.usage("--task \(task.rawValue), but \(model) is a \(archive.model.task.rawValue)")
        }
        return try DatasetIO.load(path: path, for: contract(archive), target: targetColumns, diagnostics: Console.sink)
    }

    /// Safetensors files that already fit the model are stored byte for byte (their sha256
    /// stays the user's); others are stored as the model reads them. (Read again quietly:
    /// `dataset` was read from it, warnings and all.)
    private func bytes(of path: String, _ dataset: Dataset) throws -> Data {
        if DatasetFormat.infer(path: path) == .safetensors, targetColumn.isEmpty,
           let stored = try? DatasetIO.load(path: path), stored.featureNames == dataset.featureNames, stored.targetNames == dataset.targetNames,
           let raw = FileManager.default.contents(atPath: path) { return raw }
        return DatasetIO.encode(dataset, format: .safetensors)
    }

    private func source() -> DataSource? {
        if let generator { return DataSource(.generator(generator), samples: samples, sampling: sampling) }
        if let teacherCommand { return DataSource(.command(teacherCommand), samples: samples, features: features, sampling: sampling) }
        if let files { return DataSource(.files(files), target: targetColumns.isEmpty ? nil : targetColumns) }
        return nil
    }
}

extension DataSource.Sampling: ExpressibleByArgument {}
