import Foundation
internal import Crypto
import NimpCore

/// SHA-256 digests as lowercase hex, computed by swift-crypto (BoringSSL's assembly,
/// SHA-NI where the CPU has it).
public enum SHA256 {
    /// The lowercase hex digest of `data`.
    public static func hex(_ data: Data) -> String {
        var hasher = Hasher()
        hasher.update(data)
        return hasher.finalizeHex()
    }

    /// The lowercase hex digest of `bytes`.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        var hasher = Hasher()
        Array(bytes).withUnsafeBytes { hasher.update($0) }
        return hasher.finalizeHex()
    }

    /// The lowercase hex digest of the file at `path`, read in 1 MiB chunks.
    /// Missing or unreadable → exit 66; a read error → exit 74.
    public static func hex(file path: String) throws -> String {
        // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below).
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw NimpError.missing(path, "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw NimpError.io(path, "cannot stat: \(String(cString: strerror(errno)))") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw NimpError.missing(path, "not a regular file") }
        var hasher = Hasher()
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer.baseAddress, chunk)
            if n < 0 {
                if errno == EINTR { continue }
                throw NimpError.io(path, "read failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
        return hasher.finalizeHex()
    }

    /// Incremental hashing: `update` any number of times, then `finalize`.
    public struct Hasher {
        private var digest = Crypto.SHA256()

        public init() {}

        public mutating func update(_ data: Data) {
            digest.update(data: data)
        }

        public mutating func update(_ bytes: UnsafeRawBufferPointer) {
            digest.update(bufferPointer: bytes)
        }

        /// The 32-byte digest; the hasher itself is left unchanged.
        public func finalize() -> [UInt8] {
            Array(digest.finalize())
        }

        public func finalizeHex() -> String {
            let digits = Array("0123456789abcdef".utf8)
            var out: [UInt8] = []
            out.reserveCapacity(64)
            for b in digest.finalize() {
                out.append(digits[Int(b >> 4)])
                out.append(digits[Int(b & 15)])
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}
