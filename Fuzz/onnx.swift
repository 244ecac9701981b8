import Foundation
import NimpInterop

/// The ONNX reader of `nimp import`: protobuf decoding, initializers (dims against data),
/// the graph walk and the model it assembles.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    Fuzz.run(data, size) { bytes in
        _ = try ModelImport.onnx(data: bytes, name: Fuzz.name, options: ImportOptions())
    }
}
