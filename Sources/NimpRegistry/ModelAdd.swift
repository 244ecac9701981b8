import Foundation
import NimpCore
import NimpIO

/// What the owner declares about a new model besides its data (which `addModel` stores).
public struct ModelDeclaration: Sendable {
    public var task: Task
    public var source: DataSource?
    public var targets: [String: Double]
    public var constraints: [String: Double]
    /// Nil: taken from the first version's manifest, else nimp's default.
    public var genome: Genome?
    public var description: String?

    public init(task: Task, source: DataSource? = nil, targets: [String: Double] = [:], constraints: [String: Double] = [:],
                genome: Genome? = nil, description: String? = nil)
    {
        self.task = task
        self.source = source
        self.targets = targets
        self.constraints = constraints
        self.genome = genome
        self.description = description
    }
}

extension Registry {
    /// Adds model `id`: stores its training and eval data in data/, writes model.json
    /// and, with `first`, version 1 as the champion (`heldOut`: its metrics on the eval
    /// set). The model appears whole or not at all: it is built in a staging directory
    /// (`models/.ID.tmp-PID-N`) and renamed into place. Data bytes are stored as
    /// given (`dataExtension` names their format).
    ///
    /// Steps (failpoints): `data.*` (each dataset), `add.begin`, `add.spec.*`,
    /// `add.archive.*`, `add.index.*`, `add.log.*`, `add.pointer.*`, `add.rename`,
    /// `add.fsync-dir`, `add.history.*`, `add.done`.
    @discardableResult
    public func addModel(_ id: String, declaration: ModelDeclaration, trainData: Data, evalData: Data, auditData: Data? = nil,
                         dataExtension: String = "safetensors", first: ModelArchive? = nil,
                         heldOut: [String: Double]? = nil, audit: [String: Double]? = nil,
                         fields: [String: JSONValue] = [:]) throws -> ModelSpec
    {
        try ModelID.validate(id)
        return try withLock {
            try requireAbsent(id)
            var stored: [(ref: DataRef, created: Bool)] = []
            do {
                for data in [trainData, evalData] + (auditData.map { [$0] } ?? []) {
                    stored.append(try storeData(data, extension: dataExtension))
                }
                let genome = declaration.genome ?? first.flatMap { $0.manifest.genome ?? Self.genome(of: $0.model) } ?? Genome()
                let spec = ModelSpec(task: declaration.task, train: stored[0].ref, eval: stored[1].ref,
                                     audit: stored.count > 2 ? stored[2].ref : nil, source: declaration.source,
                                     targets: declaration.targets, constraints: declaration.constraints, genome: genome,
                                     description: declaration.description)
                try addModel(id, spec: spec, first: first, heldOut: heldOut, audit: audit, fields: fields)
                return spec
            } catch {
                // Data this call stored is referred to by nothing now.
                for s in stored where s.created { unlink(layout.resolve(s.ref.path)) }
                throw error
            }
        }
    }

    /// Adds model `id` with `spec`, whose data must already be in the registry.
    public func addModel(_ id: String, spec: ModelSpec, first: ModelArchive? = nil, heldOut: [String: Double]? = nil,
                         audit: [String: Double]? = nil, fields: [String: JSONValue] = [:]) throws
    {
        try ModelID.validate(id)
        try withLock {
            try requireAbsent(id)
            for ref in spec.datasets where !FileManager.default.fileExists(atPath: layout.resolve(ref.path)) {
                throw NimpError.missing(layout.resolve(ref.path), "no such dataset in the registry (model.json of \(id) refers to it)")
            }
            if let first, first.manifest.task != spec.task {
                throw NimpError.data("model", nil, "is a \(first.manifest.task.rawValue) model, but \(id) is declared \(spec.task.rawValue)")
            }
            let staging = Temporaries.name(for: layout.model(id))
            let target = layout.model(id)
            do {
                try Failpoint.hit("add.begin", file: staging)
                try FileManager.default.createDirectory(atPath: staging + "/versions", withIntermediateDirectories: true)
                try AtomicFile.write(try spec.encoded(), to: staging + "/model.json", failpoint: "add.spec")
                var entry = HistoryEntry(.add, model: id, fields: fields)
                entry["task"] = .string(spec.task.rawValue)
                entry["eval_sha256"] = .string(spec.eval.sha256)
                entry["train_sha256"] = .string(spec.train.sha256)
                if let ref = spec.audit { entry["audit_sha256"] = .string(ref.sha256) }
                if let first {
                    var stored = first
                    stored.manifest.id = id
                    stored.manifest.version = 1
                    let data = try stored.encode()
                    stored.sha256 = SHA256.hex(data)
                    try AtomicFile.write(data, to: staging + "/versions/" + VersionName.file(1), failpoint: "add.archive", exclusive: true)
                    var summary = VersionSummary(version: 1, archive: stored, size: data.count,
                                                 heldOut: heldOut.map { HeldOutMetrics(evalSha256: spec.eval.sha256, metrics: $0) })
                    if let audit, let ref = spec.audit { summary.audit = HeldOutMetrics(evalSha256: ref.sha256, metrics: audit) }
                    try VersionIndex(directory: staging + "/versions").append([summary], failpoint: "add.index")
                    try ChampionStore(directory: staging).commit(
                        ChampionChange(action: .promote, from: nil, to: 1, reason: "added"), failpoint: "add")
                    entry["champion"] = .int(1)
                    entry["sha256"] = .string(stored.sha256)
                    if let heldOut { entry["held_out"] = .metrics(heldOut) }
                    if let audit { entry["audit"] = .metrics(audit) }
                }
                try AtomicFile.syncDirectory(staging + "/versions")
                try AtomicFile.syncDirectory(staging)
                try Failpoint.hit("add.rename", file: target)
                guard rename(staging, target) == 0 else {
                    throw NimpError.io(target, "cannot move the new model into place: \(String(cString: strerror(errno)))")
                }
                do {
                    try Failpoint.hit("add.fsync-dir", file: layout.models)
                    try AtomicFile.syncDirectory(layout.models)
                    try history.append(entry, failpoint: "add.history")
                } catch {
                    // Take the model back out, so the registry is as it was.
                    if rename(target, staging) == 0 { _ = try? AtomicFile.syncDirectory(layout.models) }
                    throw error
                }
                try Failpoint.hit("add.done", file: target)
            } catch {
                try? FileManager.default.removeItem(atPath: staging)
                throw error
            }
        }
    }

    private func requireAbsent(_ id: String) throws {
        if FileManager.default.fileExists(atPath: layout.model(id)) {
            throw NimpError(.cannotCreate, "\(layout.model(id)): model \(String(reflecting: id)) already exists",
                            hint: "choose another id, or add a version with `nimp registry add \(id) MODEL.nimp` (no --data)")
        }
    }

    /// The genome an archive's architecture implies (hidden widths and activation).
    static func genome(of model: Model) -> Genome {
        var genome = Genome()
        genome.hidden = model.hidden
        if let activation = model.layers.first?.activation, model.layers.count > 1 { genome.activation = activation }
        return genome
    }
}
