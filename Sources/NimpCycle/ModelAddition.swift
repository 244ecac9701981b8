import Foundation
import NimpCore
import NimpIO
import NimpOperators
import NimpRegistry

/// How held-out metrics are measured wherever a decision or its baseline depends on
/// them: `registry add`, the examples, the cycle's assessment and the gate. One setting,
/// so a champion's baseline and a candidate's figures compare.
public enum HeldOutMeasure {
    public static let latencySamples = 500
    public static let throughputSeconds = 0.05

    public static func metrics(_ model: Model, archiveBytes: Int, on eval: Dataset, latencySamples: Int = latencySamples) throws -> [String: Double] {
        try Evaluator.evaluate(model, on: eval, archiveBytes: archiveBytes, latencySamples: latencySamples,
                               throughputSeconds: throughputSeconds).metrics.filter { $0.value.isFinite }
    }
}

/// Adding a model, or a version of one: its data checked against the model, measured as
/// the gate measures, checked against its constraints and the eval set's size, and
/// stored. `nimp registry add` and `registry init --examples` both go through here.
public struct ModelAddition {
    public var id: String
    public var archive: ModelArchive
    /// Where the archive came from, for messages and history (`source`).
    public var origin: String

    public init(id: String, archive: ModelArchive, origin: String) {
        self.id = id
        self.archive = archive
        self.origin = origin
    }

    /// A dataset as stored (safetensors bytes) and as read.
    public struct StoredSet {
        public var bytes: Data
        public var set: Dataset
        public init(_ set: Dataset) {
            self.set = set
            bytes = DatasetIO.encode(set, format: .safetensors)
        }
        public init(bytes: Data, set: Dataset) {
            self.bytes = bytes
            self.set = set
        }
    }

    public struct Added {
        public var spec: ModelSpec
        public var version: Int
        public var heldOut: [String: Double]
        public var audit: [String: Double]?
    }

    var archiveBytes: Int { (try? archive.encode().count) ?? 0 }

    /// A new model with its first version as the champion; `warn` hears what the owner should know.
    public func addModel(to registry: Registry, declaration: ModelDeclaration, train: StoredSet, eval: StoredSet, audit: StoredSet?,
                         fields: [String: JSONValue] = [:], warn: (String) -> Void) throws -> Added {
        guard train.set.features == archive.model.inputs else {
            throw NimpError.data(train.set.source.isEmpty ? "the training data" : train.set.source, nil,
                                 "has \(train.set.features) features, but \(origin) expects \(archive.model.inputs)")
        }
        guard train.set.task == archive.manifest.task else {
            throw NimpError.data(train.set.source.isEmpty ? "the training data" : train.set.source, nil,
                                 "is for \(train.set.task.rawValue); \(origin) does \(archive.manifest.task.rawValue)")
        }
        let heldOut = try HeldOutMeasure.metrics(archive.model, archiveBytes: archiveBytes, on: eval.set)
        let audited = audit.map { HeldOutSets.audit(archive.model, on: $0.set) }
        if eval.set.count < Gate.minimumRows {
            warn("the eval set has \(eval.set.count) rows; a gate decision needs at least \(Gate.minimumRows), so every candidate "
                 + "will be rejected for insufficient evidence: give a larger eval set")
        }
        Self.warnAboutConstraints(heldOut, declaration.constraints, model: origin, promoted: true, warn: warn)
        if !declaration.targets.keys.contains(where: { ModelSpec.qualityMetrics(archive.manifest.task).contains($0) }) {
            warn("\(id): no quality target; cycles train it only while training gains reach the threshold, then leave it alone "
                 + "(give one, e.g. \(Metric.primary(for: archive.manifest.task).rawValue)=\(archive.manifest.task == .regression ? "0.95" : "0.9"))")
        }
        let spec = try registry.addModel(id, declaration: declaration, trainData: train.bytes, evalData: eval.bytes, auditData: audit?.bytes,
                                         first: archive, heldOut: heldOut, audit: audited, fields: fields)
        return Added(spec: spec, version: 1, heldOut: heldOut, audit: audited)
    }

    /// A new version of an existing model, measured on its eval (and audit) set.
    public func addVersion(to registry: Registry, promote: Bool, fields: [String: JSONValue] = [:], warn: (String) -> Void) throws -> Added {
        let spec = try registry.spec(id)
        let contract = DataContract(model: archive.model, owner: "the model \(origin)")
        let evalSet = try DatasetIO.load(path: registry.layout.resolve(spec.eval.path), for: contract, diagnostics: registry.diagnostics)
        let heldOut = try HeldOutMeasure.metrics(archive.model, archiveBytes: archiveBytes, on: evalSet)
        let audited = try spec.audit.map { HeldOutSets.audit(archive.model, on: try DatasetIO.load(path: registry.layout.resolve($0.path), for: contract,
                                                                                                   diagnostics: registry.diagnostics)) }
        Self.warnAboutConstraints(heldOut, spec.constraints, model: origin, promoted: promote, warn: warn)
        let version = try registry.addVersion(id, archive: archive, heldOut: heldOut, audit: audited,
                                              promote: promote ? "promoted when added" : nil,
                                              history: promote ? [] : [HistoryEntry(.version, model: id, fields: fields)])
        return Added(spec: spec, version: version, heldOut: heldOut, audit: audited)
    }

    /// A version over a constraint is accepted, with a warning: the cycle works on it first.
    static func warnAboutConstraints(_ metrics: [String: Double], _ constraints: [String: Double], model: String, promoted: Bool,
                                     warn: (String) -> Void) {
        for v in Gate.violations(metrics, constraints) {
            warn("\(model): \(v.text); accepted" + (promoted ? ", and the next cycles work on meeting it first (optimization)" : ""))
        }
    }
}
