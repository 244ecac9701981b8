import Foundation
import NimpRegistry

/// A registry's model.json (the spec: task, data, targets, constraints, genome).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    Fuzz.run(data, size) { bytes in
        let spec = try ModelSpec.parse(bytes, file: Fuzz.name)
        // What parses must write back and parse again.
        _ = try ModelSpec.parse(try spec.encoded(), file: Fuzz.name)
    }
}
