import Foundation
import NimpCore
import NimpIO

/// data/: datasets stored by content, `data/<sha256>.<ext>`, so the same data is
/// stored once and a name says what it holds. Files are created exclusively and never
/// changed; `gc` removes the ones no model.json refers to.
extension Registry {
    /// Stores `bytes` (the caller holds the lock); returns the reference and whether a
    /// new file was created. Failpoints `data.*`.
    public func storeData(_ bytes: Data, extension ext: String = "safetensors") throws -> (ref: DataRef, created: Bool) {
        try withLock {
            let sha = SHA256.hex(bytes)
            let relative = "data/\(sha).\(ext)"
            let path = layout.resolve(relative)
            var st = stat()
            if stat(path, &st) == 0 {
                guard Int(st.st_size) == bytes.count else {
                    throw NimpError.data(path, nil, "exists with \(st.st_size) bytes, but its name says it holds \(bytes.count)",
                                         hint: "the file was changed; move it aside and run `nimp registry verify`")
                }
                return (DataRef(path: relative, sha256: sha), false)
            }
            try FileManager.default.createDirectory(atPath: layout.data, withIntermediateDirectories: true)
            try FileReplacement.create(bytes, at: path, failpoint: "data")
            return (DataRef(path: relative, sha256: sha), true)
        }
    }

    /// Content-addressed data files (`<64 hex>.<ext>`) in data/.
    func contentAddressedDataFiles() -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: layout.data) else { return [] }
        return names.filter { name in
            let stem = name.split(separator: ".", maxSplits: 1).first ?? ""
            return !name.hasPrefix(".") && stem.count == 64 && stem.allSatisfy(\.isHexDigit)
        }.sorted()
    }
}
