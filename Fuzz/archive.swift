import Foundation
import NimpIO

/// The model archive reader: tar (libarchive), members, manifest.json, checksums,
/// weights.safetensors, tensors against the architecture.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    Fuzz.run(data, size) { bytes in
        let archive = try ModelArchive.decode(bytes, name: Fuzz.name)
        // A model that reads must also predict and encode without trapping.
        _ = archive.model.parameterCount
        _ = try archive.encode()
    }
}
