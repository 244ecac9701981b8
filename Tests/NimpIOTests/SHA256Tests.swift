import Foundation
import NimpTestSupport
import Testing

@testable import NimpIO

@Suite struct SHA256Tests {
    let scratch: TemporaryDirectory

    init() throws {
        scratch = try TemporaryDirectory("io-tests")
    }

    // NIST FIPS 180-4 example vectors.
    @Test func empty() {
        #expect(SHA256.hex(Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func abc() {
        #expect(SHA256.hex(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func twoBlockMessage() {
        let text = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        #expect(SHA256.hex(Data(text.utf8)) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func millionA() {
        let data = Data(repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(SHA256.hex(data) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Lengths around the 55/56/64-byte padding boundaries, fed in odd pieces.
    @Test func streamingMatchesOneShot() {
        let bytes = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        for length in [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 300] {
            let data = Data(bytes.prefix(length))
            var hasher = SHA256.Hasher()
            var offset = 0
            var piece = 1
            while offset < length {
                let end = min(length, offset + piece)
                hasher.update(data.subdata(in: offset..<end))
                offset = end
                piece = piece * 3 + 1
            }
            #expect(hasher.finalizeHex() == SHA256.hex(data), "length \(length)")
        }
    }

    @Test func knownBoundaryLengths() {
        // Values from sha256sum.
        #expect(SHA256.hex(Data(repeating: 0x61, count: 55)) == "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318")
        #expect(SHA256.hex(Data(repeating: 0x61, count: 56)) == "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a")
        #expect(SHA256.hex(Data(repeating: 0x61, count: 64)) == "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb")
    }

    @Test func fileMatchesData() throws {
        let dir = try scratch.subdirectory()
        let path = dir + "/blob"
        let data = Data((0..<3_000_001).map { UInt8(truncatingIfNeeded: $0 &* 131) })
        try data.write(to: URL(fileURLWithPath: path))
        #expect(try SHA256.hex(file: path) == SHA256.hex(data))
    }

    @Test func missingFileIsExit66() {
        assertNimpError(.noInput, ["/nonexistent/nimp-blob"]) { try SHA256.hex(file: "/nonexistent/nimp-blob") }
    }

    @Test func directoryIsExit66() {
        assertNimpError(.noInput, ["not a regular file"]) { try SHA256.hex(file: "/tmp") }
    }

    /// Odd chunk sizes through both `update`s, across 1 MiB, equal the one-shot digest.
    @Test func streamingOddChunksOfALargeBuffer() {
        let data = Data((0..<(1 << 20) + 4099).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) })
        for sizes in [[1, 3, 7], [63, 65], [4095, 4097, 1 << 17], [(1 << 20) + 1]] {
            var hasher = SHA256.Hasher()
            var offset = 0, i = 0
            while offset < data.count {
                let end = min(data.count, offset + sizes[i % sizes.count])
                if i % 2 == 0 {
                    hasher.update(data.subdata(in: offset..<end))
                } else {
                    data.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[offset..<end])) }
                }
                offset = end
                i += 1
            }
            #expect(hasher.finalizeHex() == SHA256.hex(data), "chunks \(sizes)")
            #expect(hasher.finalizeHex() == hasher.finalizeHex(), "finalizing leaves the hasher unchanged")
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/sha256sum"), "/usr/bin/sha256sum (coreutils) is not installed"))
    func fileMatchesSha256sum() throws {
        let sha256sum = "/usr/bin/sha256sum"
        let dir = try scratch.subdirectory()
        let path = dir + "/blob"
        try Data((0..<5_000_003).map { UInt8(truncatingIfNeeded: $0 &* 197 &+ $0 >> 9) }).write(to: URL(fileURLWithPath: path))
        let r = runProcess(sha256sum, [path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try SHA256.hex(file: path) == String(r.stdout.prefix(64)))
    }
}
