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
            README, "Using models elsewhere", shows how to call it.
            """)

    @Argument(help: ArgumentHelp("The model archive.", valueName: "model.nimp"), completion: .file(extensions: ["nimp"]))
    var model: String

    @Option(help: "c (a C99 header).")
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
        if output == "-" {
            try writeStandardOutput(data)
        } else {
            try AtomicFile.write(data, to: output, failpoint: "export")
            Console.info("wrote \(output) (\(format.rawValue), \(data.count) bytes)")
        }
    }
}
