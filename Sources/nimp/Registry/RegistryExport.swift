import ArgumentParser
import Foundation
import NimpCore
import NimpInterop
import NimpIO
import NimpRegistry

struct RegistryExport: NimpCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Copy a model's champion (ID) or a version (ID@VERSION) out of the registry.",
        discussion: """
            The archive is checked in full first (exit 65 when damaged). `-o -` writes it to stdout. \
            --format c or onnx writes it as `nimp export` does instead.
            """)

    @Argument(help: ArgumentHelp("ID for the champion, or ID@VERSION (e.g. sine@3).", valueName: "id[@version]"),
              completion: .modelID(versions: true))
    var reference: String

    @Option(name: .shortAndLong, help: ArgumentHelp("Where to write the archive (- for stdout).", valueName: "file"), completion: .file())
    var output: String

    @Option(help: "nimp (the archive, default), c or onnx (as `nimp export` writes them).")
    var format: String = "nimp"

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var outputOptions: OutputOptions

    func execute() throws {
        outputOptions.apply()
        let reg = try registry.open()
        let (id, version) = try reg.resolve(reference)
        if format != "nimp" {
            guard let other = ExportFormat(rawValue: format) else {
                throw NimpError.usage("--format \(format): expected nimp or " + ExportFormat.allCases.map(\.rawValue).joined(separator: " or "))
            }
            if output != "-" { try OutputPath.check(output) }
            try ExportWriter.write(try reg.archive(id, version: version), format: other, name: nil, source: "\(id)@\(version)", to: output)
            return
        }
        if output == "-" {
            let data = try reg.exportData(id, version: version)
            try writeStandardOutput(data)
        } else {
            try reg.export(id, version: version, to: output)
            Console.info("exported \(id) \(VersionName.label(version)) to \(output)")
        }
    }
}

/// Writes raw bytes to stdout (archives are binary); a failed write is exit 74.
func writeStandardOutput(_ data: Data) throws {
    try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
        var offset = 0
        while offset < raw.count {
            let n = write(1, raw.baseAddress! + offset, raw.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw NimpError.io("standard output", "writing output failed: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }
}
