import Foundation
import NimpIO
import NimpTestSupport
import Testing

/// A real full disk (issue 7): the registry lives on a small tmpfs that the test fills
/// while a cycle runs. The cycle is held at a step with `NIMP_FAILPOINT=STEP:stop`
/// (SIGSTOP), the filesystem is filled to the last byte, and the cycle continues: it
/// fails with exit 74 naming the file and "No space left on device", and the registry
/// is byte for byte what it was (or, when the disk fills after a promotion, whole and
/// verified). Once space is freed the next cycle runs clean.
///
/// Needs root (mount); skipped, saying why, otherwise or when the mount fails.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root to mount a small tmpfs"))
final class DiskFullTests {
    let scratch: TemporaryDirectory
    let dir: String
    let mountPoint: String
    let mounted: Bool
    let skipReason: String?

    init() throws {
        scratch = try TemporaryDirectory("disk-full")
        dir = scratch.path
        mountPoint = dir + "/fs"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let r = Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=2m,mode=0755", "tmpfs", mountPoint])
        (mounted, skipReason) = r.status == 0 ? (true, nil) : (false, "mount -t tmpfs failed (\(r.status)): \(r.output)")
    }

    func unmount() {
        guard mounted else { return }
        if Self.run("/bin/umount", [mountPoint]).status != 0 { _ = Self.run("/bin/umount", ["-l", mountPoint]) }
        try? FileManager.default.removeItem(atPath: dir)
    }

    static func run(_ tool: String, _ args: [String]) -> (status: Int32, output: String) {
        let r = runProcess(tool, args)
        return (r.status, r.stdout + r.stderr)
    }

