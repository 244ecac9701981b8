import ArgumentParser
import NimpCore
import NimpIO
import NimpRegistry

struct RegistryVersions: NimpCommand {
    static let configuration = CommandConfiguration(
        commandName: "versions",
        abstract: "List a model's versions: parent, operation, metrics, size, champion.",
        discussion: "JSON lines unless stdout is a terminal. A damaged archive is listed with a warning on stderr and skipped.")

    @Argument(help: "The model id.", completion: .modelID())
    var id: String

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var listing: ListingOutputOptions

    func execute() throws {
        let reg = try registry.open()
        let list = try reg.versions(id)
        for damaged in list.damaged { Console.warn("skipping \(VersionName.label(damaged.version)): \(damaged.error.message)") }
        for problem in list.indexProblems { Console.warn("\(problem) (cache; rebuilt by the next writer)") }
        let champion = try reg.champion(id)
        if listing.isTable {
            var table = TextTable(["VERSION", "", "CREATED", "PARENT", "OPERATION", "HELD-OUT", "PARAMS", "BYTES"], rightAligned: [6, 7])
            for s in list.summaries {
                let metrics = s.heldOut?.metrics ?? s.metrics
                let keys = ["r2", "rmse", "accuracy", "log_loss"].filter { metrics[$0] != nil }.prefix(2)
                table.add([VersionName.label(s.version), s.version == champion ? "*" : "",
                           s.created.map(RegistryTime.string).map { String($0.prefix(19)) } ?? "-",
                           s.parent.map(VersionName.label) ?? "-", s.operation ?? "-",
                           keys.map { "\($0)=\(formatMetric(metrics[$0]!))" }.joined(separator: " "),
                           s.parameters.map(String.init) ?? "-", String(s.size)])
            }
            try listing.emit(table.text)
        } else {
            try listing.emit(lines: list.summaries.map { s in
                var o = s.json.object ?? [:]
                o["model"] = .string(id)
                o["champion"] = .bool(s.version == champion)
                return try JSONCoding.line(JSONValue.object(o))
            })
        }
    }
}
