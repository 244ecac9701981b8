import ArgumentParser

/// `nimp registry …`: the registry directory's subcommands.
struct RegistryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "Keep models, versions, champions and history in a registry directory.",
        discussion: """
            The registry is $NIMP_REGISTRY, else ./nimp-registry, or --registry DIR. Writers take \
            the registry lock (exit 75 when another command holds it; --wait SECONDS waits; \
            exit 69 on a mount whose locks do not span hosts). \
            Listings print a table on a terminal and JSON lines otherwise.
            """,
        subcommands: [
            RegistryInit.self, RegistryAdd.self, RegistryList.self, RegistryShow.self, RegistryVersions.self,
            RegistryLineage.self, RegistryHistory.self, RegistrySignals.self, RegistryStatus.self,
            RegistryPromote.self, RegistryRollback.self, RegistryRefresh.self, RegistryVerify.self, RegistryGC.self,
            RegistryExport.self, RegistryConfigCommand.self, RegistryReportCommand.self,
        ])

    // Lets `nimp registry --registry DIR SUBCOMMAND` work as the original specification spells it: the
    // subcommands declare the same group, and argument-parser passes the value down.
    @OptionGroup var registry: RegistryOptions
}
