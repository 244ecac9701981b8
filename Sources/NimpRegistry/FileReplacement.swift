import Foundation
import NimpCore
import NimpIO

/// AtomicFile with an all-or-nothing promise to the caller: when any step fails, even
/// after the rename (fsyncing the directory), the previous contents are put back, so
/// an error always means "nothing changed".
enum FileReplacement {
    static func replace(_ data: Data, at path: String, failpoint: String) throws {
        let previous = try JSONLinesFile.readIfPresent(path)
        do {
            try AtomicFile.write(data, to: path, failpoint: failpoint)
        } catch {
            restore(previous, at: path)
            throw error
        }
    }

    /// Creates `path` (never replacing a file); when a step after the link fails, the
    /// new file is removed again.
    static func create(_ data: Data, at path: String, failpoint: String) throws {
        let existed = FileManager.default.fileExists(atPath: path)
        do {
            try AtomicFile.write(data, to: path, failpoint: failpoint, exclusive: true)
        } catch {
            if !existed { unlink(path) }
            throw error
        }
    }

    /// Puts `previous` back at `path` (nil: removes it); best effort, on error paths.
    static func restore(_ previous: Data?, at path: String) {
        let current = try? JSONLinesFile.readIfPresent(path)
        guard current != previous else { return }
        if let previous {
            try? AtomicFile.write(previous, to: path, failpoint: "restore")
        } else {
            unlink(path)
        }
    }
}
