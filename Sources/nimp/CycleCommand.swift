import ArgumentParser
import Foundation
import NimpCore
import NimpImprove
import NimpIO
import NimpRegistry

struct CycleCommand: NimpCommand {
    static let configuration = CommandConfiguration(
        commandName: "cycle",
        abstract: "Run one improvement cycle over the registry (the job to run from cron).",
        discussion: """
            Takes the registry lock without waiting (exit 75 when another cycle holds it), \
            assesses every champion on its held-out eval set, plans training, optimization, \
            architecture-search and distillation tasks prioritised by the signals, runs them, \
            and promotes a candidate only when its held-out gain reaches the threshold. \
            Prints a one-line JSON summary; exits 0 whether or not anything was promoted. \
            With --plan, prints the plan as JSON lines (one task each, with its reasons) and \
            changes nothing.
            """)

    @OptionGroup var registry: RegistryOptions

    @Flag(help: "Print the plan as JSON lines and change nothing.")
    var plan = false

    @Flag(help: "Run even if the last cycle ended less than improvement_interval ago.")
    var force = false

    @Option(help: "Wall-time budget for the cycle's tasks, in seconds.")
    var budgetSeconds: Double = 600

    @Option(help: ArgumentHelp("Write a Prometheus textfile (nimp.prom) for node_exporter here.", valueName: "dir"), completion: .directory)
    var textfileDir: String?

    @OptionGroup var outputOptions: OutputOptions

    func validate() throws {
        guard budgetSeconds > 0 else { throw ValidationError("--budget-seconds must be positive") }
    }

    func execute() throws {
        outputOptions.apply()
        let opened = try NimpRegistry.Registry.open(registry.path)
        var options = CycleOptions()
        options.planOnly = plan
        options.force = force
        options.budgetSeconds = budgetSeconds
        options.textfileDirectory = textfileDir
        options.commandLine = CommandLine.arguments
        let result = try Cycle.run(opened, options: options)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        if plan {
            for task in result.plan { try Console.line(String(decoding: try encoder.encode(task), as: UTF8.self)) }
            Console.info("\(result.plan.count) task(s) planned over \(result.summary.models) model(s); nothing changed")
        } else {
            if let reason = result.summary.reason { Console.info("cycle skipped: \(reason)") }
            try Console.line(String(decoding: try encoder.encode(result.summary), as: UTF8.self))
        }
    }
}
