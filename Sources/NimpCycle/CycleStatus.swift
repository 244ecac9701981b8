import Foundation
import NimpCore
import NimpIO
import NimpRegistry

/// A plan not yet gated, task by task (`nimp cycle status`): done and failed from its
/// result files; pending and running from Slurm when the plan was handed to it.
public struct CycleStatus: Sendable {
    public struct Task: Sendable {
        public var id: String
        /// done, failed, timeout, pending, running, waiting (no result and no job to wait for).
        public var state: String
        public var job: String?
        public var detail: String?
    }

    public var directory: String
    public var plan: String
    public var executor: String
    public var tasks: [Task]
    /// Slurm's job arrays and gate jobs, with their state.
    public var jobs: [Slurm.JobState]

    public var counts: [String: Int] { Dictionary(grouping: tasks, by: \.state).mapValues(\.count) }

    public var json: JSONValue {
        .object([
            "directory": .string(directory), "plan": .string(plan), "executor": .string(executor),
            "counts": .object(counts.mapValues { .int($0) }),
            "tasks": .array(tasks.map { t in
                var o: [String: JSONValue] = ["id": .string(t.id), "state": .string(t.state)]
                if let j = t.job { o["job"] = .string(j) }
                if let d = t.detail { o["detail"] = .string(d) }
                return .object(o)
            }),
            "jobs": .array(jobs.map { .object(["job": .string($0.job), "state": .string($0.state)]) }),
        ])
    }

    /// Every plan directory under REGISTRY/cycles (or `directories`), oldest first.
    public static func read(_ registry: Registry, directories: [String] = []) throws -> [CycleStatus] {
        let dirs = directories.isEmpty
            ? ((try? FileManager.default.contentsOfDirectory(atPath: registry.layout.cycles)) ?? []).sorted()
                .filter { !$0.hasPrefix(".") }.map { registry.layout.cycles + "/" + $0 }
            : directories
        return try dirs.map { try read($0) }
    }

    public static func read(_ dir: String) throws -> CycleStatus {
        let header = try CyclePlan.readHeader(dir)
        let submission = FileManager.default.fileExists(atPath: SlurmSubmission.path(dir)) ? try SlurmSubmission.read(dir) : nil
        var elements: [String: Slurm.JobState] = [:]
        var jobs: [Slurm.JobState] = []
        let client = Slurm()
        if let submission, Slurm.isAvailable {
            for s in (try? client.active(submission.jobs)) ?? [] { elements[s.job] = s }
            jobs = submission.jobs.map { job in elements[job] ?? client.state(job) ?? Slurm.JobState(job: job, state: "UNKNOWN") }
        }
        let tasks = header.tasks.enumerated().map { index, id -> Task in
            let job = submission?.job(ofIndex: index)
            if let result = try? TaskResult.read(path: dir + "/results/" + TaskResult.fileName(id)) {
                let state = result.status == .candidate ? "done" : result.status.rawValue
                return Task(id: id, state: state, job: result.job ?? job, detail: result.status == .candidate ? "on \(result.host)" : result.reason)
            }
            guard let job else { return Task(id: id, state: "waiting", job: nil, detail: "no result yet") }
            if let s = elements[job] ?? active(job, in: elements) {
                return Task(id: id, state: s.state == "RUNNING" ? "running" : "pending", job: job, detail: s.summary)
            }
            guard Slurm.isAvailable else { return Task(id: id, state: "waiting", job: job, detail: "sbatch is not here to ask") }
            return Task(id: id, state: "failed", job: job, detail: SlurmCycle.describe(job, client: client) + "; no result")
        }
        return CycleStatus(directory: dir, plan: header.id, executor: submission == nil ? "manual" : "slurm", tasks: tasks, jobs: jobs)
    }

    /// A pending array shows its elements as `JOB_[3-7]` until they start.
    static func active(_ job: String, in states: [String: Slurm.JobState]) -> Slurm.JobState? {
        guard let sep = job.lastIndex(of: "_"), let index = Int(job[job.index(after: sep)...]) else { return nil }
        let prefix = job[..<sep] + "_["
        return states.first { key, _ in
            key.hasPrefix(prefix) && key.dropFirst(prefix.count).dropLast().split(separator: ",").contains { part in
                let r = part.split(separator: "%").first!.split(separator: "-").compactMap { Int($0) }
                return r.count == 2 ? (r[0]...r[1]).contains(index) : r.first == index
            }
        }?.value
    }
}
