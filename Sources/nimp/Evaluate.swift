import ArgumentParser
import Foundation
import NimpCore
import NimpIO
import NimpOperators

struct Evaluate: NimpCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure a model's quality, latency and size on a dataset; print one JSON line.",
        discussion: """
            Keys: task, samples; accuracy, macro_f1, log_loss (classifiers) or mse, rmse, mae, \
            r2 (regressors); latency_p50_us and latency_p99_us (one sample per call), \
            throughput_per_s (batches of 1024), parameters, bytes (archive size), kernels (the \
            GEMM kernels that ran: OpenBLAS's core type and the shapes BLIS and libxsmm took; see \
            nimp tune).
            """)

    @Argument(help: ArgumentHelp("The model archive.", valueName: "model.nimp"), completion: .file(extensions: ["nimp"]))
    var model: String

    @Option(help: ArgumentHelp("The dataset to evaluate on.", valueName: "dataset"), completion: .file())
    var data: String

    @Option(help: "Single-sample predictions timed for the latency percentiles.")
    var latencySamples: Int = 2000

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the JSON line here instead of stdout.", valueName: "file"), completion: .file())
    var output: String?

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var outputOptions: OutputOptions

    func execute() throws {
        outputOptions.apply()
        if let output { try OutputPath.check(output) }
        let archive = try ModelArchive.read(path: model)
        let dataset = try dataOptions.load(data, for: archive.model, name: model)
        let bytes = (try? FileManager.default.attributesOfItem(atPath: model)[.size] as? Int) ?? 0
        let report = try Evaluator.evaluate(archive.model, on: dataset, archiveBytes: bytes, latencySamples: max(10, latencySamples))
        let line = try report.jsonLine()
        if let output {
            try AtomicFile.write(Data((line + "\n").utf8), to: output, failpoint: "evaluate")
        } else {
            try Console.line(line)
        }
    }
}
