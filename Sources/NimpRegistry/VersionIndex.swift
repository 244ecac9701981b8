import Foundation
import NimpCore
import NimpIO

/// Metrics of a version measured on one of its model's held-out sets (eval or audit),
/// valid while that set's sha256 is the model's.
public struct HeldOutMetrics: Equatable, Sendable {
    public var evalSha256: String
    public var metrics: [String: Double]

    public init(evalSha256: String, metrics: [String: Double]) {
        self.evalSha256 = evalSha256
        self.metrics = metrics
    }

    func json(shaKey: String) -> JSONValue {
        [shaKey: .string(evalSha256), "metrics": .metrics(metrics)]
    }

    init?(json: JSONValue?, shaKey: String) {
        guard let json, let sha = json[shaKey]?.string else { return nil }
        self.init(evalSha256: sha, metrics: json["metrics"]?.metrics ?? [:])
    }
}

/// What listing needs to know about one version, cached in versions/index.jsonl so
/// that `list`, `versions` and `lineage` never open archives.
public struct VersionSummary: Equatable, Sendable {
    public var version: Int
    /// Archive size in bytes: checked against the file on every read.
    public var size: Int
    public var sha256: String
    public var created: Date?
    public var task: Task?
    public var parent: Int?
    public var operation: String?
    public var teacher: String?
    public var datasetSha256: String?
    public var parameters: Int?
    /// Metrics recorded in the manifest when the archive was made.
    public var metrics: [String: Double]
    /// Metrics on the eval set, when measured (by `add` or a cycle).
    public var heldOut: HeldOutMetrics?
    /// Metrics on the audit set, when measured (never read by a decision).
    public var audit: HeldOutMetrics?

    public init(version: Int, size: Int, sha256: String, created: Date? = nil, task: Task? = nil, parent: Int? = nil,
                operation: String? = nil, teacher: String? = nil, datasetSha256: String? = nil, parameters: Int? = nil,
                metrics: [String: Double] = [:], heldOut: HeldOutMetrics? = nil)
    {
        self.version = version
        self.size = size
        self.sha256 = sha256
        self.created = created
        self.task = task
        self.parent = parent
        self.operation = operation
        self.teacher = teacher
        self.datasetSha256 = datasetSha256
        self.parameters = parameters
        self.metrics = metrics
        self.heldOut = heldOut
    }

    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "version": .int(version), "size": .int(size), "sha256": .string(sha256), "metrics": .metrics(metrics),
        ]
        if let created { o["created"] = .string(RegistryTime.string(created)) }
        if let task { o["task"] = .string(task.rawValue) }
        if let parent { o["parent"] = .int(parent) }
        if let operation { o["operation"] = .string(operation) }
        if let teacher { o["teacher"] = .string(teacher) }
        if let datasetSha256 { o["dataset_sha256"] = .string(datasetSha256) }
        if let parameters { o["parameters"] = .int(parameters) }
        if let heldOut { o["held_out"] = heldOut.json(shaKey: "eval_sha256") }
        if let audit { o["audit"] = audit.json(shaKey: "audit_sha256") }
        return .object(o)
    }

    init?(json v: JSONValue) {
        guard let version = v["version"]?.int, version > 0, let size = v["size"]?.int, let sha = v["sha256"]?.string else { return nil }
        self.init(version: version, size: size, sha256: sha)
        created = v["created"]?.string.flatMap(RegistryTime.parse)
        task = v["task"]?.string.flatMap(Task.init(rawValue:))
        parent = v["parent"]?.int
        operation = v["operation"]?.string
        teacher = v["teacher"]?.string
        datasetSha256 = v["dataset_sha256"]?.string
        parameters = v["parameters"]?.int
        metrics = v["metrics"]?.metrics ?? [:]
        heldOut = HeldOutMetrics(json: v["held_out"], shaKey: "eval_sha256")
        audit = HeldOutMetrics(json: v["audit"], shaKey: "audit_sha256")
    }
}

/// versions/index.jsonl: a cache of `VersionSummary` lines, one per version (a later
/// line for the same version replaces an earlier one, e.g. to add held-out metrics).
///
/// The archives are the truth; the cache is never trusted blindly: an entry counts
/// only while an archive of that name and size exists, and archives without a valid
/// entry are reported so the caller summarises them from the archive itself (and a
/// writer saves the result). A damaged or deleted index is rebuilt, never fatal.
public struct VersionIndex: Sendable {
    /// The versions directory (models/ID/versions, or one being staged).
    public let directory: String

    public init(layout: RegistryLayout, model: String) {
        directory = layout.versions(model)
    }

    init(directory: String) {
        self.directory = directory
    }

    var file: JSONLinesFile { JSONLinesFile(path: directory + "/index.jsonl") }

    /// The index checked against the versions directory.
    public struct Loaded: Sendable {
        /// Valid entries of existing archives, by version.
        public var summaries: [Int: VersionSummary]
        /// Archive files present, by version, with their sizes.
        public var files: [Int: Int]
        /// Versions whose archive has no valid entry.
        public var unindexed: [Int]
        /// Whether the file holds lines that no longer count (a rewrite would shrink it).
        public var stale: Bool
        public var problems: [LineProblem]
    }

