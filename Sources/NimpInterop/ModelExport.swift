import Foundation
import NimpCore
import NimpIO

/// The formats a model leaves nimp in, besides its own archive.
public enum ExportFormat: String, CaseIterable, Sendable {
    case c
    case onnx

    /// What the caller must do that the export does not: nil when the export is the whole input path.
    public func caveat(_ model: Model) -> String? {
        let categorical = model.schema.columns.filter { if case .categorical = $0.encoding { return true } else { return false } }
        guard self == .onnx, !categorical.isEmpty else { return nil }
        return "categorical column(s) " + categorical.map(\.name).joined(separator: ", ")
            + " are one-hot encoded outside the ONNX graph: the input is the encoded features (metadata nimp.feature_names, nimp.encoding)"
    }

    /// The bytes of `archive` in this format. `name`: the C prefix, or the ONNX graph name.
    public func encode(_ archive: ModelArchive, name: String, source: String) throws -> Data {
        let m = archive.manifest
        let what = "\(m.task.rawValue) model \(m.id.map { "\($0)" } ?? source)" + (m.version.map { " v\($0)" } ?? "")
            + " (archive sha256 \(archive.sha256.prefix(16))…)"
        switch self {
        case .c:
            return Data(try CExport.header(archive.model, prefix: name, description: what).utf8)
        case .onnx:
            return try ONNXExport.model(archive.model, name: name, description: what)
        }
    }
}
