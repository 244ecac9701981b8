import Foundation
import Synchronization
import NimpCore
import NimpIO

/// One model as `list` shows it.
public struct ModelListing: Sendable {
    public var id: String
    public var task: Task
    public var versions: Int
    public var latest: Int?
    public var champion: Int?
    /// The champion's summary (metrics, parameters), when readable.
    public var championSummary: VersionSummary?
    /// The champion's metrics on the current eval set, when measured.
    public var heldOut: [String: Double]?
    /// The champion's metrics on the audit set, when measured.
    public var audit: [String: Double]? = nil
    public var targets: [String: Double]
    public var evalSha256: String

    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "id": .string(id), "task": .string(task.rawValue), "versions": .int(versions),
            "targets": .metrics(targets), "eval_sha256": .string(evalSha256),
        ]
        o["latest"] = latest.map { .int($0) } ?? .null
        o["champion"] = champion.map { .int($0) } ?? .null
        if let s = championSummary {
            o["metrics"] = .metrics(s.metrics)
            if let p = s.parameters { o["parameters"] = .int(p) }
            o["size"] = .int(s.size)
        }
        o["held_out"] = heldOut.map { .metrics($0) } ?? .null
        o["audit"] = audit.map { .metrics($0) } ?? .null
        return .object(o)
    }
}

extension Registry {
    /// Every model, from model.json, the champion pointer and the version index; no
    /// archive is opened unless the index lacks it. A damaged model is skipped and
    /// reported through `warn` (listing goes on).
    public func list(warn: (String) -> Void) throws -> [ModelListing] {
        let ids = try modelIDs()
        // Each model's files are its own, and the fast path only reads them: it runs on
        // every core (listing 1,000 models is mostly parsing 1,000 indexes). A model it
        // cannot list runs the slow path here, alone, as it may repair the index.
        let fast = Self.concurrentMap(ids) { id in Result { try fastListing(id) } }
        var result: [ModelListing] = []
        for (id, listed) in zip(ids, fast) {
            do {
                result.append(try listed.get() ?? slowListing(id))
            } catch let error as NimpError {
                warn("skipping model \(id): \(error.message)")
            }
        }
        return result
    }

    /// One model's listing (throws on damage).
    public func listing(_ id: String) throws -> ModelListing {
        try fastListing(id) ?? slowListing(id)
    }

    /// The listing from every version's summary (`versions`, which reads archives the index lacks).
    func slowListing(_ id: String) throws -> ModelListing {
        let spec = try self.spec(id)
        let champion = try champions(id).current()
        let list = try versions(id)
        let summary = champion.flatMap { list.summary($0) }
        let heldOut = summary?.heldOut.flatMap { $0.evalSha256 == spec.eval.sha256 ? $0.metrics : nil }
        return ModelListing(id: id, task: spec.task, versions: list.summaries.count + list.damaged.count, latest: list.latest,
                            champion: champion, championSummary: summary, heldOut: heldOut, audit: summary.flatMap { Self.audit($0, spec) },
                            targets: spec.targets, evalSha256: spec.eval.sha256)
    }

    /// The listing from the champion's index line and its archive's size alone (only
    /// reads); nil when the index cannot say (then `versions` reads the archives).
    func fastListing(_ id: String) throws -> ModelListing? {
        let spec = try self.spec(id)
        guard let champion = try champions(id).current() else { return nil }
        let index = VersionIndex(layout: layout, model: id)
        let stored = index.archiveVersions()
        guard stored.contains(champion), let size = index.archiveSize(champion),
              let summary = index.summary(of: champion, archiveSize: size) else { return nil }
        let heldOut = summary.heldOut.flatMap { $0.evalSha256 == spec.eval.sha256 ? $0.metrics : nil }
        return ModelListing(id: id, task: spec.task, versions: stored.count, latest: stored.max(), champion: champion,
                            championSummary: summary, heldOut: heldOut, audit: Self.audit(summary, spec),
                            targets: spec.targets, evalSha256: spec.eval.sha256)
    }

    /// `transform` of every item, in order, on as many threads as the process may use.
    static func concurrentMap<T: Sendable>(_ items: [String], _ transform: @Sendable (String) -> T) -> [T] {
        let threads = min(items.count, ProcessInfo.processInfo.activeProcessorCount)
        guard threads > 1 else { return items.map(transform) }
        let results = Mutex<[T?]>(Array(repeating: nil, count: items.count))
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            var done: [(Int, T)] = []
            for i in stride(from: thread, to: items.count, by: threads) { done.append((i, transform(items[i]))) }
            results.withLock { for (i, t) in done { $0[i] = t } }
        }
        return results.withLock { $0.map { $0! } }
    }

    /// A version's audit metrics while its audit set is the model's.
    static func audit(_ summary: VersionSummary, _ spec: ModelSpec) -> [String: Double]? {
        summary.audit.flatMap { $0.evalSha256 == spec.audit?.sha256 ? $0.metrics : nil }
    }
}