    /// Writes zeros into FS/filler until the filesystem refuses; returns the bytes written.
    @discardableResult
    func fill() -> Int {
        let fd = open(mountPoint + "/filler", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var total = 0
        let chunk = [UInt8](repeating: 0, count: 1 << 16)
        for size in [1 << 16, 4096, 512, 1] {
            while true {
                let n = chunk.withUnsafeBytes { write(fd, $0.baseAddress, size) }
                if n <= 0 { break }
                total += n
            }
        }
        return total
    }

    func free() { unlink(mountPoint + "/filler") }

    /// A registry on the tmpfs whose cycle writes nothing before its tasks (the version
    /// index and held-out cache of the template are completed by a cycle that stops with
    /// an error before its first task).
    /// `onlyM`: without model d, whose failed task's history line can still fit in the
    /// last page of history.jsonl on a full tmpfs, so the cycle's first write is a new file.
    func prepare(onlyM: Bool = false) throws -> String {
        let reg = mountPoint + "/reg"
        try copyDirectory(CycleTemplate.path, reg)
        if onlyM { try FileManager.default.removeItem(atPath: reg + "/models/d") }
        let r = runNimp(["cycle", "--registry", reg, "--force", "-q"], env: ["NIMP_FAILPOINT": "cycle.tasks:eio"])
        guard r.status == 74 else { throw NimpTestError("preparing: \(r.status) \(r.stderr)") }
        return reg
    }

    /// Runs a cycle stopped at `step`, fills the disk, lets it go on.
    func cycleFillingTheDiskAt(_ step: String, reg: String) throws -> (status: Int32, stderr: String) {
        let p = try StoppedNimp(["cycle", "--registry", reg, "--force", "-q"], failpoint: Reliability.failpoint(step, "stop"),
                                stderrPath: dir + "/stderr-\(UUID().uuidString)")
        let stopped = p.stopped
        if !stopped {
            p.terminate()
            kill(p.pid, SIGCONT)
        }
        #expect(stopped, "the cycle never reached \(step)")
        let filled = fill()
        #expect(filled > 0 || stopped == false, "could not fill the filesystem")
        let status = p.resume()
        return (status, (try? String(contentsOfFile: p.stderrPath ?? "", encoding: .utf8)) ?? "")
    }

    /// Cancels (skips) the test when the tmpfs could not be mounted.
    func requireMount() throws {
        guard let skipReason else { return }
        Reliability.report(["kind": "disk-full", "skipped": skipReason])
        try Test.cancel("DiskFullTests skipped: \(skipReason)")
    }

    /// The disk fills before the cycle's first write: exit 74, the registry unchanged
    /// byte for byte, and after freeing space the next cycle runs.
    @Test func diskFillsDuringACycleAndNothingChanges() throws {
        defer { unmount() }
        try requireMount()
        var passed = 0, exercised = 0
        for step in ["cycle.tasks@1", "version.begin@1"] {
            let reg = try prepare(onlyM: true)
            let before = snapshot(reg)
            let r = try cycleFillingTheDiskAt(step, reg: reg)
            let f = Failures()
            f.expect(r.status == 74, "disk full at \(step): exit \(r.status): \(r.stderr)")
            f.expect(r.stderr.contains("No space left on device") && r.stderr.contains(reg + "/"),
                     "disk full at \(step): the message does not say which file and why: \(r.stderr)")
            let after = snapshot(reg)
            f.expect(after == before, "disk full at \(step): the registry changed: \(Set(after.keys).symmetricDifference(before.keys)) \(after.filter { before[$0.key] != $0.value }.keys.sorted())")
            free()
            let next = runNimp(["cycle", "--registry", reg, "--force", "-q"])
            f.expect(next.status == 0, "disk full at \(step), space freed, next cycle: \(next.status) \(next.stderr)")
            RegistryState(reg).check(reg, "disk full at \(step), then a cycle", afterNextCommand: true, f)
            exercised += 1
            if f.count == 0 { passed += 1 }
        }
        Reliability.report(["kind": "disk-full", "scenario": "filled during a cycle, before its first write", "exercised": exercised, "passed": passed])
    }

    /// The disk is already full when the cycle starts: exit 74, nothing changed.
    @Test func diskFullBeforeTheCycle() throws {
        defer { unmount() }
        try requireMount()
        let reg = try prepare(onlyM: true)
        let before = snapshot(reg)
        fill()
        let r = runNimp(["cycle", "--registry", reg, "--force", "-q"])
        #expect(r.status == 74, "\(r.stderr)")
        #expect(r.stderr.contains("No space left on device"), "\(r.stderr)")
        #expect(snapshot(reg) == before)
        // Readers still work on a full disk.
        #expect(runNimp(["registry", "verify", "--registry", reg]).status == 0)
        #expect(runNimp(["registry", "list", "--registry", reg]).status == 0)
        free()
        Reliability.report(["kind": "disk-full", "scenario": "full before the cycle", "exercised": 1, "passed": r.status == 74 && snapshot(reg) == before ? 1 : 0])
    }

    /// The disk fills at each later step of the cycle (after a promotion, before the
    /// signals): exit 74, the registry whole (the promotion complete or absent), and
    /// the next cycle runs once space is freed.
    @Test func diskFillsAtLaterSteps() throws {
        defer { unmount() }
        try requireMount()
        let steps = ["version.index.write@1", "promote.log.write@1", "promote.pointer-begin@1", "promote.history.write@1",
                     "gate.task-history.write@1", "cycle.record@1", "signals.create@1"]
        var passed = 0
        for step in steps {
            let reg = try prepare()
            let state = RegistryState(reg)
            let r = try cycleFillingTheDiskAt(step, reg: reg)
            let f = Failures()
            f.expect(r.status == 74, "disk full at \(step): exit \(r.status): \(r.stderr)")
            f.expect(r.stderr.contains("No space left on device"), "disk full at \(step): \(r.stderr)")
            f.expect(temporaries(reg).isEmpty, "disk full at \(step): left \(temporaries(reg))")
            state.check(reg, "disk full at \(step)", afterNextCommand: false, f)
            free()
            let next = runNimp(["cycle", "--registry", reg, "--force", "-q"])
            f.expect(next.status == 0, "disk full at \(step), space freed, next cycle: \(next.status) \(next.stderr)")
            state.check(reg, "disk full at \(step), then a cycle", afterNextCommand: true, f)
            if f.count == 0 { passed += 1 }
        }
        Reliability.report(["kind": "disk-full", "scenario": "filled at later steps of a cycle", "exercised": steps.count, "passed": passed])
    }
}
