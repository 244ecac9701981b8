import ArgumentParser
import NimpCore
import NimpIO
import NimpRegistry

struct RegistryExport: NimpCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Copy a model's champion (ID) or a version (ID@VERSION) out of the registry.",
        discussion: "The archive is checked in full first (exit 65 when damaged). `-o -` writes it to stdout.")

    @Argument(help: ArgumentHelp("ID for the champion, or ID@VERSION (e.g. sine@3).", valueName: "id[@version]"))
    var reference: String

    @Option(name: .shortAndLong, help: ArgumentHelp("Where to write the archive (- for stdout).", valueName: "file"))
    var output: String

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var outputOptions: OutputOptions

    func execute() throws {
        outputOptions.apply()
        let reg = try registry.open()
        let (id, version) = try reg.resolve(reference)
        if output == "-" {
            let data = try reg.exportData(id, version: version)
            try Console.out(String(decoding: data, as: UTF8.self))
        } else {
            try reg.export(id, version: version, to: output)
            Console.info("exported \(id) \(VersionName.label(version)) to \(output)")
        }
    }
}
