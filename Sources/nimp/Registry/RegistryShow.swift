import ArgumentParser
import Foundation
import NimpCore
import NimpIO
import NimpRegistry

struct RegistryShow: NimpCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one model (its model.json, champion and versions) or one version's manifest (ID@VERSION).",
        discussion: "One JSON object, indented on a terminal. A damaged entry is exit 65.")

    @Argument(help: ArgumentHelp("A model id, or ID@VERSION for one version's manifest.", valueName: "id[@version]"),
              completion: .modelID(versions: true))
    var reference: String

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var listing: ListingOutputOptions

    func execute() throws {
        let reg = try registry.open()
        let value: JSONValue
        if reference.contains("@") {
            let (id, version) = try reg.resolve(reference)
            let archive = try reg.archive(id, version: version)
            let manifest = try JSONValue(encoding: archive.manifest)
            value = ["model": .string(id), "version": .int(version), "sha256": .string(archive.sha256),
                     "champion": .bool(try reg.champion(id) == version), "manifest": manifest]
        } else {
            let spec = try reg.spec(reference)
            let listing = try reg.listing(reference)
            let stack = try reg.champions(reference).stack()
            var o = listing.json.object ?? [:]
            o["spec"] = spec.json
            o["previous_champions"] = .array(stack.dropLast().map { .int($0) })
            o["path"] = .string(reg.layout.model(reference))
            value = .object(o)
        }
        let text = listing.isTable ? String(decoding: try JSONCoding.pretty(value), as: UTF8.self) : try JSONCoding.line(value) + "\n"
        try listing.emit(text)
    }
}
