import ArgumentParser
import NimpCore
import NimpIO
import NimpRegistry

struct RegistryConfigCommand: NimpCommand, WaitsForLock {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show or change settings (config.json).",
        discussion: """
            No KEY: every setting (JSON lines of key, value, default, type; a table on a terminal). \
            KEY: its value. KEY VALUE: validates and sets it under the lock, and records the change \
            in history. Keys: \(RegistryConfig.keys.map(\.name).joined(separator: ", ")).
            """)

    @Argument(help: "A setting's name.")
    var key: String?

    @Argument(help: "A new value for it.")
    var value: String?

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var lock: LockOptions
    @OptionGroup var listing: ListingOutputOptions

    func execute() throws {
        let reg = try registry.open(wait: lock.wait)
        guard let key else {
            let config = try reg.config()
            if listing.isTable {
                var table = TextTable(["KEY", "VALUE", "DEFAULT", "TYPE", "MEANING"])
                for k in RegistryConfig.keys {
                    table.add([k.name, describe(config.value(k)), describe(k.defaultValue), k.typeDescription, k.help])
                }
                try listing.emit(table.text)
            } else {
                try listing.emit(lines: RegistryConfig.keys.map { k in
                    try JSONCoding.line(JSONValue.object([
                        "key": .string(k.name), "value": config.value(k), "default": k.defaultValue, "type": .string(k.typeDescription),
                    ]))
                })
            }
            return
        }
        let configKey = try RegistryConfig.key(key)
        if let value {
            let (old, new) = try reg.setConfig(key, to: value)
            Console.info("\(key): \(describe(old)) → \(describe(new))")
        } else {
            try listing.emit(describe(try reg.config().value(configKey)) + "\n")
        }
    }
}
