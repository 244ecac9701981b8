import Foundation
import NimpCore

/// One line of /proc/self/mountinfo: where a filesystem is mounted, its type, and its
/// options (the mount's and the superblock's together: NFS and Lustre show theirs in
/// the latter).
public struct MountEntry: Sendable, Equatable {
    public var mountPoint: String
    public var fsType: String
    public var options: [String]

    public init(mountPoint: String, fsType: String, options: [String]) {
        self.mountPoint = mountPoint
        self.fsType = fsType
        self.options = options
    }

    /// The option that makes `fcntl` locks on this mount local to one host, or nil when
    /// they are coherent across hosts (or the filesystem is not a shared one we know).
    public var localLockOption: String? {
        switch fsType {
        case "nfs", "nfs4":
            // nolock and local_lock=posix|all keep fcntl locks in this client's kernel.
            // local_lock=flock only makes flock(2) local: our fcntl locks still reach
            // the server, so it is fine.
            return options.first { $0 == "nolock" || $0 == "local_lock=posix" || $0 == "local_lock=all" }
        case "lustre":
            // flock: coherent across clients. localflock: this client only. Neither
            // (noflock): locking fails with ENOSYS.
            if options.contains("flock") { return nil }
            return options.contains("localflock") ? "localflock" : "noflock"
        default:
            return nil
        }
    }
}

/// Refuses writers on a mount whose locks do not span hosts (README, "The registry on
/// shared storage"): two hosts would both get the lock and change the registry at once.
public enum SharedStorage {
    /// Set to 1 when only one host ever writes the registry: local locks then suffice.
    public static let allowLocalLockKey = "NIMP_ALLOW_LOCAL_LOCK"
    /// Test hook: a file read in place of /proc/self/mountinfo.
    static let mountInfoKey = "NIMP_MOUNTINFO"

    /// Parses mountinfo (proc(5)): `ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL…] - TYPE SOURCE SUPEROPTIONS`.
    /// Lines that do not have that shape are skipped.
    public static func parse(_ text: String) -> [MountEntry] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard fields.count >= 10, let dash = fields.firstIndex(of: "-"), dash >= 6, dash + 3 < fields.count else { return nil }
            let options = fields[5].split(separator: ",") + fields[dash + 3].split(separator: ",")
            return MountEntry(mountPoint: unescape(fields[4]), fsType: fields[dash + 1], options: options.map(String.init))
        }
    }

    /// The mount holding `path` (a real path): the longest mount point that is `path` or
    /// one of its parents; of equal ones the last, which is mounted over the others.
    public static func mount(of path: String, in mounts: [MountEntry]) -> MountEntry? {
        var best: MountEntry?
        for m in mounts where contains(m.mountPoint, path) && m.mountPoint.count >= (best?.mountPoint.count ?? 0) {
            best = m
        }
        return best
    }

    /// Throws exit 69 when the registry at `root` is on a mount whose locks are local
    /// to each host, unless NIMP_ALLOW_LOCAL_LOCK=1. Nothing to check without mountinfo.
    public static func check(_ root: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard environment[allowLocalLockKey] != "1" else { return }
        let source = environment[mountInfoKey].flatMap { $0.isEmpty ? nil : $0 } ?? "/proc/self/mountinfo"
        guard let real = realPath(root), let text = try? String(contentsOfFile: source, encoding: .utf8),
              let m = mount(of: real, in: parse(text)), let option = m.localLockOption else { return }
        throw NimpError(.unavailable,
                        "\(root): the registry is on \(m.mountPoint) (\(m.fsType), \(option)), where locks are local to each host: "
                            + "writers on two hosts could both take the registry lock",
                        hint: "remount \(m.mountPoint) with locking across hosts (\(m.fsType == "lustre" ? "-o flock" : "without nolock or local_lock=posix|all")); "
                            + "if only this host ever writes the registry, set \(allowLocalLockKey)=1")
    }

    /// The real path of `path`, or of its nearest existing parent (`init` checks
    /// before it creates the directory).
    static func realPath(_ path: String) -> String? {
        var url = URL(fileURLWithPath: path).standardizedFileURL
        while true {
            if let real = realpath(url.path, nil) {
                defer { free(real) }
                return String(cString: real)
            }
            guard url.path != "/" else { return nil }
            url = url.deletingLastPathComponent()
        }
    }

    private static func contains(_ mountPoint: String, _ path: String) -> Bool {
        mountPoint == "/" || path == mountPoint || path.hasPrefix(mountPoint + "/")
    }

    /// Mount points escape space, tab, newline and backslash as `\ooo`.
    static func unescape(_ field: String) -> String {
        guard field.contains("\\") else { return field }
        var bytes: [UInt8] = []
        let utf8 = Array(field.utf8)
        var i = 0
        while i < utf8.count {
            if utf8[i] == 0x5C, i + 4 <= utf8.count, let value = UInt8(String(decoding: utf8[(i + 1)..<(i + 4)], as: UTF8.self), radix: 8) {
                bytes.append(value)
                i += 4
            } else {
                bytes.append(utf8[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
