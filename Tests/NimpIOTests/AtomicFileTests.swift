import Foundation
import NimpCore
import NimpTestSupport
import Testing

@testable import NimpIO

@Suite struct AtomicFileTests {
    let scratch: TemporaryDirectory

    init() throws {
        scratch = try TemporaryDirectory("atomic-file")
    }

    @Test func replacesThroughATemporaryInTheSameDirectory() throws {
        let path = scratch.path("f.json")
        try AtomicFile.write(Data("1".utf8), to: path)
        try AtomicFile.write(Data("2".utf8), to: path)
        #expect(FileManager.default.contents(atPath: path) == Data("2".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == ["f.json"])
        // Exclusive: an existing file is never replaced.
        do {
            try AtomicFile.write(Data("3".utf8), to: path, exclusive: true)
            Issue.record("an exclusive write replaced \(path)")
        } catch let error as NimpError {
            #expect(error.kind == .cannotCreate)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == ["f.json"])
    }

    /// A link reported as EEXIST that did happen (a retransmitted NFS request) is a success.
    @Test func aLinkThatHappenedDespiteEEXISTCounts() throws {
        let a = scratch.path("a"), b = scratch.path("b"), c = scratch.path("c")
        for p in [a, c] { FileManager.default.createFile(atPath: p, contents: Data(p.utf8)) }
        #expect(link(a, b) == 0)
        errno = EEXIST
        #expect(AtomicFile.isSameFile(a, b))
        errno = EEXIST
        #expect(!AtomicFile.isSameFile(a, c))
        errno = EACCES
        #expect(!AtomicFile.isSameFile(a, b))
    }
}
