import Foundation
import NimpIO

/// The CSV reader (RFC 4180 quoting, BOM, CRLF, header, numeric cells, labels).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    Fuzz.run(data, size) { bytes in
        _ = try DatasetIO.decode(bytes, name: Fuzz.name, format: .csv, target: ["y"])
    }
}
