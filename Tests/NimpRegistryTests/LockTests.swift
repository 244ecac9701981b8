import Foundation
import NimpCore
import NimpIO
import Testing
@testable import NimpRegistry

@Suite(.serialized) struct LockTests {
    /// Holds the registry lock from another process (util-linux flock) for `seconds`.
    func holdLock(_ path: String, seconds: Double) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        p.arguments = [path, "sleep", String(seconds)]
        try p.run()
        // Wait until the flock is really held.
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            let fd = open(path, O_RDONLY)
            defer { close(fd) }
            if fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0 { break }
            if fd >= 0 { flock(fd, LOCK_UN) }
            usleep(10_000)
        }
        return p
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/flock"), "needs /usr/bin/flock (util-linux)"))
    func heldLockFailsWith75OrWaits() throws {
        let t = try TempRegistry()
        let holder = try holdLock(t.layout.lock, seconds: 1)
        defer { holder.waitUntilExit() }
        let error = expectNimpError(.tempFail) { try t.registry.appendHistory(HistoryEntry(.task)) }
        // The library names no flag; commands with --wait add it to the hint.
        #expect(error?.hint?.contains("try again later") == true)
        #expect(error?.hint?.contains("--wait") == false)
        var waiting = t.registry
        waiting.lockWait = 10
        let start = Date()
        try waiting.appendHistory(HistoryEntry(.task))
        #expect(Date().timeIntervalSince(start) > 0.2)
    }

    @Test func nestedLockingDoesNotDeadlock() throws {
        let t = try TempRegistry()
        try t.registry.withLock {
            try t.registry.withLock { try t.registry.appendHistory(HistoryEntry(.task)) }
            #expect(t.registry.lockHolder()?.pid == getpid())
        }
        #expect(t.registry.lockHolder() == nil)
    }

    @Test func deadHoldersLockIsTakenOverAndLogged() throws {
        let t = try TempRegistry()
        let dead = Process()
        dead.executableURL = URL(fileURLWithPath: "/bin/true")
        try dead.run()
        dead.waitUntilExit()
        let record = LockHolder(pid: dead.processIdentifier, host: LockHolder.hostName, started: Date(), command: "nimp cycle")
        try Data((try JSONCoding.line(record) + "\n").utf8).write(to: URL(fileURLWithPath: t.layout.lock))
        #expect(t.registry.lockHolder()?.isAlive == false)
        var registry = t.registry
        let sink = CollectingSink()
        registry.diagnostics = sink
        try registry.appendHistory(HistoryEntry(.task))
        let entries = try t.registry.history.read().entries
        let takeover = try #require(entries.first { $0.type == .lockTakeover })
        #expect(takeover["previous_pid"] == .int(Int(dead.processIdentifier)))
        #expect(t.registry.lockHolder() == nil)
        #expect(sink.warnings.count == 1 && sink.warnings[0].hasPrefix("\(t.layout.lock): taken over from pid \(dead.processIdentifier) "),
                "\(sink.warnings)")
    }
}
