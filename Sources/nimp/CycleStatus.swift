import ArgumentParser
import Foundation
import NimpCycle
import NimpIO
import NimpRegistry

/// `nimp cycle status`: the plans not yet gated, task by task.
struct CycleStatusCommand: NimpCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the cycles in flight: each plan's tasks done, failed, running and pending, with Slurm's job ids.",
        discussion: """
            Reads the plan directories under REGISTRY/cycles (or those given): a task with a \
            result is done (or failed, or timeout); for a plan handed to Slurm, the others are \
            pending or running as squeue says, or failed when their job ended without a result \
            (the gate job resubmits those, up to max_task_retries). Takes no lock. Prints a \
            table on a terminal, else one JSON line per plan.
            """)

    @OptionGroup var registry: RegistryOptions
    @Argument(help: ArgumentHelp("Plan directories (default: those under REGISTRY/cycles).", valueName: "dir"), completion: .directory)
    var directories: [String] = []
    @Option(help: "Output format.") var format: ListingFormat = .auto

    func execute() throws {
        let opened = try registry.open()
        let plans = try CycleStatus.read(opened, directories: directories)
        guard format.isTable else {
            for p in plans { try Console.line(JSONCoding.line(p.json)) }
            return
        }
        if plans.isEmpty { Console.info("no cycle in flight") }
        for p in plans {
            let counts = ["done", "failed", "timeout", "running", "pending", "waiting"].compactMap { k in p.counts[k].map { "\($0) \(k)" } }
            let jobs = p.jobs.map { "\($0.job) \($0.state.lowercased())" }
            try Console.out("\(p.plan) (\(p.executor)): \(p.tasks.count) task(s): \(counts.joined(separator: ", "))"
                            + (jobs.isEmpty ? "" : "; jobs: " + jobs.joined(separator: ", ")) + "\n")
            var table = TextTable(["task", "state", "job", "detail"])
            for t in p.tasks { table.add([t.id, t.state, t.job ?? "", t.detail ?? ""]) }
            try Console.out(table.text)
        }
    }
}
