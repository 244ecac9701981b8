import Foundation
import NimpCore
import NimpIO

/// A task a user asked for (`nimp task add`): the next cycle takes queued tasks before
/// the ones it plans itself. One file per task in REGISTRY/queue/.
public struct QueuedTask: Sendable, Equatable {
    public static let format = "nimp-queued-task"
    public static let formatVersion = 1

    public var id: String
    public var model: String
    /// The improvement kind (checked against the kinds nimp knows by the caller).
    public var kind: String
    public var priority: Double
    /// Targets and constraints for this task's gate; the model's own apply where absent.
    public var targets: [String: Double]
    public var constraints: [String: Double]
    public var addedAt: Date
    public var addedBy: String

    public init(id: String, model: String, kind: String, priority: Double, targets: [String: Double] = [:],
                constraints: [String: Double] = [:], addedAt: Date = Date(), addedBy: String = LockHolder.currentCommand) {
        self.id = id
        self.model = model
        self.kind = kind
        self.priority = priority
        self.targets = targets
        self.constraints = constraints
        self.addedAt = addedAt
        self.addedBy = addedBy
    }

    public var json: JSONValue {
        .object([
            "format": .string(Self.format), "format_version": .int(Self.formatVersion), "id": .string(id), "model": .string(model),
            "kind": .string(kind), "priority": .number(priority), "targets": .metrics(targets), "constraints": .metrics(constraints),
            "added_at": .string(RegistryTime.string(addedAt)), "added_by": .string(addedBy),
        ])
    }

    public static func parse(_ data: Data, file: String) throws -> QueuedTask {
        var o = try StrictObject(try JSONCoding.parse(data, file: file), file: file)
        guard try o.requiredString("format") == format else { throw o.fail("format", "expected \"\(format)\"") }
        let version = try o.int("format_version") ?? 0
        guard (1...formatVersion).contains(version) else { throw o.fail("format_version", "expected 1 to \(formatVersion)") }
        let id = try o.requiredString("id")
        let model = try o.requiredString("model")
        if let problem = ModelID.problem(model) { throw o.fail("model", problem) }
        let kind = try o.requiredString("kind")
        guard let priority = try o.double("priority"), priority > 0, priority <= 1e6 else { throw o.fail("priority", "expected a number in (0, 1000000]") }
        let targets = try o.numbers("targets", allowed: ModelSpec.metricNames) ?? [:]
        let constraints = try o.numbers("constraints", allowed: Set(ModelSpec.constraintMetrics.keys)) ?? [:]
        let at = try o.string("added_at").flatMap(RegistryTime.parse) ?? Date(timeIntervalSince1970: 0)
        let by = try o.string("added_by") ?? "?"
        try o.finish()
        return QueuedTask(id: id, model: model, kind: kind, priority: priority, targets: targets, constraints: constraints, addedAt: at, addedBy: by)
    }
}

extension RegistryLayout {
    public var queue: String { root + "/queue" }
    public func queued(_ id: String) -> String { queue + "/" + id + ".json" }
    /// Plan directories of `nimp cycle plan` and of cycles in flight.
    public var cycles: String { root + "/cycles" }
}

extension Registry {
    /// Queued tasks, oldest first. A damaged entry is reported, not fatal.
    public func queuedTasks() throws -> (tasks: [QueuedTask], problems: [String]) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: layout.queue)) ?? []
        var tasks: [QueuedTask] = [], problems: [String] = []
        for name in names.sorted() where name.hasSuffix(".json") && !name.hasPrefix(".") {
            let path = layout.queue + "/" + name
            do {
                let data = try Data(contentsOf: URL(fileURLWithPath: path))
                let task = try QueuedTask.parse(data, file: path)
                guard task.id + ".json" == name else { throw NimpError.data(path, "key \"id\"", "is \(task.id), but the file is \(name)") }
                tasks.append(task)
            } catch let e as NimpError {
                problems.append(e.message)
            } catch {
                problems.append("\(path): \(error.localizedDescription)")
            }
        }
        return (tasks.sorted { ($0.addedAt, $0.id) < ($1.addedAt, $1.id) }, problems)
    }

    /// Queues a task (under the lock); returns its id.
    public func enqueue(_ task: QueuedTask) throws {
        try withLock {
            try requireModel(task.model)
            try FileManager.default.createDirectory(atPath: layout.queue, withIntermediateDirectories: true)
            try AtomicFile.write(try JSONCoding.pretty(task.json), to: layout.queued(task.id), failpoint: "queue.add", exclusive: true)
            try history.append(HistoryEntry(.queue, model: task.model, fields: [
                "task_id": .string(task.id), "kind": .string(task.kind), "priority": .number(task.priority),
                "targets": .metrics(task.targets), "constraints": .metrics(task.constraints),
            ]), failpoint: "queue.history")
        }
    }

    /// Removes a queued task; `reason` goes into history. False when there was none.
    @discardableResult
    public func dequeue(_ id: String, reason: String) throws -> Bool {
        try withLock {
            let path = layout.queued(id)
            guard FileManager.default.fileExists(atPath: path) else { return false }
            let model = (try? QueuedTask.parse(Data(contentsOf: URL(fileURLWithPath: path)), file: path))?.model
            try history.append(HistoryEntry(.dequeue, model: model, fields: ["task_id": .string(id), "reason": .string(reason)]),
                               failpoint: "queue.history")
            guard unlink(path) == 0 || errno == ENOENT else {
                throw NimpError(.ioError, "\(path): cannot remove: \(String(cString: strerror(errno)))")
            }
            try AtomicFile.syncDirectory(layout.queue)
            return true
        }
    }
}

extension HistoryKind {
    /// A task was queued with `nimp task add`.
    public static let queue: HistoryKind = "queue"
    /// A queued task left the queue (`nimp task rm`, or a cycle took it).
    public static let dequeue: HistoryKind = "dequeue"
}
