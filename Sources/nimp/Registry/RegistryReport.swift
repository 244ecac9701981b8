import ArgumentParser
import Foundation
import NimpCore
import NimpReport
import NimpIO
import NimpRegistry

struct RegistryReportCommand: NimpCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write an HTML report with charts: quality over versions, trade-offs, gains and signals over cycles.",
        discussion: """
            One self-contained HTML file (inline SVG and CSS; nothing is fetched, no \
            JavaScript) that any browser opens offline. Per model: the held-out quality of \
            each version with the target and the champion marked; the quality/size and \
            quality/latency trade-off of its versions with the Pareto front (best quality, \
            fewest bytes, lowest latency; latencies within 5% count as equal, as timing \
            noise) highlighted; the gain of each improvement task by cycle and outcome. For the registry: signal levels and promoted gain per cycle. \
            Reads without the lock; damaged entries are skipped with a warning.
            """)

    @OptionGroup var registry: RegistryOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the page here (default: stdout).", valueName: "report.html"),
            completion: .file(extensions: ["html"]))
    var output: String?

    @OptionGroup var outputOptions: OutputOptions

    func execute() throws {
        outputOptions.apply()
        let data = try RegistryReportData.read(try registry.open())
        for problem in data.problems { Console.warn(problem) }
        let page = RegistryReport.html(data)
        if let output {
            try AtomicFile.write(Data(page.utf8), to: output, failpoint: "output")
            Console.info("wrote \(output): \(data.models.count) model(s), \(data.cycles.count) cycle(s)")
        } else {
            try Console.out(page)
        }
    }
}
