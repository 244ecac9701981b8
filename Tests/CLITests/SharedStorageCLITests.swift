import Foundation
import NimpTestSupport
import Testing

/// A registry used by several hosts (README, "The registry on shared storage"): writers
/// refuse a mount whose locks stay on one host, and never break another host's lease.
/// Another host is pretended with NIMP_HOSTNAME, a mount with NIMP_MOUNTINFO.
@Suite(.serialized) struct SharedStorageCLITests {
    let f: RegistryFixture

    init() throws {
        f = try RegistryFixture()
    }

    func realPath(_ path: String) throws -> String {
        let real = try #require(realpath(path, nil))
        defer { free(real) }
        return String(cString: real)
    }

    @Test func writersRefuseAMountWithoutLocksAcrossHosts() throws {
        let reg = f.makeRegistry("reg")
        f.ok(reg, ["add", "m", f.model2])
        let real = try realPath(reg)
        let mountinfo = f.dir + "/mountinfo"
        try Data("""
            29 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro
            77 29 0:50 / \(real) rw,relatime shared:5 - nfs4 files:/export/nimp rw,vers=4.2,rsize=1048576,wsize=1048576,namlen=255,hard,nolock,proto=tcp,timeo=600,retrans=2,sec=sys,local_lock=all,addr=10.1.0.5

            """.utf8).write(to: URL(fileURLWithPath: mountinfo))
        let env = ["NIMP_MOUNTINFO": mountinfo]
        let before = snapshot(reg)
        for args in [["config", "keep_versions", "3"], ["promote", "m", "2"]] {
            let r = f.registry(reg, args, env: env)
            #expect(r.status == 69, "\(args): \(r.stderr)")
            #expect(r.stderr.contains("the registry is on \(real) (nfs4, nolock), where locks are local to each host"), "\(r.stderr)")
            #expect(r.stderr.contains("remount") && r.stderr.contains("NIMP_ALLOW_LOCAL_LOCK=1"), "\(r.stderr)")
        }
        #expect(snapshot(reg) == before)
        // Readers never lock: they work there.
        #expect(f.registry(reg, ["list"], env: env).status == 0)
        // One host only: allowed.
        let allowed = f.registry(reg, ["promote", "m", "2"], env: env.merging(["NIMP_ALLOW_LOCAL_LOCK": "1"]) { $1 })
        #expect(allowed.status == 0, "\(allowed.stderr)")
    }

    @Test func aLeaseOfAnotherHostIsNeverBrokenAnExpiredOneIsTakenOver() throws {
        let reg = f.makeRegistry("reg")
        f.ok(reg, ["add", "m", f.model2])
        // Host node17 dies holding the lock; here its OS lock is gone, as on a mount that
        // does not lock across hosts, but its lease still runs.
        let killed = f.registry(reg, ["promote", "m", "2"], env: ["NIMP_FAILPOINT": "promote.begin", "NIMP_HOSTNAME": "node17"])
        #expect(killed.status == 137)
        let lockPath = reg + "/lock"
        var record = jsonObject(try String(contentsOfFile: lockPath, encoding: .utf8))
        #expect(record["host"] as? String == "node17")
        let expires = try #require(record["expires"] as? String)
        let lock = jsonObject(f.ok(reg, ["status"]))["lock"] as? [String: Any]
        #expect(lock?["expires"] as? String == expires && lock?["alive"] as? Bool == true)

        let refused = f.registry(reg, ["promote", "m", "2"])
        #expect(refused.status == 75)
        #expect(refused.stderr.contains("on node17") && refused.stderr.contains("whose lease runs until \(expires)"), "\(refused.stderr)")
        #expect(refused.stderr.contains("the filesystem may not lock across hosts"), "\(refused.stderr)")
        #expect(jsonLines(f.ok(reg, ["history", "--type", "lock-takeover"])).isEmpty)

        // The lease ran out.
        record["expires"] = "2025-01-01T00:00:00.000Z"
        try JSONSerialization.data(withJSONObject: record).write(to: URL(fileURLWithPath: lockPath))
        let r = f.registry(reg, ["promote", "m", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("taken over from pid") && r.stderr.contains("whose lease expired at 2025-01-01T00:00:00.000Z"), "\(r.stderr)")
        let takeover = jsonLines(f.ok(reg, ["history", "--type", "lock-takeover"]))
        #expect(takeover.count == 1 && takeover.first?["previous_host"] as? String == "node17")
        #expect(takeover.first?["previous_expires"] as? String == "2025-01-01T00:00:00.000Z")
        #expect(jsonObject(f.ok(reg, ["status"]))["lock"] is NSNull)
    }
}
