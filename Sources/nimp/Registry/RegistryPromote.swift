import ArgumentParser
import NimpCore
import NimpIO
import NimpRegistry

struct RegistryPromote: NimpCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "Make a version the champion of its model.",
        discussion: """
            The archive is checked in full first (exit 65 when damaged). The change is logged in \
            models/ID/champion.log (so `rollback` can undo it) and history.jsonl; the champion \
            pointer is replaced atomically, so readers see the old or the new champion, never neither.
            """)

    @Argument(help: "The model id.", completion: .modelID())
    var id: String

    @Argument(help: "The version: 3 or v0003.", completion: .versionNumber)
    var version: String

    @Option(help: "Why, for history.")
    var reason: String = "manual promote"

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var lock: LockOptions
    @OptionGroup var outputOptions: OutputOptions

    func execute() throws {
        outputOptions.apply()
        guard let number = VersionName.parse(version) else {
            throw NimpError.usage("version \(String(reflecting: version)): expected a number like 3 or v0003")
        }
        let reg = try registry.open(wait: lock.wait)
        let result = try reg.promote(id, version: number, reason: reason)
        Console.info(result.changed ? "\(id): champion is now \(VersionName.label(number))" + (result.from.map { " (was \(VersionName.label($0)))" } ?? "")
            : "\(id): \(VersionName.label(number)) already is the champion")
        try Console.line(RegistryJSON.line(changeJSON(result)))
    }
}

func changeJSON(_ r: ChampionChangeResult) -> JSONValue {
    ["model": .string(r.model), "from": r.from.map { .int($0) } ?? .null, "to": .int(r.to), "changed": .bool(r.changed)]
}