    /// Archive files in versions/ (version → size). Missing directory: none.
    public func archiveFiles() -> [Int: Int] {
        let dir = directory
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [:] }
        var files: [Int: Int] = [:]
        for name in names {
            guard let version = VersionName.parseFile(name) else { continue }
            var st = stat()
            if stat(dir + "/" + name, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG { files[version] = Int(st.st_size) }
        }
        return files
    }

    public func load() throws -> Loaded {
        let files = archiveFiles()
        let contents = (try? file.read()) ?? JSONLinesFile.Contents(lines: [], torn: nil)
        var problems: [LineProblem] = contents.torn.map { [$0] } ?? []
        var summaries: [Int: VersionSummary] = [:]
        var stale = contents.torn != nil
        for (number, summary) in Self.decode(contents.lines) {
            guard let summary else {
                problems.append(LineProblem(file: file.path, line: number, message: "not a version summary"))
                stale = true
                continue
            }
            if summaries[summary.version] != nil { stale = true }
            summaries[summary.version] = summary
        }
        for (version, summary) in summaries where files[version] != summary.size {
            summaries[version] = nil
            stale = true
        }
        let unindexed = files.keys.filter { summaries[$0] == nil }.sorted()
        return Loaded(summaries: summaries, files: files, unindexed: unindexed, stale: stale, problems: problems)
    }

    /// Decodes index lines one by one, so one damaged line does not hide the others.
    static func decode(_ lines: [(number: Int, text: Substring)]) -> [(Int, VersionSummary?)] {
        lines.map { line in (line.number, decodeLine(IndexLine.self, line.text)?.summary) }
    }

    static func decodeLine<T: Decodable>(_ type: T.Type, _ text: Substring) -> T? {
        guard let value = try? JSONValue(parsing: Data(text.utf8)) else { return nil }
        return try? JSONValueDecoder.decode(type, from: value)
    }

    /// The summary of one version, decoding only its line (what listing needs); nil
    /// when the index has no valid line for it, or its archive's size differs.
    public func summary(of version: Int, archiveSize: Int) -> VersionSummary? {
        guard let contents = try? file.read() else { return nil }
        let keys = contents.lines.map { Self.decodeLine(IndexKey.self, $0.text) }
        guard !keys.contains(where: { $0 == nil }),
              let last = keys.lastIndex(where: { $0?.version == version }),
              let summary = Self.decodeLine(IndexLine.self, contents.lines[last].text)?.summary,
              summary.version == version, summary.size == archiveSize
        else { return nil }
        return summary
    }

    /// Appends summaries (the caller holds the lock). Failpoints `index.write`, `index.fsync`.
    public func append(_ summaries: [VersionSummary], failpoint: String = "index") throws {
        try file.append(try summaries.map { try JSONCoding.line($0.json) }, failpoint: failpoint)
    }

    /// Replaces the index with exactly `summaries` (the caller holds the lock).
    public func rewrite(_ summaries: [VersionSummary], failpoint: String = "index.rewrite") throws {
        let lines = try summaries.sorted { $0.version < $1.version }.map { try JSONCoding.line($0.json) + "\n" }
        try AtomicFile.write(Data(lines.joined().utf8), to: file.path, failpoint: failpoint)
    }
}

/// One index line as stored (typed decoding: much faster than going through JSONValue).
struct IndexLine: Decodable {
    struct HeldOut: Decodable {
        var evalSha256: String
        var metrics: [String: Double?]?
        enum CodingKeys: String, CodingKey {
            case metrics
            case evalSha256 = "eval_sha256"
        }
        var value: HeldOutMetrics { HeldOutMetrics(evalSha256: evalSha256, metrics: (metrics ?? [:]).compactMapValues { $0 }) }
    }

    struct Audit: Decodable {
        var auditSha256: String
        var metrics: [String: Double?]?
        enum CodingKeys: String, CodingKey {
            case metrics
            case auditSha256 = "audit_sha256"
        }
        var value: HeldOutMetrics { HeldOutMetrics(evalSha256: auditSha256, metrics: (metrics ?? [:]).compactMapValues { $0 }) }
    }

    var version: Int
    var size: Int
    var sha256: String
    var created: String?
    var task: String?
    var parent: Int?
    var operation: String?
    var teacher: String?
    var datasetSha256: String?
    var parameters: Int?
    var metrics: [String: Double?]?
    var heldOut: HeldOut?
    var audit: Audit?

    enum CodingKeys: String, CodingKey {
        case version, size, sha256, created, task, parent, operation, teacher, parameters, metrics, audit
        case datasetSha256 = "dataset_sha256"
        case heldOut = "held_out"
    }

    var summary: VersionSummary? {
        guard version > 0, size >= 0 else { return nil }
        var summary = VersionSummary(version: version, size: size, sha256: sha256, created: created.flatMap(RegistryTime.parse),
                                     task: task.flatMap(Task.init(rawValue:)), parent: parent, operation: operation, teacher: teacher,
                                     datasetSha256: datasetSha256, parameters: parameters, metrics: (metrics ?? [:]).compactMapValues { $0 },
                                     heldOut: heldOut?.value)
        summary.audit = audit?.value
        return summary
    }
}

/// Only the version of an index line: scanning for one line is cheaper than decoding all.
struct IndexKey: Decodable {
    var version: Int
}
