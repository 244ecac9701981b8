import Foundation
import NimpCore

/// What every fuzz target checks besides "does not crash, hang or allocate without
/// bound" (ASan and libFuzzer's limits catch those): a rejected input is a NimpError
/// with exit 65 (bad data) and a message that names the input. Anything else (a
/// DecodingError leaking out, exit 1 or 74 for bytes in memory) is a finding too.
enum Fuzz {
    static let name = "fuzz-input"

    static func run(_ data: UnsafePointer<UInt8>?, _ size: Int, _ body: (Data) throws -> Void) -> Int32 {
        let bytes = size == 0 || data == nil ? Data() : Data(bytes: data!, count: size)
        do {
            try body(bytes)
        } catch let error as NimpError {
            guard error.status == .dataError else {
                fatalError("rejected with exit \(error.status.rawValue), expected 65: \(error.message)")
            }
            guard error.message.contains(name) else {
                fatalError("the message does not name the input: \(error.message)")
            }
        } catch {
            fatalError("not a NimpError (the CLI would exit 1): \(type(of: error)): \(error)")
        }
        return 0
    }
}
