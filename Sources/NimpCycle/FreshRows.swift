import Foundation
import NimpCore
import NimpIO
import NimpOperators
import NimpRegistry

/// The rows a task asks the model's generator or teacher command for (the "expensive
/// calculation"), drawn uniformly or where the champion is least sure (README, "Active
/// sampling"). Each row is one teacher call; the task's result and history line count
/// them. When model.json says how to sample, the rows are paid for and kept: the gate adds
/// them to the training set, promoted or not. Otherwise (a generator's free rows) each
/// task draws its own and they go with it.
struct FreshRows {
    var data: Dataset
    var sampling: DataSource.Sampling
    var kept: Bool

    /// How rows are drawn when model.json does not say: uniformly, as before active sampling
    /// existed (README, "Active sampling", says why it is not the default).
    static let defaultSampling = DataSource.Sampling.uniform

    /// Nil when the model's rows do not come from a generator, or from a teacher command
    /// whose model.json sets `sampling` (a command is asked only when its owner opted in).
    /// `train` is the training set as the champion reads it; `secondsLeft` bounds a command.
    static func draw(_ task: CycleTask, train: Dataset, champion: ModelArchive?, registry: Registry,
                     secondsLeft: () -> Double, diagnostics: any DiagnosticSink) throws -> FreshRows? {
        guard let source = task.spec.source else { return nil }
        switch source.kind {
        case .generator(let name):
            guard (try? SignalGenerator(name: name)) != nil else { return nil }
        case .command:
            guard source.sampling != nil, source.features != nil else { return nil }
            // The command the task file names runs only if the model's own model.json, which
            // passes the trust check, names it still (README, "The teacher command: trust").
            try registry.checkTeacherCommand(task.model)
            guard try registry.spec(task.model).source?.kind == source.kind else {
                throw NimpError(.dataError, "\(task.model): the task names a teacher command that models/\(task.model)/model.json no longer names; it is not run",
                                hint: "plan again with `nimp cycle plan`")
            }
        case .files:
            return nil
        }
        let features = try source.inputCount()
        let kept = source.sampling != nil
        // Kept rows add up task after task: by default a tenth of the training set, not all of it again.
        let samples = source.samples ?? (kept ? max(Self.minimumKept, train.count / 10) : train.count)
        let seed = task.seed ^ 0xF2E5
        var sampling = source.sampling ?? defaultSampling
        let x: Matrix
        if sampling == .active, let champion {
            x = try ActiveSampling.choose(surrogate: champion.model, surrogateName: "the champion of \(task.model)", labelled: train,
                                          labelledName: "the training set of \(task.model)", features: features,
                                          options: ActiveSampling.Options(samples: samples, seed: seed)).x
        } else {
            // No champion yet: nothing to be unsure with.
            sampling = .uniform
            x = InputSampler.uniform(features: features, samples: samples, seed: seed)
        }
        var fresh = try source.label(x, timeoutSeconds: max(1, secondsLeft()))
        // A teacher command reads and writes columns by position, and names none: the fresh
        // rows take the names of the training set they join.
        if case .command = source.kind, fresh.features == train.features, fresh.outputs == train.outputs {
            fresh.featureNames = train.featureNames
            fresh.targetNames = train.targetNames
        }
        let data = try DatasetIO.conform(fresh, to: DataContract(dataset: train, owner: "the training set of \(task.model)"), diagnostics: diagnostics)
        return FreshRows(data: data, sampling: sampling, kept: kept)
    }

    /// Rows a task asks for by default when they are kept, at the least.
    static let minimumKept = 100

    /// What the gate added to a model's training set.
    struct Kept {
        var rows: Int
        var trainSHA256: String
    }

    /// The gate's part, under the lock: the rows a task's result names (checked by sha256)
    /// join the model's training set as it is now, whatever the gate decides about the
    /// candidate. Nil, with a warning, when they cannot be kept; the task is gated all the
    /// same. (A gate killed between this and the task's history line adds them twice when
    /// it gates the result again: rows the teacher labelled, counted twice, not lost.)
    static func keep(_ result: TaskResult, dir: String, model id: String, registry: Registry) throws -> Kept? {
        guard let name = result.rows, let sha = result.rowsSHA256 else { return nil }
        let path = dir + "/" + name
        do {
            let bytes = try TaskRun.readResultFile(path, what: "file")
            let actual = SHA256.hex(bytes)
            guard actual == sha else {
                throw NimpError.data(path, nil, "has sha256 \(actual.prefix(12))…, but its result names \(sha.prefix(12))…: not the rows the task labelled")
            }
            var spec = try registry.spec(id)
            let train = try DatasetIO.load(path: registry.layout.resolve(spec.train.path), task: spec.task, diagnostics: registry.diagnostics)
            let rows = try DatasetIO.conform(try DatasetIO.decode(bytes, name: path, format: .safetensors, task: spec.task),
                                             to: DataContract(dataset: train, owner: "the training set of \(id)"), diagnostics: registry.diagnostics)
            spec.train = try registry.storeData(DatasetIO.encode(Dataset.concatenate(train, rows), format: .safetensors)).ref
            try registry.setSpec(id, spec)
            return Kept(rows: rows.count, trainSHA256: spec.train.sha256)
        } catch let e as NimpError where e.kind != .ioError {
            registry.diagnostics.warn("\(id): the rows task \(result.taskID) labelled are not kept: \(e.message)")
            return nil
        }
    }
}
