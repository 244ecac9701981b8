import Foundation
import NimpCore
import NimpIO

extension Registry {
    /// A model reference `ID` (the champion) or `ID@VERSION` (`ID@3`, `ID@v0003`).
    public func resolve(_ reference: String) throws -> (id: String, version: Int) {
        if let at = reference.lastIndex(of: "@") {
            let id = String(reference[..<at])
            let text = String(reference[reference.index(after: at)...])
            guard let version = VersionName.parse(text) else {
                throw NimpError.usage("\(String(reflecting: reference)): expected ID@VERSION with VERSION like 3 or v0003")
            }
            try requireModel(id)
            return (id, version)
        }
        guard let version = try champion(reference) else {
            throw NimpError(.noInput, "\(layout.champion(reference)): model \(reference) has no champion",
                            hint: "name a version: \(reference)@VERSION")
        }
        return (reference, version)
    }

    /// The bytes of a version's archive, checked in full first (exit 65 when damaged).
    public func exportData(_ id: String, version: Int) throws -> Data {
        let path = layout.archive(id, version)
        _ = try archive(id, version: version)
        guard let data = FileManager.default.contents(atPath: path) else { throw NimpError.io(path, "cannot read") }
        return data
    }

    /// Copies a version's archive to `output` (replaced atomically). Failpoints `export.*`.
    public func export(_ id: String, version: Int, to output: String) throws {
        try AtomicFile.write(try exportData(id, version: version), to: output, failpoint: "export")
    }
}
