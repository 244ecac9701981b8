import Foundation
import NimpIO

/// The JSON-lines reader (one object per line, numbers, labels, torn last line).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    Fuzz.run(data, size) { bytes in
        _ = try DatasetIO.decode(bytes, name: Fuzz.name, format: .jsonl, target: ["y"])
    }
}
