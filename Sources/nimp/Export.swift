import ArgumentParser
import Foundation
import NimpCore
import NimpInterop
import NimpIO

extension ExportFormat: ExpressibleByArgument {}

struct Export: NimpCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a model as a C99 header or an ONNX graph, to run where nimp does not.",
        discussion: """
            --format c: one self-contained C99 file: weights as static const arrays, the input \
            table's encoding and imputation, and NAME_predict(row, out), which allocates nothing and \
            needs only libm. The model's whole input path is in the file: categorical columns \
            one-hot, missing cells filled as in training, standardisation, every layer. \
            --format onnx: an ONNX graph whose input `features` [N, inputs] holds the encoded \
            features (NaN for a missing number, which the graph fills); outputs `outputs`, or \
            `logits` and `probabilities`. Categorical columns are one-hot encoded outside the graph \
            (stderr says so; the model's metadata describes it). int8 weights are written dequantized. \
            README, "Using models elsewhere", shows how to call both.
            """)

    @Argument(help: ArgumentHelp("The model archive.", valueName: "model.nimp"), completion: .file(extensions: ["nimp"]))
    var model: String

    @Option(help: "c (a C99 header) or onnx (an ONNX graph, opset 17; 20 with GELU).")
    var format: ExportFormat

    @Option(name: .shortAndLong, help: ArgumentHelp("Where to write it (- for stdout).", valueName: "file"), completion: .file())
    var output: String

    @Option(help: ArgumentHelp("The prefix of the C names (default: from the output file's name).", valueName: "name"))
    var name: String?

    @OptionGroup var outputOptions: OutputOptions

    func execute() throws {
        outputOptions.apply()
        if output != "-" { try OutputPath.check(output) }
        let archive = try ModelArchive.read(path: model)
        try ExportWriter.write(archive, format: format, name: name, source: model, to: output)
    }
}

/// Writes an export to a file (atomically) or stdout; shared by `export` and `registry export`.
enum ExportWriter {
    static func write(_ archive: ModelArchive, format: ExportFormat, name: String?, source: String, to output: String) throws {
        let base = output == "-" ? (archive.manifest.id ?? "model") : URL(fileURLWithPath: output).deletingPathExtension().lastPathComponent
        let data = try format.encode(archive, name: name ?? CExport.identifier(from: base), source: source)
        if let caveat = format.caveat(archive.model) { Console.warn(caveat) }
        if output == "-" {
            try writeStandardOutput(data)
        } else {
            try AtomicFile.write(data, to: output, failpoint: "export")
            Console.info("wrote \(output) (\(format.rawValue), \(data.count) bytes)")
        }
    }
}
