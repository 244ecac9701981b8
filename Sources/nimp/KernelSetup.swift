/// Which command lines choose GEMM kernels before running. Choosing means executing the
/// program a second time (30–40 ms); the registry's reading commands multiply no matrix,
/// and `registry list` or `status` from a monitor or a prompt should start at once.
enum KernelSetup {
    /// `nimp registry SUBCOMMAND` subcommands that neither train, evaluate nor predict.
    static let registryReaders: Set<String> = ["list", "show", "versions", "lineage", "history", "signals", "status", "config", "verify", "gc"]

    static func needed(_ arguments: [String]) -> Bool {
        guard arguments.count > 1, arguments[1] == "registry" else { return true }
        var rest = arguments.dropFirst(2)[...]
        while let argument = rest.popFirst() {
            if argument == "--registry" || argument == "--wait" {
                _ = rest.popFirst()
            } else if !argument.hasPrefix("-") {
                return !registryReaders.contains(argument)
            }
        }
        return true
    }
}
