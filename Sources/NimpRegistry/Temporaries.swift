import Foundation
import NimpIO

/// Leftovers of writers that died: temporary files and staging directories of `add`,
/// both named by `TemporaryName`. Harmless to readers; removed by the next writer under
/// the lock.
public enum Temporaries {
    /// A leftover and the pid that made it.
    public struct Leftover: Sendable, Equatable {
        public var path: String
        public var pid: Int32?
        public var isDirectory: Bool
    }

    /// Temporaries in `dirs` whose writer is gone (`TemporaryName`).
    public static func find(in dirs: [String]) -> [Leftover] {
        var found: [Leftover] = []
        for dir in dirs {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
            for name in names where TemporaryName.isTemporary(name) && TemporaryName.writerIsGone(name, in: dir) {
                var isDir: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: dir + "/" + name, isDirectory: &isDir)
                found.append(Leftover(path: dir + "/" + name, pid: TemporaryName.writer(of: name)?.pid, isDirectory: isDir.boolValue))
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

    /// A fresh name for a temporary next to `path`, in the same naming scheme.
    static func name(for path: String) -> String { TemporaryName.make(for: path) }
}
