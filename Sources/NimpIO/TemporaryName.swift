import Foundation

/// This host's name: `$NIMP_HOSTNAME` when set (tests pretend to be another host with it;
/// so can hosts that share one name), else the system's. Lock records and temporary
/// names carry it, since a registry on shared storage has writers on many hosts.
public enum ThisHost {
    public static let name: String = {
        if let name = ProcessInfo.processInfo.environment["NIMP_HOSTNAME"], !name.isEmpty { return name }
        return ProcessInfo.processInfo.hostName
    }()
}

/// The one naming scheme of half-written files: `.NAME.tmp-HOST-PID-N` beside `NAME`
/// (before hosts were named, `.NAME.tmp-PID-N`). A leftover is removable when its writer
/// is gone: a pid no longer running on this host, or, for another host's writer (whose
/// pid cannot be asked about from here), a file untouched for a day.
public enum TemporaryName {
    nonisolated(unsafe) static var counter = 0
    static let staleAfterSeconds: TimeInterval = 86400

    /// A fresh temporary's path beside `path`.
    public static func make(for path: String) -> String {
        counter += 1
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().path + "/." + url.lastPathComponent + ".tmp-\(hostTag)-\(getpid())-\(counter)"
    }

    /// The host part of names made here: the host name without the characters a file name
    /// or this scheme's `-` separators would trip on.
    static let hostTag: String = String(ThisHost.name.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" ? $0 : "_" })

    public static func isTemporary(_ name: String) -> Bool {
        name.hasPrefix(".") && name.contains(".tmp-")
    }

    /// The writer a temporary's name records: its host (nil in the older scheme) and pid.
    public static func writer(of name: String) -> (host: String?, pid: Int32)? {
        guard let range = name.range(of: ".tmp-", options: .backwards) else { return nil }
        let parts = name[range.upperBound...].split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 2, let pid = Int32(parts[parts.count - 2]), Int(parts[parts.count - 1]) != nil else { return nil }
        return (parts.count > 2 ? parts.dropLast(2).joined(separator: "-") : nil, pid)
    }

    /// Whether the writer of `dir/name` is gone, so the file can be removed.
    public static func writerIsGone(_ name: String, in dir: String) -> Bool {
        guard let writer = writer(of: name) else { return true }
        if let host = writer.host, host != hostTag {
            var st = stat()
            guard stat(dir + "/" + name, &st) == 0 else { return false }
            return Date().timeIntervalSince1970 - Double(st.st_mtim.tv_sec) > staleAfterSeconds
        }
        if writer.pid == getpid() { return false }
        return kill(writer.pid, 0) != 0 && errno == ESRCH
    }
}
