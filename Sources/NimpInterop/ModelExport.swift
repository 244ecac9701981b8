import Foundation
import NimpCore
import NimpIO

/// The formats a model leaves nimp in, besides its own archive.
public enum ExportFormat: String, CaseIterable, Sendable {
    case c

    /// The bytes of `archive` in this format. `name`: the C prefix, or the ONNX graph name.
    public func encode(_ archive: ModelArchive, name: String, source: String) throws -> Data {
        let m = archive.manifest
        let what = "\(m.task.rawValue) model \(m.id.map { "\($0)" } ?? source)" + (m.version.map { " v\($0)" } ?? "")
            + " (archive sha256 \(archive.sha256.prefix(16))…)"
        switch self {
        case .c:
            return Data(try CExport.header(archive.model, prefix: name, description: what).utf8)
        }
    }
}
