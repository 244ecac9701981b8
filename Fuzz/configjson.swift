import Foundation
import NimpRegistry

/// A registry's config.json (settings with types and ranges).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    Fuzz.run(data, size) { bytes in
        let config = try RegistryConfig.parse(bytes, file: Fuzz.name)
        _ = try RegistryConfig.parse(try config.encoded(), file: Fuzz.name)
    }
}
