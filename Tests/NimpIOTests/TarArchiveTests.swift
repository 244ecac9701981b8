import Foundation
import NimpCore
import NimpTestSupport
import Testing

@testable import NimpIO

@Suite struct TarArchiveTests {
    let scratch: TemporaryDirectory

    init() throws {
        setlocale(LC_CTYPE, "C.UTF-8")
        scratch = try TemporaryDirectory("io-tests")
    }

    static let tarBlock = 512

    let members = [
        ArchiveMember(name: "manifest.json", data: Data("{\"a\": 1}\n".utf8)),
        ArchiveMember(name: "weights.safetensors", data: Data((0..<3000).map { UInt8($0 % 251) })),
        ArchiveMember(name: "empty.txt", data: Data()),
        ArchiveMember(name: "README.md", data: Data("# hi\n".utf8)),
    ]

    @Test func roundTripKeepsNamesOrderAndBytes() throws {
        let data = try TarArchive.write(members)
        #expect(try TarArchive.read(data, name: "t.tar") == members)
    }

    @Test func writingIsByteStableAndUnpadded() throws {
        let first = try TarArchive.write(members)
        let second = try TarArchive.write(members)
        #expect(first == second)
        #expect(first.count % Self.tarBlock == 0)
        // Four headers, data rounded up to blocks, two end-of-archive blocks; no 10 KiB record padding.
        let dataBlocks = members.reduce(0) { $0 + ($1.data.count + Self.tarBlock - 1) / Self.tarBlock }
        #expect(first.count == (members.count + dataBlocks + 2) * Self.tarBlock)
    }

    @Test func systemTarListsMembersInOrderAsPlainFiles() throws {
        let path = try ArchiveTestSupport.temporaryFile(try TarArchive.write(members), in: scratch)
        let listing = try ArchiveTestSupport.run("/usr/bin/tar", ["-tvf", path])
        let lines = listing.split(separator: "\n")
        #expect(lines.map { $0.split(separator: " ").last.map(String.init) } == members.map(\.name))
        #expect(lines.allSatisfy { $0.hasPrefix("-rw-r--r--") }, "\(listing)")
        #expect(try ArchiveTestSupport.run("/usr/bin/tar", ["-xOf", path, "manifest.json"]) == "{\"a\": 1}\n")
    }

    @Test func writerRefusesUnsafeOrDuplicateNames() {
        for name in ["", "../x", "/etc/passwd", "a/b", "..", ".", "caf\u{E9}", "new\nline", String(repeating: "a", count: 256)] {
            #expect(throws: (any Error).self, "\(name)") { try TarArchive.write([ArchiveMember(name: name, data: Data())]) }
        }
        let twice = [ArchiveMember(name: "a", data: Data()), ArchiveMember(name: "a", data: Data())]
        #expect(throws: (any Error).self) { try TarArchive.write(twice) }
    }

    @Test func nameRules() {
        #expect(TarArchive.nameProblem("weights.safetensors") == nil)
        #expect(TarArchive.nameProblem("a_b-c.1") == nil)
        #expect(TarArchive.nameProblem("/x") == "absolute path")
        #expect(TarArchive.nameProblem("../x") == "refers to a parent or current directory ('..' or '.')")
        #expect(TarArchive.nameProblem("a/b") == "contains '/' (members are plain file names)")
    }

    @Test func emptyAndNonTarInputAreDataErrors() {
        ArchiveTestSupport.assertDataError(try TarArchive.read(Data(), name: "e.nimp"), contains: "e.nimp: empty file")
        ArchiveTestSupport.assertDataError(try TarArchive.read(Data("hello, this is not a tar archive".utf8), name: "g.nimp"),
                        contains: "g.nimp: not a tar archive")
    }

    @Test func truncationInsideAnEntryIsFatal() throws {
        let data = try TarArchive.write(members)
        // Cut in the middle of weights.safetensors' data (second entry).
        let cut = data.prefix(2 * Self.tarBlock + Self.tarBlock + 1000)
        ArchiveTestSupport.assertDataError(try TarArchive.read(cut, name: "t.nimp"), contains: "Truncated tar archive")
    }

    /// libarchive reads a tar cut exactly between entries without complaint: this is why
    /// the model manifest lists every member.
    @Test func cutAtAnEntryBoundaryLosesLaterEntriesSilently() throws {
        let data = try TarArchive.write(members)
        let firstEntry = 2 * Self.tarBlock
        let read = try TarArchive.read(data.prefix(firstEntry), name: "t.nimp")
        #expect(read.map(\.name) == ["manifest.json"])
    }

    @Test func gzipCompressedArchivesRead() throws {
        let compressed = try TarArchive.write(members, gzip: true)
        #expect(compressed.prefix(2) == Data([0x1F, 0x8B]))
        #expect(try TarArchive.read(compressed, name: "t.nimp.gz") == members)
    }

    @Test func memberLargerThanTheLimitIsRejectedBeforeItsDataIsRead() throws {
        let big = [ArchiveMember(name: "zeros", data: Data(count: 1 << 20))]
        let compressed = try TarArchive.write(big, gzip: true)
        #expect(compressed.count < 4096)
        ArchiveTestSupport.assertDataError(try TarArchive.read(compressed, name: "b.nimp", maxMemberBytes: 1000),
                        contains: "b.nimp: member \"zeros\": is 1048576 bytes, more than the limit of 1000 bytes")
    }

    @Test func totalSizeIsBounded() throws {
        let parts = (0..<4).map { ArchiveMember(name: "part\($0)", data: Data(count: 300_000)) }
        let compressed = try TarArchive.write(parts, gzip: true)
        ArchiveTestSupport.assertDataError(try TarArchive.read(compressed, name: "b.nimp", maxMemberBytes: 500_000, maxTotalBytes: 1_000_000),
                        contains: "member \"part3\": brings the archive's content to 1200000 bytes, more than the limit of 1000000 bytes")
    }

    @Test func memberCountIsBounded() throws {
        let many = (0..<20).map { ArchiveMember(name: "m\($0)", data: Data()) }
        ArchiveTestSupport.assertDataError(try TarArchive.read(try TarArchive.write(many), name: "m.nimp"), contains: "m.nimp: more than 16 members")
    }
}
