import Foundation
import NimpCore
import NimpIO
import NimpTestSupport
import Testing
@testable import NimpRegistry

@Suite(.serialized) struct LockTests {
    @Test func heldLockFailsWith75OrWaits() throws {
        let t = try TempRegistry()
        let holder = try HeldLock(t.layout.lock)
        let error = expectNimpError(.tempFail) { try t.registry.appendHistory(HistoryEntry(.task)) }
        // The library names no flag; commands with --wait add it to the hint.
        #expect(error?.hint?.contains("try again later") == true)
        #expect(error?.hint?.contains("--wait") == false)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) { holder.release() }
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

    /// A record left in the lock file, as another holder wrote it.
    func leave(_ record: LockHolder, in t: TempRegistry) throws {
        try Data((try JSONCoding.line(record) + "\n").utf8).write(to: URL(fileURLWithPath: t.layout.lock))
    }

    /// The record in the lock file itself (`lockHolder()` answers from memory while this
    /// process holds the lock).
    func fileRecord(_ t: TempRegistry) -> LockHolder? {
        FileManager.default.contents(atPath: t.layout.lock).flatMap { try? JSONCoding.decode(LockHolder.self, from: $0, file: "lock") }
    }

    @Test func leaseOfAHolderOnAnotherHostIsNeverBroken() throws {
        let t = try TempRegistry()
        // The OS lock is free, yet "other" holds it by its record: a mount that does not
        // lock across hosts.
        let other = LockHolder(pid: 4242, host: "other", started: Date(), command: "nimp cycle", expires: Date().addingTimeInterval(60))
        try leave(other, in: t)
        let error = expectNimpError(.tempFail) { try t.registry.appendHistory(HistoryEntry(.task)) }
        let message = error?.message ?? ""
        #expect(message.contains("pid 4242 on other") && message.contains("lease runs until \(other.expires!)"), "\(message)")
        #expect(message.contains("may not lock across hosts"), "\(message)")
        #expect(fileRecord(t) == other)
        #expect(try t.registry.history.read().entries.allSatisfy { $0.type != .lockTakeover })
    }

    @Test func expiredLeaseOfAnotherHostIsTakenOverAndLogged() throws {
        let t = try TempRegistry()
        let other = LockHolder(pid: 4242, host: "other", started: Date().addingTimeInterval(-120), command: "nimp cycle",
                               expires: Date().addingTimeInterval(-60))
        try leave(other, in: t)
        #expect(t.registry.lockHolder()?.isAlive == false)
        try t.registry.appendHistory(HistoryEntry(.task))
        let takeover = try #require(try t.registry.history.read().entries.first { $0.type == .lockTakeover })
        #expect(takeover["previous_host"] == .string("other"))
        #expect(takeover["previous_expires"] == .string(other.expires!))
        #expect(takeover["message"] == .string("taken over from the previous holder, whose lease expired at \(other.expires!)"))
        #expect(t.registry.lockHolder() == nil)
    }

    /// Killed but not yet reaped by its parent: its lock is gone, its lease still runs.
    @Test func aZombieHolderIsTakenOver() throws {
        let t = try TempRegistry()
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup("30"), nil]
        defer { argv.forEach { free($0) } }
        #expect(posix_spawn(&pid, "/bin/sleep", nil, nil, argv, environ) == 0)
        defer { waitpid(pid, nil, 0) }
        kill(pid, SIGKILL)
        for _ in 0..<500 where LockHolder.processRuns(pid) { usleep(10_000) }
        #expect(kill(pid, 0) == 0 && !LockHolder.processRuns(pid))
        try leave(LockHolder(pid: pid, host: LockHolder.hostName, started: Date(), command: "nimp cycle", expires: Date().addingTimeInterval(60)), in: t)
        try t.registry.appendHistory(HistoryEntry(.task))
        let takeover = try #require(try t.registry.history.read().entries.first { $0.type == .lockTakeover })
        #expect(takeover["previous_pid"] == .int(Int(pid)))
    }

    @Test func recordsAreJudgedByHostPidAndLease() {
        let now = Date()
        func holder(_ host: String, pid: Int32 = 7, expires: TimeInterval?) -> LockHolder {
            LockHolder(pid: pid, host: host, started: now, command: "c", expires: expires.map { now.addingTimeInterval($0) })
        }
        func judge(_ h: LockHolder?, running: Bool) -> RegistryLock.Verdict {
            RegistryLock.judge(h, now: now, host: "here", pid: 1, isRunning: { _ in running })
        }
        #expect(judge(nil, running: true) == .free)
        #expect(judge(holder("here", pid: 1, expires: 60), running: true) == .free)
        let dead = holder("here", expires: 60)
        #expect(judge(dead, running: false) == .stale(.init(holder: dead, reason: "which ended without releasing it")))
        // A live pid here whose lock is free (it lost it, or its pid was reused): its lease decides.
        #expect(judge(holder("here", expires: 60), running: true) == .live(holder("here", expires: 60)))
        #expect(judge(holder("here", expires: -1), running: true) != .live(holder("here", expires: -1)))
        // On another host the pid says nothing.
        #expect(judge(holder("there", expires: 60), running: false) == .live(holder("there", expires: 60)))
        let expired = holder("there", expires: -1)
        #expect(judge(expired, running: true) == .stale(.init(holder: expired, reason: "whose lease expired at \(expired.expires!)")))
        let old = holder("there", expires: nil)
        #expect(judge(old, running: true) == .stale(.init(holder: old, reason: "which recorded no lease")))
    }

    @Test func theHolderRenewsItsLeaseUntilItReleases() throws {
        let t = try TempRegistry()
        var first: LockHolder?
        var later: LockHolder?
        try RegistryLock.withLock(t.layout, wait: 0, lease: 0.3, onAcquire: { _ in }) {
            first = fileRecord(t)
            // A bounded number of polls, not a timed assertion: renewals come every 0.1 s.
            for _ in 0..<100 {
                usleep(20_000)
                later = fileRecord(t)
                if later?.expires != first?.expires { break }
            }
        }
        let start = try #require(first?.expires.flatMap(RegistryTime.parse))
        let renewed = try #require(later?.expires.flatMap(RegistryTime.parse))
        #expect(renewed > start)
        #expect(later?.pid == getpid() && later?.started == first?.started)
        // Released: the record stays empty, no renewal writes it again.
        usleep(400_000)
        #expect(FileManager.default.contents(atPath: t.layout.lock)?.isEmpty == true)
    }
}
