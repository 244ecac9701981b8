import Foundation
import NimpCore
import NimpCycle
import NimpIO
import NimpRegistry

/// One version as the report draws it.
public struct ReportVersion: Sendable {
    public var version: Int
    /// The model's quality metric: on the held-out eval set when measured, else the
    /// value recorded when the version was made (`heldOut` false).
    public var quality: Double?
    public var heldOut: Bool
    /// The quality metric on the audit set, which no decision reads.
    public var audit: Double?
    public var bytes: Int
    public var latencyMicroseconds: Double?
    public var parameters: Int?
    public var operation: String?
    public var parent: Int?
    public var created: Date?
}

/// One improvement task of a model, from history.jsonl.
public struct ReportTask: Sendable {
    public var cycle: Int
    public var type: String
    public var metric: String
    public var gain: Double
    /// promoted, rejected, failed or timeout.
    public var outcome: String
    public var reason: String
}

/// Everything the report shows about one model.
public struct ReportModel: Sendable {
    public var id: String
    public var task: Task
    public var description: String?
    public var qualityMetric: String
    public var higherIsBetter: Bool
    public var target: Double?
    public var targets: [String: Double]
    public var champion: Int?
    public var versions: [ReportVersion]
    public var tasks: [ReportTask]

    /// Versions with quality, size and latency measured: the ones a trade-off can rank.
    public var measured: [ReportVersion] {
        versions.filter { $0.quality != nil && $0.heldOut && $0.latencyMicroseconds != nil }
    }

    /// Latencies closer than this fraction are a tie: single-sample timings of the same
    /// architecture differ by a few percent from run to run.
    public static let latencyTolerance = 0.05

    /// Versions on the Pareto front of quality (best), bytes and latency (smallest).
    public var paretoVersions: Set<Int> {
        let m = measured
        let costs = m.map { [higherIsBetter ? -$0.quality! : $0.quality!, Double($0.bytes), $0.latencyMicroseconds!] }
        return Set(ParetoFront.indices(costs, tolerance: [0, 0, Self.latencyTolerance]).map { m[$0].version })
    }
}

/// One cycle's line of history.
public struct ReportCycle: Sendable {
    public var iteration: Int
    public var totalGain: Double
    public var promoted: Int
    public var rejected: Int
    public var failed: Int
    public var time: Date
}

/// The registry as `nimp registry report` sees it: models, their versions and tasks,
/// cycles and signal levels over time.
public struct RegistryReportData: Sendable {
    public var root: String
    public var generated: Date
    public var models: [ReportModel]
    public var cycles: [ReportCycle]
    /// Signal levels after each cycle, oldest first: (cycle number, levels).
    public var signals: [(cycle: Int, levels: [String: Double])]
    public var currentSignals: [String: Double]
    /// The configured promotion threshold (relative gain).
    public var threshold: Double
    /// Damaged entries that were skipped, for a note on the page.
    public var problems: [String]

    /// Reads the registry without taking the lock; damaged models and lines are skipped
    /// and listed in `problems`.
    public static func read(_ registry: Registry, now: Date = Date()) throws -> RegistryReportData {
        var problems: [String] = []
        // Every segment, in order; only the task and cycle lines are kept.
        let scan = try registry.history.scan(into: [HistoryEntry]()) { kept, e in
            if e.type == .cycle || (e.type == .task && e.model != nil) { kept.append(e) }
        }
        let entries = scan?.state ?? []
        problems += (scan?.scan.problems ?? []).map(\.description)
        let taskEntries = Dictionary(grouping: entries.filter { $0.type == .task }, by: { $0.model! })
        var models: [ReportModel] = []
        for listing in try registry.list(warn: { problems.append($0) }) {
            do {
                models.append(try model(listing, registry: registry, tasks: taskEntries[listing.id] ?? []))
            } catch let error as NimpError {
                problems.append("skipping model \(listing.id): \(error.message)")
            }
        }
        let cycles = entries.filter { $0.type == .cycle }.compactMap { e -> ReportCycle? in
            guard let n = e["iteration"]?.int, e["status"]?.string != "skipped" else { return nil }
            return ReportCycle(iteration: n, totalGain: e["total_gain"]?.double ?? 0, promoted: e["promoted"]?.int ?? 0,
                               rejected: e["rejected"]?.int ?? 0, failed: e["failed"]?.int ?? 0, time: e.time)
        }
        var signalsFile = SignalsFile()
        do {
            signalsFile = try registry.signals()
        } catch let error as NimpError {
            problems.append(error.message)
        }
        let snapshots = signalsFile.history.enumerated().map { i, s in (cycle: s.note?["cycle"]?.int ?? i + 1, levels: s.levels) }
        let threshold = (try? registry.config().performanceThreshold) ?? RegistryConfig().performanceThreshold
        return RegistryReportData(root: registry.root, generated: now, models: models, cycles: cycles, signals: snapshots,
                                  currentSignals: signalsFile.levels, threshold: threshold, problems: problems)
    }

    static func model(_ listing: ModelListing, registry: Registry, tasks: [HistoryEntry]) throws -> ReportModel {
        let spec = try registry.spec(listing.id)
        let quality = spec.targets.keys.filter { MetricKind.quality.contains($0) }.sorted().first ?? MetricKind.primary(for: spec.task)
        let list = try registry.versions(listing.id)
        let versions = list.summaries.map { s -> ReportVersion in
            let held = s.heldOut.flatMap { $0.evalSha256 == spec.eval.sha256 ? $0.metrics : nil }
            let value = held?[quality] ?? s.metrics[quality]
            let audit = s.audit.flatMap { $0.evalSha256 == spec.audit?.sha256 ? $0.metrics[quality] : nil }
            return ReportVersion(version: s.version, quality: value, heldOut: held?[quality] != nil, audit: audit, bytes: s.size,
                                 latencyMicroseconds: held?["latency_p50_us"], parameters: s.parameters,
                                 operation: s.operation, parent: s.parent, created: s.created)
        }
        let reportTasks = tasks.compactMap { e -> ReportTask? in
            guard let cycle = e["cycle"]?.int, let type = e["task_type"]?.string else { return nil }
            return ReportTask(cycle: cycle, type: type, metric: e["metric"]?.string ?? quality, gain: e["gain"]?.double ?? 0,
                              outcome: e["outcome"]?.string ?? (e["promoted"]?.bool == true ? "promoted" : "rejected"),
                              reason: e["reason"]?.string ?? "")
        }
        return ReportModel(id: listing.id, task: spec.task, description: spec.description, qualityMetric: quality,
                           higherIsBetter: MetricKind.isHigherBetter(quality), target: spec.targets[quality],
                           targets: spec.targets, champion: listing.champion, versions: versions, tasks: reportTasks)
    }
}
