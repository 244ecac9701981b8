import Foundation
import NimpCore
import NimpIO
import NimpOperators
import NimpRegistry

/// What `nimp task run` leaves for the gate: whether a candidate was made, where, its
/// sha256, and the run's time and place. The gate trusts none of the candidate's
/// numbers: it measures again (README, "Task and result files").
public struct TaskResult: Sendable, Equatable {
    public static let format = "nimp-task-result"
    public static let formatVersion = 1
    public static let maxBytes = 1 << 20

    public enum Status: String, Sendable, CaseIterable {
        /// A candidate archive was written.
        case candidate
        /// The task ran out of its budget.
        case timeout
        /// The task could not make a candidate (bad data, a missing champion…).
        case failed
    }

    public var taskID: String
    /// The task file as the run read it (absolute) and its sha256: the gate checks both.
    public var taskPath: String
    public var taskSHA256: String
    public var model: String
    public var type: TaskType
    public var status: Status
    /// The candidate archive's file name, in the result's directory.
    public var candidate: String?
    public var candidateSHA256: String?
    public var reason: String
    public var seconds: Double
    public var cpuSeconds: Double
    public var host: String
    public var pid: Int32
    /// Who ran the task: `local` (a process of `nimp cycle`), `manual`, `slurm`…
    public var executor: String
    /// The scheduler's id of the job that ran it (Slurm: `ARRAYJOB_INDEX`).
    public var job: String?
    public var finishedAt: Date
    /// Rows the model's generator or teacher command labelled for this task (its teacher
    /// calls), and how they were drawn; nil when the task asked for none.
    public var teacherRows: Int?
    public var sampling: DataSource.Sampling?
    /// The file of those rows, in the result's directory, and its sha256, when the model
    /// keeps them: the gate adds them to its training set.
    public var rows: String?
    public var rowsSHA256: String?

    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "format": .string(Self.format), "format_version": .int(Self.formatVersion), "task_id": .string(taskID),
            "task": .string(taskPath), "task_sha256": .string(taskSHA256), "model": .string(model), "kind": .string(type.rawValue),
            "status": .string(status.rawValue), "reason": .string(reason), "seconds": .number(seconds),
            "cpu_seconds": .number(cpuSeconds), "host": .string(host), "pid": .int(Int(pid)), "executor": .string(executor),
            "finished_at": .string(RegistryTime.string(finishedAt)),
        ]
        if let c = candidate { o["candidate"] = .string(c) }
        if let s = candidateSHA256 { o["candidate_sha256"] = .string(s) }
        if let j = job { o["job"] = .string(j) }
        if let n = teacherRows { o["teacher_rows"] = .int(n) }
        if let s = sampling { o["sampling"] = .string(s.rawValue) }
        if let r = rows { o["rows"] = .string(r) }
        if let s = rowsSHA256 { o["rows_sha256"] = .string(s) }
        return .object(o)
    }

    public static func parse(_ data: Data, file: String) throws -> TaskResult {
        var o = try StrictObject(try JSONCoding.parse(data, file: file), file: file)
        guard try o.requiredString("format") == format else { throw o.fail("format", "expected \"\(format)\"") }
        let version = try o.int("format_version") ?? 0
        guard (1...formatVersion).contains(version) else {
            throw o.fail("format_version", "is \(version); this nimp reads result files of version 1 to \(formatVersion)")
        }
        let id = try o.requiredString("task_id")
        guard TaskID.isValid(id) else { throw o.fail("task_id", "expected letters, digits, '.', '_' and '-'") }
        let taskPath = try o.requiredString("task")
        let sha = try o.requiredString("task_sha256")
        guard sha.count == 64, sha.allSatisfy(\.isHexDigit) else { throw o.fail("task_sha256", "expected 64 hex digits") }
        let model = try o.requiredString("model")
        if let problem = ModelID.problem(model) { throw o.fail("model", problem) }
        let type = TaskType(rawValue: try o.requiredString("kind"))
        let statusText = try o.requiredString("status")
        guard let status = Status(rawValue: statusText) else {
            throw o.fail("status", "expected one of " + Status.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let candidate = try o.string("candidate")
        if let c = candidate, !TaskID.isValid(c) { throw o.fail("candidate", "expected a file name in the result's directory") }
        let candidateSHA = try o.string("candidate_sha256")
        if let s = candidateSHA, !(s.count == 64 && s.allSatisfy(\.isHexDigit)) { throw o.fail("candidate_sha256", "expected 64 hex digits") }
        if status == .candidate, candidate == nil || candidateSHA == nil {
            throw o.fail("candidate", "missing: a result with status \"candidate\" names its archive and sha256")
        }
        var result = TaskResult(
            taskID: id, taskPath: taskPath, taskSHA256: sha.lowercased(), model: model, type: type, status: status,
            candidate: candidate, candidateSHA256: candidateSHA?.lowercased(), reason: try o.string("reason") ?? "",
            seconds: try o.double("seconds") ?? 0, cpuSeconds: try o.double("cpu_seconds") ?? 0, host: try o.string("host") ?? "?",
            pid: Int32(clamping: try o.int("pid") ?? 0), executor: try o.string("executor") ?? "?",
            finishedAt: try o.string("finished_at").flatMap(RegistryTime.parse) ?? Date(timeIntervalSince1970: 0))
        result.job = try o.string("job")
        result.teacherRows = try o.int("teacher_rows")
        if let n = result.teacherRows, n < 0 { throw o.fail("teacher_rows", "\(n), expected a count of rows (0 or more)") }
        if let name = try o.string("sampling") {
            guard let s = DataSource.Sampling(rawValue: name) else {
                throw o.fail("sampling", "expected one of " + DataSource.Sampling.allCases.map(\.rawValue).joined(separator: ", "))
            }
            result.sampling = s
        }
        result.rows = try o.string("rows")
        if let r = result.rows, !TaskID.isValid(r) { throw o.fail("rows", "expected a file name in the result's directory") }
        result.rowsSHA256 = try o.string("rows_sha256")?.lowercased()
        if let s = result.rowsSHA256, !(s.count == 64 && s.allSatisfy(\.isHexDigit)) { throw o.fail("rows_sha256", "expected 64 hex digits") }
        if (result.rows == nil) != (result.rowsSHA256 == nil) { throw o.fail("rows", "a rows file is named with its sha256, or neither is given") }
        try o.finish()
        return result
    }

    public static func read(path: String) throws -> TaskResult {
        try parse(try readSmallFile(path, limit: maxBytes, what: "result file"), file: path)
    }

    /// Where a task's result goes: `DIR/results/ID.result.json` beside `DIR/tasks/`, else next to the task.
    public static func defaultDirectory(forTask path: String) -> String {
        let dir = (absolute(path) as NSString).deletingLastPathComponent
        return (dir as NSString).lastPathComponent == "tasks" ? (dir as NSString).deletingLastPathComponent + "/results" : dir
    }

    public static func fileName(_ taskID: String) -> String { taskID + ".result.json" }

    /// The task id a result file's name gives (a hint: the file says which task it is).
    static func taskID(fromFileName path: String) -> String? {
        let name = (path as NSString).lastPathComponent
        return name.hasSuffix(".result.json") ? String(name.dropLast(".result.json".count)) : nil
    }
    public static func candidateName(_ taskID: String) -> String { taskID + ".nimp" }
    public static func rowsName(_ taskID: String) -> String { taskID + ".rows.safetensors" }
}

/// `path` made absolute against the working directory.
func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
}

/// CPU seconds (user + system) this process has used.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}
