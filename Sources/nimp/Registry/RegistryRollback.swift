import ArgumentParser
import NimpCore
import NimpIO
import NimpRegistry

struct RegistryRollback: NimpCommand, WaitsForLock {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Make the previous champion of a model the champion again.",
        discussion: """
            Previous champions come from models/ID/champion.log: each rollback steps one champion \
            further back. Exit 1 when the model has no previous champion.
            """)

    @Argument(help: "The model id.", completion: .modelID())
    var id: String

    @Option(help: "Why, for history.")
    var reason: String = "manual rollback"

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var lock: LockOptions
    @OptionGroup var outputOptions: OutputOptions

    func execute() throws {
        outputOptions.apply()
        let reg = try registry.open(wait: lock.wait)
        let result = try reg.rollback(id, reason: reason)
        Console.info("\(id): champion is now \(VersionName.label(result.to)) (was \(result.from.map(VersionName.label) ?? "-"))")
        try Console.line(JSONCoding.line(changeJSON(result)))
    }
}
