import Foundation
import NimpCore
import NimpTestSupport
import Testing
@testable import NimpRegistry

/// Which mounts lock across hosts, from /proc/self/mountinfo lines as Linux writes them.
@Suite struct SharedStorageTests {
    static let mountinfo = """
        29 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro
        612 29 0:58 / /containers/app rw,relatime master:1 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/A:/var/lib/docker/overlay2/l/B,upperdir=/var/lib/docker/overlay2/1/diff,workdir=/var/lib/docker/overlay2/1/work
        120 29 0:53 / /shared rw,relatime shared:64 - nfs4 files:/export/shared rw,vers=4.2,rsize=1048576,wsize=1048576,namlen=255,hard,proto=tcp,timeo=600,retrans=2,sec=sys,clientaddr=10.1.0.12,local_lock=none,addr=10.1.0.5
        121 29 0:54 / /posix rw,relatime shared:65 - nfs4 files:/export/posix rw,vers=4.1,rsize=1048576,wsize=1048576,namlen=255,hard,proto=tcp,timeo=600,retrans=2,sec=sys,clientaddr=10.1.0.12,local_lock=posix,addr=10.1.0.5
        122 29 0:55 / /flockonly rw,relatime shared:66 - nfs4 files:/export/f rw,vers=4.2,hard,proto=tcp,sec=sys,clientaddr=10.1.0.12,local_lock=flock,addr=10.1.0.5
        123 29 0:56 / /nolock4 rw,relatime shared:67 - nfs4 files:/export/n rw,vers=4.2,hard,nolock,proto=tcp,sec=sys,clientaddr=10.1.0.12,local_lock=all,addr=10.1.0.5
        124 29 0:57 / /scratch rw,relatime shared:68 - nfs files:/export/scratch rw,vers=3,rsize=1048576,wsize=1048576,namlen=255,hard,nolock,proto=tcp,timeo=600,retrans=2,sec=sys,mountaddr=10.1.0.5,mountvers=3,mountport=20048,mountproto=udp,local_lock=all,addr=10.1.0.5
        130 29 0:60 / /lustre/work rw,relatime shared:70 - lustre 10.2.0.1@o2ib:/work rw,flock,lazystatfs,encrypt
        131 29 0:61 / /lustre/home rw,relatime shared:71 - lustre 10.2.0.1@o2ib:/home rw,localflock,lazystatfs
        132 29 0:62 / /lustre/old rw,relatime shared:72 - lustre 10.2.0.1@o2ib:/old rw,lazystatfs
        140 120 259:3 / /shared/local rw,relatime shared:80 - ext4 /dev/nvme1n1 rw
        141 29 0:63 / /mnt/my\\040share rw,relatime - nfs4 files:/s rw,vers=4.2,local_lock=posix,addr=10.1.0.5
        not a mountinfo line
        """

    func mount(_ path: String) -> MountEntry? {
        SharedStorage.mount(of: path, in: SharedStorage.parse(Self.mountinfo))
    }

    @Test func parsesTypeMountPointAndBothOptionFields() throws {
        let mounts = SharedStorage.parse(Self.mountinfo)
        #expect(mounts.count == 12)
        let nfs = try #require(mounts.first { $0.mountPoint == "/shared" })
        #expect(nfs.fsType == "nfs4")
        #expect(nfs.options.contains("relatime") && nfs.options.contains("local_lock=none"))
        #expect(mounts.last?.mountPoint == "/mnt/my share")
    }

    @Test func theLongestMountPointHoldsAPath() {
        #expect(mount("/shared/reg")?.mountPoint == "/shared")
        #expect(mount("/shared")?.mountPoint == "/shared")
        #expect(mount("/shared/local/reg")?.fsType == "ext4")
        #expect(mount("/sharedx/reg")?.mountPoint == "/")
        #expect(mount("/containers/app/reg")?.fsType == "overlay")
        #expect(mount("/mnt/my share/reg")?.mountPoint == "/mnt/my share")
        // Mounted over: the later line is the one in use.
        let stacked = SharedStorage.parse(Self.mountinfo + "\n150 120 0:70 / /shared rw - ext4 /dev/sdb rw")
        #expect(SharedStorage.mount(of: "/shared/reg", in: stacked)?.fsType == "ext4")
    }

    @Test func mountsWhoseFcntlLocksStayOnOneHost() {
        // NFS: fcntl locks reach the server unless nolock or local_lock=posix|all.
        #expect(mount("/shared/reg")?.localLockOption == nil)
        #expect(mount("/flockonly/reg")?.localLockOption == nil)
        #expect(mount("/posix/reg")?.localLockOption == "local_lock=posix")
        #expect(mount("/nolock4/reg")?.localLockOption == "nolock")
        #expect(mount("/scratch/reg")?.localLockOption == "nolock")
        // Lustre: only flock is coherent across clients.
        #expect(mount("/lustre/work/reg")?.localLockOption == nil)
        #expect(mount("/lustre/home/reg")?.localLockOption == "localflock")
        #expect(mount("/lustre/old/reg")?.localLockOption == "noflock")
        // Local filesystems have one host.
        #expect(mount("/home/reg")?.localLockOption == nil)
        #expect(mount("/containers/app/reg")?.localLockOption == nil)
    }

    @Test func writersRefuseWith69UnlessAllowed() throws {
        let scratch = try TemporaryDirectory("shared-storage")
        let real = try #require(SharedStorage.realPath(scratch.path))
        let info = scratch.path("mountinfo")
        try Data("29 1 259:2 / / rw - ext4 /dev/sda rw\n77 29 0:50 / \(real) rw,relatime - nfs4 files:/x rw,vers=4.2,nolock,local_lock=all\n".utf8)
            .write(to: URL(fileURLWithPath: info))
        let environment = ["NIMP_MOUNTINFO": info]
        // Also for a registry not created yet (init checks first).
        for root in [scratch.path, scratch.path("new/reg")] {
            let error = expectNimpError(.unavailable) { try SharedStorage.check(root, environment: environment) }
            #expect(error?.message.contains("on \(real) (nfs4, nolock), where locks are local to each host") == true, "\(String(describing: error))")
            #expect(error?.hint?.contains("NIMP_ALLOW_LOCAL_LOCK=1") == true)
        }
        try SharedStorage.check(scratch.path, environment: environment.merging(["NIMP_ALLOW_LOCAL_LOCK": "1"]) { $1 })
        try SharedStorage.check(scratch.path, environment: ["NIMP_MOUNTINFO": scratch.path("missing")])
    }
}
