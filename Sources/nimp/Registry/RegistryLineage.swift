import ArgumentParser
import NimpCore
import NimpIO
import NimpRegistry

struct RegistryLineage: NimpCommand {
    static let configuration = CommandConfiguration(
        commandName: "lineage",
        abstract: "Show a model's version graph: parent, operation, teacher, metrics.",
        discussion: "JSON lines, one per version; --dot prints Graphviz (`nimp registry lineage ID --dot | dot -Tsvg > g.svg`).")

    @Argument(help: "The model id.", completion: .modelID())
    var id: String

    @Flag(help: "Print a Graphviz dot graph.")
    var dot = false

    @OptionGroup var registry: RegistryOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the output here instead of stdout.", valueName: "file"), completion: .file())
    var output: String?

    func execute() throws {
        let reg = try registry.open()
        let graph = try reg.lineage(id)
        var options = ListingOutputOptions()
        options.output = output
        try options.emit(dot ? graph.dot() : graph.jsonLines().map { $0 + "\n" }.joined())
    }
}
