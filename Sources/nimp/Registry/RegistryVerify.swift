import ArgumentParser
import NimpCore
import NimpIO
import NimpRegistry

struct RegistryVerify: NimpCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every archive, champion pointer, model.json, dataset and history line.",
        discussion: """
            Prints one line per problem on stdout and exits 65 when there is any; exit 0 when \
            clean. Warnings (temporaries left by a killed writer, which the next writer removes; \
            a damaged index cache, which is rebuilt) go to stderr and do not fail, unless --strict. \
            A model.json naming a teacher command that another user could write (it, or a \
            directory above it in the registry, owned by someone else or writable by group or \
            others) is a problem: a cycle would refuse to run the command. Never takes the lock \
            and changes nothing.
            """)

    @Flag(help: "Count warnings as problems.")
    var strict = false

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var outputOptions: OutputOptions

    func execute() throws {
        outputOptions.apply()
        let reg = try registry.open()
        let report = reg.verify()
        for warning in report.warnings { Console.warn(warning) }
        let problems = report.problems + (strict ? report.warnings : [])
        for problem in problems { try Console.line(problem) }
        Console.info("verified \(report.models) models, \(report.versions) versions, \(report.dataFiles) datasets, "
            + "\(report.historyLines) history lines: \(problems.isEmpty ? "clean" : "\(problems.count) problem\(problems.count == 1 ? "" : "s")")")
        if !problems.isEmpty { throw ExitCode(ExitStatus.code(for: .dataError)) }
    }
}
