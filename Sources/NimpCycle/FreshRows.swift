import Foundation
import NimpCore
import NimpIO
import NimpOperators
import NimpRegistry

/// The rows a task adds to the registry's training set from the model's generator or
/// teacher command (the "expensive calculation"), drawn uniformly or where the champion is
/// least sure (README, "Active sampling"). Each row is one teacher call; the task's result
/// and history line count them.
struct FreshRows {
    var data: Dataset
    var sampling: DataSource.Sampling

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
        let samples = source.samples ?? train.count
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
        return FreshRows(data: data, sampling: sampling)
    }
}
