import Foundation
import NimpCore
import NimpIO

extension VersionSummary {
    /// The summary of an archive read from disk (`size` bytes).
    public init(version: Int, archive: ModelArchive, size: Int, heldOut: HeldOutMetrics? = nil) {
        let lineage = archive.manifest.lineage
        self.init(version: version, size: size, sha256: archive.sha256,
                  created: RegistryTime.parse(lineage.createdAt), task: archive.manifest.task,
                  parent: lineage.parent, operation: lineage.operation, teacher: lineage.teacher,
                  datasetSha256: lineage.datasetSha256, parameters: archive.model.parameterCount,
                  metrics: archive.manifest.metrics.filter { $0.value.isFinite }, heldOut: heldOut)
    }
}

/// The versions of one model as listing sees them.
public struct VersionList: Sendable {
    /// Oldest first.
    public var summaries: [VersionSummary]
    /// Versions whose archive could not be read (listing skips them with a warning).
    public var damaged: [(version: Int, error: NimpError)]
    /// Damaged lines in the index (it is rebuilt by the next writer).
    public var indexProblems: [LineProblem]

    public func summary(_ version: Int) -> VersionSummary? {
        summaries.first { $0.version == version }
    }

    public var latest: Int? { (summaries.map(\.version) + damaged.map(\.version)).max() }
}

extension Registry {
    /// The versions of a model from the index, with archives missing from it (or
    /// changed since) summarised from the archive itself. A writer holding the lock
    /// saves what it rebuilt.
    public func versions(_ id: String) throws -> VersionList {
        try requireModel(id)
        return try versions(directory: layout.versions(id), model: id)
    }

    func versions(directory: String, model id: String) throws -> VersionList {
        let index = VersionIndex(directory: directory)
        let loaded = try index.load()
        var summaries = loaded.summaries
        var damaged: [(Int, NimpError)] = []
        var rebuilt: [VersionSummary] = []
        for version in loaded.unindexed {
            let path = directory + "/" + VersionName.file(version)
            do {
                let archive = try ModelArchive.read(path: path)
                let summary = VersionSummary(version: version, archive: archive, size: loaded.files[version] ?? 0)
                summaries[version] = summary
                rebuilt.append(summary)
            } catch let error as NimpError {
                damaged.append((version, error))
            }
        }
        if loaded.stale || !rebuilt.isEmpty, RegistryLock.isHeld(layout) {
            if loaded.stale {
                try index.rewrite(Array(summaries.values), failpoint: "index.rebuild")
            } else {
                try index.append(rebuilt.sorted { $0.version < $1.version }, failpoint: "index.rebuild")
            }
        }
        return VersionList(summaries: summaries.values.sorted { $0.version < $1.version }, damaged: damaged,
                           indexProblems: loaded.problems)
    }

    /// Reads and checks one version's archive (exit 66 when it does not exist, 65
    /// when it is damaged or belongs to another model or version).
    public func archive(_ id: String, version: Int) throws -> ModelArchive {
        try requireModel(id)
        let path = layout.archive(id, version)
        guard FileManager.default.fileExists(atPath: path) else {
            let known = VersionIndex(layout: layout, model: id).archiveVersions().sorted()
            throw NimpError(.noInput, "\(path): model \(id) has no version \(VersionName.label(version))",
                            hint: known.isEmpty ? "it has no versions" : "its versions: " + known.map(VersionName.label).joined(separator: ", "))
        }
        let archive = try ModelArchive.read(path: path)
        try checkIdentity(archive.manifest, id: id, version: version, path: path)
        return archive
    }

    func checkIdentity(_ manifest: Manifest, id: String, version: Int, path: String) throws {
        if let mid = manifest.id, mid != id {
            throw NimpError.data(path, "manifest.json: id", "is \(String(reflecting: mid)), expected \(String(reflecting: id))")
        }
        if let mv = manifest.version, mv != version {
            throw NimpError.data(path, "manifest.json: version", "is \(mv), expected \(version) (the file name)")
        }
    }

    /// Stores `archive` as the next version of model `id` (its manifest's id and version
    /// are set to match) and returns the version number. `heldOut` records metrics on
    /// the model's eval set. With `promote`, the new version also becomes the champion
    /// in the same locked step. `history` entries are appended after it.
    ///
    /// Steps (failpoints): `version.begin`, `version.archive.*` (exclusive create),
    /// `version.index.*`, then promotion's steps.
    @discardableResult
    public func addVersion(_ id: String, archive: ModelArchive, heldOut: [String: Double]? = nil, audit: [String: Double]? = nil,
                           promote reason: String? = nil, history entries: [HistoryEntry] = []) throws -> Int
    {
        try withLock {
            let spec = try self.spec(id)
            guard archive.manifest.task == spec.task else {
                throw NimpError.data("model", nil, "is a \(archive.manifest.task.rawValue) model; \(id) is \(spec.task.rawValue)")
            }
            let list = try versions(id)
            let version = (list.latest ?? 0) + 1
            let path = layout.archive(id, version)
            var stored = archive
            stored.manifest.id = id
            stored.manifest.version = version
            let data = try stored.encode()
            try Failpoint.hit("version.begin", file: path)
            let index = VersionIndex(layout: layout, model: id)
            let indexSize = index.file.size()
            try FileReplacement.create(data, at: path, failpoint: "version.archive")
            do {
                stored.sha256 = SHA256.hex(data)
                var summary = VersionSummary(version: version, archive: stored, size: data.count,
                                             heldOut: heldOut.map { HeldOutMetrics(evalSha256: spec.eval.sha256, metrics: $0) })
                if let audit, let ref = spec.audit { summary.audit = HeldOutMetrics(evalSha256: ref.sha256, metrics: audit) }
                try index.append([summary], failpoint: "version.index")
                if let reason {
                    try promote(id, version: version, reason: reason, history: entries)
                } else if !entries.isEmpty {
                    try history.append(entries, failpoint: "version.history")
                }
            } catch {
                // Nothing refers to the new archive yet: take it back.
                unlink(path)
                index.file.truncate(to: indexSize)
                throw error
            }
            return version
        }
    }

    /// Records metrics of a version measured on the model's eval set (a cache the
    /// listing shows; a later record replaces an earlier one).
    public func recordHeldOut(_ id: String, version: Int, metrics: [String: Double]) throws {
        try record(id, version: version, failpoint: "index.held-out") { summary, spec in
            summary.heldOut = HeldOutMetrics(evalSha256: spec.eval.sha256, metrics: metrics)
        }
    }

    /// Records metrics of a version measured on the model's audit set.
    public func recordAudit(_ id: String, version: Int, metrics: [String: Double]) throws {
        try record(id, version: version, failpoint: "index.audit") { summary, spec in
            guard let audit = spec.audit else { return }
            summary.audit = HeldOutMetrics(evalSha256: audit.sha256, metrics: metrics)
        }
    }

    private func record(_ id: String, version: Int, failpoint: String, _ change: (inout VersionSummary, ModelSpec) -> Void) throws {
        try withLock {
            let spec = try self.spec(id)
            let list = try versions(id)
            guard var summary = list.summary(version) else {
                throw NimpError(.noInput, "\(layout.archive(id, version)): model \(id) has no readable version \(VersionName.label(version))")
            }
            change(&summary, spec)
            try VersionIndex(layout: layout, model: id).append([summary], failpoint: failpoint)
        }
    }
}
