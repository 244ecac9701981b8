import Foundation
import NimpIO

/// Leftovers of writers that died: temporary files (`.NAME.tmp-PID-N`, AtomicFile's
/// naming) and staging directories of `add` (`models/.ID.tmp-PID-N`). Harmless to
/// readers; removed by the next writer under the lock.
public enum Temporaries {
    /// A leftover and the pid that made it.
    public struct Leftover: Sendable, Equatable {
        public var path: String
        public var pid: Int32?
        public var isDirectory: Bool
    }

    /// Temporaries in `dirs` whose writer is not running.
    public static func find(in dirs: [String]) -> [Leftover] {
        var found: [Leftover] = []
        for dir in dirs {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
            for name in names where isTemporaryName(name) {
                let pid = writerPID(name)
                if let pid, pid == getpid() || kill(pid, 0) == 0 { continue }
                var isDir: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: dir + "/" + name, isDirectory: &isDir)
                found.append(Leftover(path: dir + "/" + name, pid: pid, isDirectory: isDir.boolValue))
            }
        }
        return found.sorted { $0.path < $1.path }
    }

    /// Removes the leftovers in `dirs`; returns what was removed.
    @discardableResult
    public static func clean(in dirs: [String]) -> [Leftover] {
        let leftovers = find(in: dirs)
        for leftover in leftovers {
            if leftover.isDirectory {
                try? FileManager.default.removeItem(atPath: leftover.path)
            } else {
                unlink(leftover.path)
            }
        }
        return leftovers
    }

    static func isTemporaryName(_ name: String) -> Bool {
        name.hasPrefix(".") && name.contains(".tmp-")
    }

    static func writerPID(_ name: String) -> Int32? {
        guard let range = name.range(of: ".tmp-", options: .backwards) else { return nil }
        let rest = name[range.upperBound...]
        return rest.split(separator: "-").first.flatMap { Int32($0) }
    }

    /// A fresh name for a temporary next to `path`, in the same naming scheme.
    static func name(for path: String) -> String {
        counter += 1
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().path + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(counter)"
    }

    nonisolated(unsafe) static var counter = 0
}
