import ArgumentParser
import NimpCore
import NimpIO
import NimpRegistry

struct RegistryGC: NimpCommand, WaitsForLock {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove old versions: keep the newest N per model, champions, previous champions and their lineage.",
        discussion: """
            Never removes a champion, a previous champion (rollback needs it), a version in their \
            lineage (parents, and teachers that are versions in this registry), a damaged archive \
            (verify reports it) or the newest version. Also removes datasets in data/ that no \
            model.json refers to. Prints one JSON line: removed versions by model, bytes freed.
            """)

    @Option(help: "Versions to keep per model (default: keep_versions of config.json).")
    var keep: Int?

    @Flag(help: "Report what would be removed; remove nothing.")
    var dryRun = false

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var lock: LockOptions
    @OptionGroup var outputOptions: OutputOptions

    func validate() throws {
        if let keep, keep < 1 { throw ValidationError("--keep must be at least 1") }
    }

    func execute() throws {
        outputOptions.apply()
        let reg = try registry.open(wait: lock.wait)
        let report = try reg.gc(keep: try keep ?? reg.config().keepVersions, dryRun: dryRun)
        for warning in report.warnings { Console.warn(warning) }
        let count = report.removed.values.reduce(0) { $0 + $1.count }
        Console.info("\(dryRun ? "would remove" : "removed") \(count) version\(count == 1 ? "" : "s") and \(report.removedData.count) dataset(s), \(report.bytesFreed) bytes")
        let removed = JSONValue.object(report.removed.mapValues { .array($0.map { .int($0) }) })
        let protected = JSONValue.object(report.protected.mapValues { kept in
            .object(Dictionary(uniqueKeysWithValues: kept.map { (VersionName.label($0.key), JSONValue.string($0.value)) }))
        })
        try Console.line(JSONCoding.line(JSONValue.object([
            "removed": removed, "protected": protected, "bytes_freed": .int(report.bytesFreed), "dry_run": .bool(dryRun),
            "removed_data": .array(report.removedData.map { .string($0) }),
        ])))
    }
}
