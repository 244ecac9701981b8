import ArgumentParser
import NimpCore
import NimpCycle
import NimpIO
import NimpRegistry

struct RegistryPromote: NimpCommand, WaitsForLock {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "Make a version the champion of its model.",
        discussion: """
            The archive is checked in full first (exit 65 when damaged). The change is logged in \
            models/ID/champion.log (so `rollback` can undo it) and history.jsonl; the champion \
            pointer is replaced atomically, so readers see the old or the new champion, never neither.
            """)

    @Argument(help: ArgumentHelp("The model id, or ID@VERSION as show and export take it.", valueName: "id[@version]"), completion: .modelID())
    var id: String

    @Argument(help: "The version: 3 or v0003 (not with ID@VERSION).", completion: .versionNumber)
    var version: String?

    @Option(help: "Why, for history.")
    var reason: String = "manual promote"

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var lock: LockOptions
    @OptionGroup var outputOptions: OutputOptions

    func execute() throws {
        outputOptions.apply()
        let parts = id.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let (id, versionText): (String, String?) = parts.count == 2 ? (parts[0], parts[1]) : (self.id, version)
        if parts.count == 2 && version != nil { throw NimpError.usage("give the version once: \(self.id) or \(parts[0]) \(version!)") }
        guard let versionText else { throw NimpError.usage("which version? give ID@VERSION or ID VERSION, e.g. \(id)@3") }
        guard let number = VersionName.parse(versionText) else {
            throw NimpError.usage("version \(String(reflecting: versionText)): expected a number like 3 or v0003")
        }
        let reg = try registry.open(wait: lock.wait)
        let result = try reg.promote(id, version: number, reason: reason)
        // An owner may promote what they like; a broken constraint is said out loud.
        if let summary = try reg.versions(id).summary(number) {
            let known = (summary.heldOut?.metrics ?? [:]).merging(summary.parameters.map { ["parameters": Double($0)] } ?? [:]) { a, _ in a }
            for v in Gate.violations(known, try reg.spec(id).constraints) {
                Console.warn("\(id) \(VersionName.label(number)): \(v.text); the next cycles work on meeting it first")
            }
        }
        Console.info(result.changed ? "\(id): champion is now \(VersionName.label(number))" + (result.from.map { " (was \(VersionName.label($0)))" } ?? "")
            : "\(id): \(VersionName.label(number)) already is the champion")
        try Console.line(JSONCoding.line(changeJSON(result)))
    }
}

func changeJSON(_ r: ChampionChangeResult) -> JSONValue {
    ["model": .string(r.model), "from": r.from.map { .int($0) } ?? .null, "to": .int(r.to), "changed": .bool(r.changed)]
}
