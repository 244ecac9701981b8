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
        var files: [Int: Int] = [:]
        for version in archiveVersions() {
            if let size = archiveSize(version) { files[version] = size }
        }
        return files
    }

    /// The versions with an archive file, from one directory read: a stat per file only
    /// where the file system does not say which entries are regular files.
    public func archiveVersions() -> Set<Int> {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var versions: Set<Int> = []
        while let entry = readdir(dir) {
            let type = entry.pointee.d_type
            guard type == DT_REG || type == DT_UNKNOWN else { continue }
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            guard let version = VersionName.parseFile(name), type == DT_REG || archiveSize(version) != nil else { continue }
            versions.insert(version)
        }
        return versions
    }

    /// The size of a version's archive file; nil when there is no regular file.
    public func archiveSize(_ version: Int) -> Int? {
        var st = stat()
        guard stat(directory + "/" + VersionName.file(version), &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(st.st_size)
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
        lines.map { line in (line.number, parse(line.text).flatMap(IndexLine.summary)) }
    }

    static func parse(_ text: Substring) -> JSONValue? {
        try? JSONValue(parsing: Data(text.utf8))
    }

    /// The summary of one version, decoding only its line (what listing needs); nil
    /// when the index has no valid line for it, or its archive's size differs.
    public func summary(of version: Int, archiveSize: Int) -> VersionSummary? {
        guard let contents = try? file.read() else { return nil }
        let lines = contents.lines.map { Self.parse($0.text) }
        let versions = lines.map { $0.flatMap(IndexLine.version) }
        guard !versions.contains(nil),
              let last = versions.lastIndex(of: version),
              let summary = lines[last].flatMap(IndexLine.summary),
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

/// One index line as stored, read field by field from the parsed line. (Through
/// `JSONValueDecoder`'s Codable containers it took a third of an idle cycle.) A field
/// of the wrong type makes the whole line unreadable; a null field counts as absent.
enum IndexLine {
    private struct WrongType: Error {}

    /// The version of a line (enough to find the line for a version), nil when unreadable.
    static func version(_ line: JSONValue) -> Int? {
        guard case .object(let o) = line else { return nil }
        return o["version"].flatMap(integer)
    }

    static func summary(_ line: JSONValue) -> VersionSummary? {
        guard case .object(let o) = line else { return nil }
        do {
            let version = try required(o["version"], integer), size = try required(o["size"], integer)
            guard version > 0, size >= 0 else { return nil }
            var summary = VersionSummary(
                version: version, size: size, sha256: try required(o["sha256"], \.string),
                created: try optional(o["created"], \.string).flatMap(RegistryTime.parse),
                task: try optional(o["task"], \.string).flatMap(Task.init(rawValue:)),
                parent: try optional(o["parent"], integer), operation: try optional(o["operation"], \.string),
                teacher: try optional(o["teacher"], \.string), datasetSha256: try optional(o["dataset_sha256"], \.string),
                parameters: try optional(o["parameters"], integer), metrics: try optional(o["metrics"], metrics) ?? [:],
                heldOut: try optional(o["held_out"]) { try measured($0, shaKey: "eval_sha256") })
            summary.audit = try optional(o["audit"]) { try measured($0, shaKey: "audit_sha256") }
            return summary
        } catch {
            return nil
        }
    }

    /// An integral number that fits in Int, as `JSONValueDecoder` reads one.
    private static func integer(_ value: JSONValue) -> Int? {
        switch value {
        case .int(let i): i
        case .unsigned(let u): Int(exactly: u)
        case .number(let d): d.rounded() == d ? Int(exactly: d) : nil
        default: nil
        }
    }

    /// Metrics by name; null values are left out.
    private static func metrics(_ value: JSONValue) -> [String: Double]? {
        guard case .object(let o) = value else { return nil }
        var metrics: [String: Double] = [:]
        for (name, v) in o where v != .null {
            guard let d = v.double else { return nil }
            metrics[name] = d
        }
        return metrics
    }

    /// `held_out` or `audit`: the set's sha256 and the metrics on it.
    private static func measured(_ value: JSONValue, shaKey: String) throws -> HeldOutMetrics {
        guard case .object(let o) = value else { throw WrongType() }
        return HeldOutMetrics(evalSha256: try required(o[shaKey], \.string), metrics: try optional(o["metrics"], metrics) ?? [:])
    }

    private static func required<T>(_ value: JSONValue?, _ read: (JSONValue) throws -> T?) throws -> T {
        guard let value, let t = try read(value) else { throw WrongType() }
        return t
    }

    private static func optional<T>(_ value: JSONValue?, _ read: (JSONValue) throws -> T?) throws -> T? {
        guard let value, value != .null else { return nil }
        guard let t = try read(value) else { throw WrongType() }
        return t
    }
}
