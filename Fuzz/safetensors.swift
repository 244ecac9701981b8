import Foundation
import NimpIO

/// The safetensors reader: header length, JSON header, offsets, shapes, dtypes; then
/// every accessor on every tensor.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    Fuzz.run(data, size) { bytes in
        let file = try SafeTensorsFile(data: bytes, name: Fuzz.name)
        for t in file.tensors {
            _ = file.rawBytes(t.name)
            switch t.dtype {
            case .I8: _ = try file.int8(t.name)
            case .I64: _ = try file.int64(t.name)
            default: if t.dtype.isFloat { _ = try file.floats(t.name) }
            }
        }
        // And as a dataset (x, y, metadata).
        _ = try DatasetIO.decode(bytes, name: Fuzz.name, format: .safetensors)
    }
}
