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

    /// On shared storage a pid means nothing on another host: another host's temporary is
    /// left alone unless a day old, and this host's is removed once its writer is gone.
    @Test func leftoversOfWritersOnOtherHostsWaitADay() throws {
        let dead: Int32 = 999_999
        let me = TemporaryName.hostTag
        let names = [".f.json.tmp-\(dead)-1", ".f.json.tmp-\(me)-\(dead)-2", ".f.json.tmp-other-node-7-\(dead)-3",
                     ".f.json.tmp-old-node-\(dead)-4", ".f.json.tmp-\(me)-\(getpid())-5"]
        for name in names { FileManager.default.createFile(atPath: scratch.path(name), contents: Data()) }
        var old = [timeval(tv_sec: time(nil) - 2 * 86400, tv_usec: 0), timeval(tv_sec: time(nil) - 2 * 86400, tv_usec: 0)]
        #expect(utimes(scratch.path(".f.json.tmp-old-node-\(dead)-4"), &old) == 0)
        #expect(TemporaryName.writer(of: ".f.json.tmp-other-node-7-\(dead)-3")! == ("other-node-7", dead))
        #expect(TemporaryName.writer(of: ".f.json.tmp-\(dead)-1")! == (nil, dead))
        #expect(Set(AtomicFile.cleanTemporaries(in: scratch.path))
                == [".f.json.tmp-\(dead)-1", ".f.json.tmp-\(me)-\(dead)-2", ".f.json.tmp-old-node-\(dead)-4"])
        #expect(try Set(FileManager.default.contentsOfDirectory(atPath: scratch.path))
                == [".f.json.tmp-other-node-7-\(dead)-3", ".f.json.tmp-\(me)-\(getpid())-5"])
        #expect(TemporaryName.make(for: scratch.path("g")).contains("/.g.tmp-\(me)-\(getpid())-"))
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
