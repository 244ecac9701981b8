import Foundation
import NimpCore
import XCTest

@testable import NimpIO

final class TarArchiveTests: XCTestCase {
    static let tarBlock = 512

    let members = [
        ArchiveMember(name: "manifest.json", data: Data("{\"a\": 1}\n".utf8)),
        ArchiveMember(name: "weights.safetensors", data: Data((0..<3000).map { UInt8($0 % 251) })),
        ArchiveMember(name: "empty.txt", data: Data()),
        ArchiveMember(name: "README.md", data: Data("# hi\n".utf8)),
    ]

    override func setUp() {
        setlocale(LC_CTYPE, "C.UTF-8")
    }

    func testRoundTripKeepsNamesOrderAndBytes() throws {
        let data = try TarArchive.write(members)
        XCTAssertEqual(try TarArchive.read(data, name: "t.tar"), members)
    }

    func testWritingIsByteStableAndUnpadded() throws {
        let first = try TarArchive.write(members)
        let second = try TarArchive.write(members)
        XCTAssertEqual(first, second)
        XCTAssertEqual(first.count % Self.tarBlock, 0)
        // Four headers, data rounded up to blocks, two end-of-archive blocks; no 10 KiB record padding.
        let dataBlocks = members.reduce(0) { $0 + ($1.data.count + Self.tarBlock - 1) / Self.tarBlock }
        XCTAssertEqual(first.count, (members.count + dataBlocks + 2) * Self.tarBlock)
    }

    func testSystemTarListsMembersInOrderAsPlainFiles() throws {
        let path = try ArchiveTestSupport.temporaryFile(try TarArchive.write(members))
        let listing = try ArchiveTestSupport.run("/usr/bin/tar", ["-tvf", path])
        let lines = listing.split(separator: "\n")
        XCTAssertEqual(lines.map { $0.split(separator: " ").last.map(String.init) }, members.map(\.name))
        XCTAssertTrue(lines.allSatisfy { $0.hasPrefix("-rw-r--r--") }, listing)
        XCTAssertEqual(try ArchiveTestSupport.run("/usr/bin/tar", ["-xOf", path, "manifest.json"]), "{\"a\": 1}\n")
    }

    func testWriterRefusesUnsafeOrDuplicateNames() {
        for name in ["", "../x", "/etc/passwd", "a/b", "..", ".", "caf\u{E9}", "new\nline", String(repeating: "a", count: 256)] {
            XCTAssertThrowsError(try TarArchive.write([ArchiveMember(name: name, data: Data())]), name)
        }
        let twice = [ArchiveMember(name: "a", data: Data()), ArchiveMember(name: "a", data: Data())]
        XCTAssertThrowsError(try TarArchive.write(twice))
    }

    func testNameRules() {
        XCTAssertNil(TarArchive.nameProblem("weights.safetensors"))
        XCTAssertNil(TarArchive.nameProblem("a_b-c.1"))
        XCTAssertEqual(TarArchive.nameProblem("/x"), "absolute path")
        XCTAssertEqual(TarArchive.nameProblem("../x"), "refers to a parent or current directory ('..' or '.')")
        XCTAssertEqual(TarArchive.nameProblem("a/b"), "contains '/' (members are plain file names)")
    }

    func testEmptyAndNonTarInputAreDataErrors() {
        ArchiveTestSupport.assertDataError(try TarArchive.read(Data(), name: "e.nimp"), contains: "e.nimp: empty file")
        ArchiveTestSupport.assertDataError(try TarArchive.read(Data("hello, this is not a tar archive".utf8), name: "g.nimp"),
                        contains: "g.nimp: not a tar archive")
    }

    func testTruncationInsideAnEntryIsFatal() throws {
        let data = try TarArchive.write(members)
        // Cut in the middle of weights.safetensors' data (second entry).
        let cut = data.prefix(2 * Self.tarBlock + Self.tarBlock + 1000)
        ArchiveTestSupport.assertDataError(try TarArchive.read(cut, name: "t.nimp"), contains: "Truncated tar archive")
    }

    /// libarchive reads a tar cut exactly between entries without complaint: this is why
    /// the model manifest lists every member.
    func testCutAtAnEntryBoundaryLosesLaterEntriesSilently() throws {
        let data = try TarArchive.write(members)
        let firstEntry = 2 * Self.tarBlock
        let read = try TarArchive.read(data.prefix(firstEntry), name: "t.nimp")
        XCTAssertEqual(read.map(\.name), ["manifest.json"])
    }

    func testGzipCompressedArchivesRead() throws {
        let compressed = try TarArchive.write(members, gzip: true)
        XCTAssertEqual(compressed.prefix(2), Data([0x1F, 0x8B]))
        XCTAssertEqual(try TarArchive.read(compressed, name: "t.nimp.gz"), members)
    }

    func testMemberLargerThanTheLimitIsRejectedBeforeItsDataIsRead() throws {
        let big = [ArchiveMember(name: "zeros", data: Data(count: 1 << 20))]
        let compressed = try TarArchive.write(big, gzip: true)
        XCTAssertLessThan(compressed.count, 4096)
        ArchiveTestSupport.assertDataError(try TarArchive.read(compressed, name: "b.nimp", maxMemberBytes: 1000),
                        contains: "b.nimp: member \"zeros\": is 1048576 bytes, more than the limit of 1000 bytes")
    }

    func testTotalSizeIsBounded() throws {
        let parts = (0..<4).map { ArchiveMember(name: "part\($0)", data: Data(count: 300_000)) }
        let compressed = try TarArchive.write(parts, gzip: true)
        ArchiveTestSupport.assertDataError(try TarArchive.read(compressed, name: "b.nimp", maxMemberBytes: 500_000, maxTotalBytes: 1_000_000),
                        contains: "member \"part3\": brings the archive's content to 1200000 bytes, more than the limit of 1000000 bytes")
    }

    func testMemberCountIsBounded() throws {
        let many = (0..<20).map { ArchiveMember(name: "m\($0)", data: Data()) }
        ArchiveTestSupport.assertDataError(try TarArchive.read(try TarArchive.write(many), name: "m.nimp"), contains: "m.nimp: more than 16 members")
    }
}
