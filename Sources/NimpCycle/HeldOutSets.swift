import Foundation
import NimpCore
import NimpIO
import NimpOperators
import NimpRegistry

extension DataSource {
    /// Whether new labelled rows can be made on demand: a built-in generator, or a
    /// teacher command whose input count is known.
    public var canGenerate: Bool {
        switch kind {
        case .generator: true
        case .command: features != nil
        case .files: false
        }
    }

    /// `samples` new labelled rows: from the generator, or inputs drawn uniformly from
    /// [0, 1] labelled by the teacher command.
    public func generate(samples: Int, seed: UInt64) throws -> Dataset {
        let features = try inputCount()
        var d = try label(InputSampler.uniform(features: features, samples: samples, seed: seed))
        d.seed = seed
        return d
    }

    /// The inputs a generator or teacher command takes.
    public func inputCount() throws -> Int {
        switch kind {
        case .generator(let name):
            _ = try SignalGenerator(name: name)
            return SignalGenerator.featureNames.count
        case .command(let command):
            guard let features else {
                throw NimpError(.dataError, "teacher command '\(command)': the number of inputs it expects is not known",
                                hint: "declare it with `nimp registry add … --teacher-command CMD --features N`")
            }
            return features
        case .files(let glob):
            throw NimpError(.dataError, "data arriving as files (\(glob)) cannot be generated on demand")
        }
    }

    /// The inputs `x` labelled by the generator or the teacher command (one call of it).
    public func label(_ x: Matrix, timeoutSeconds: Double = 600) throws -> Dataset {
        switch kind {
        case .generator(let name):
            return try SignalGenerator(name: name).label(x)
        case .command(let command):
            let y = try CommandTeacher(command: command, timeoutSeconds: timeoutSeconds).run(x)
            return Dataset(x: x, y: .values(y), targetNames: (0..<y.cols).map { "y\($0)" }, source: "command:" + command)
        case .files(let glob):
            throw NimpError(.dataError, "data arriving as files (\(glob)) cannot be generated on demand")
        }
    }
}

/// The held-out sets of a registry model: the eval set the gate decides on, refreshed
/// or budgeted so that repeated decisions do not overfit it, and the audit set that only
/// reports (README, "The gate").
public enum HeldOutSets {
    /// Quality metrics of `model` on the audit set (no timing: nothing decides on them).
    public static func audit(_ model: Model, on data: Dataset) -> [String: Double] {
        evaluateQuality(model, on: data).metrics.filter { $0.value.isFinite }
    }

    /// The audit set as `model` reads it, nil when the model has none.
    static func auditSet(_ registry: Registry, _ spec: ModelSpec, for model: Model, id: String) throws -> Dataset? {
        try spec.audit.map { try DatasetIO.load(path: registry.layout.resolve($0.path), for: DataContract(model: model, owner: "the audit set of \(id)"),
                                             diagnostics: registry.diagnostics) }
    }

    /// A freshly generated eval set for `id`, the size of the current one, bound to the
    /// current one's columns; `refresh` numbers the refreshes so each has its own seed.
    public static func regenerateEval(_ registry: Registry, id: String, spec: ModelSpec, refresh: Int) throws -> Dataset {
        guard let source = spec.source, source.canGenerate else {
            throw NimpError(.dataError, "\(id): its data cannot be regenerated (no generator, nor a teacher command with its number of features)",
                            hint: "give fresh held-out rows: `nimp registry refresh \(id) --eval FILE`")
        }
        if case .command = source.kind { try registry.checkTeacherCommand(id) }
        let current = try DatasetIO.load(path: registry.layout.resolve(spec.eval.path), diagnostics: registry.diagnostics)
        var seed: UInt64 = 0xE7A1_5EED
        for b in id.utf8 { seed = (seed ^ UInt64(b)) &* 0x100_0000_01B3 }
        var fresh = try source.generate(samples: max(current.count, Gate.minimumRows), seed: seed &+ UInt64(refresh) &* 0x9E37_79B9_7F4A_7C15)
        // A teacher command reads and writes columns by position, and names none: the fresh
        // rows take the names of the eval set they replace.
        if case .command = source.kind, fresh.features == current.features, fresh.outputs == current.outputs, !current.featureNames.isEmpty {
            fresh.featureNames = current.featureNames
            fresh.targetNames = current.targetNames
        }
        return try DatasetIO.conform(fresh, to: DataContract(dataset: current, owner: "the eval set of \(id)"), diagnostics: registry.diagnostics)
    }
}
