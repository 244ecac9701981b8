import Foundation
import NimpCore
import NimpIO

/// What `gc` removed and why it kept the rest.
public struct GCReport: Sendable {
    /// Removed versions by model.
    public var removed: [String: [Int]] = [:]
    /// Versions kept although older than the newest N, by model, with the reason.
    public var protected: [String: [Int: String]] = [:]
    /// Removed data files (no model.json refers to them).
    public var removedData: [String] = []
    public var bytesFreed = 0
    public var warnings: [String] = []
}

extension Registry {
    /// Removes old versions: per model, every version except the newest `keep`, the
    /// champion, every previous champion (rollback needs them), and every version in
    /// the lineage of those (parents, and teachers that are versions in this registry).
    /// Damaged archives are never removed (verify reports them). Also removes data
    /// files no model.json refers to. With `dryRun`, only reports.
    ///
    /// Steps (failpoints): `gc.move` (each file moved to a trash directory),
    /// `gc.index.*` (each index rewritten), `gc.history.*`, `gc.commit`; an error at
    /// any step puts everything back.
    public func gc(keep: Int, dryRun: Bool = false) throws -> GCReport {
        guard keep >= 1 else { throw NimpError.usage("the versions kept must be at least 1 (the newest version is always kept)", parameters: [.versionsKept]) }
        return try withLock {
            var report = GCReport()
            let ids = try modelIDs()
            var lists: [String: VersionList] = [:]
            var bySha: [String: (String, Int)] = [:]
            for id in ids {
                let list = try versions(id)
                lists[id] = list
                for s in list.summaries { bySha[s.sha256] = (id, s.version) }
                for d in list.damaged { report.warnings.append("\(d.error.message) (kept)") }
            }
            let keepers = try protectedVersions(ids, lists: lists, bySha: bySha)
            var plan: [(id: String, removed: [VersionSummary], kept: [VersionSummary])] = []
            for id in ids {
                let list = lists[id]!
                let newest = Set(list.summaries.map(\.version).sorted().suffix(keep))
                var removed: [VersionSummary] = []
                var kept: [VersionSummary] = []
                for s in list.summaries {
                    if newest.contains(s.version) {
                        kept.append(s)
                    } else if let why = keepers[id]?[s.version] {
                        kept.append(s)
                        report.protected[id, default: [:]][s.version] = why
                    } else {
                        removed.append(s)
                    }
                }
                if !removed.isEmpty {
                    plan.append((id, removed, kept))
                    report.removed[id] = removed.map(\.version)
                    report.bytesFreed += removed.reduce(0) { $0 + $1.size }
                }
            }
            let referenced = Set(ids.compactMap { try? spec($0) }.flatMap { $0.datasets.map { layout.resolve($0.path) } })
            let orphans = contentAddressedDataFiles().map { layout.data + "/" + $0 }.filter { !referenced.contains($0) }
            report.removedData = orphans
            for path in orphans {
                var st = stat()
                if stat(path, &st) == 0 { report.bytesFreed += Int(st.st_size) }
            }
            guard !dryRun, !(plan.isEmpty && orphans.isEmpty) else { return report }
            try removeAll(plan.map { ($0.id, $0.removed, $0.kept) }, orphans: orphans, keep: keep, report: &report)
            return report
        }
    }

    /// Removes in a way that can be undone until the end: files are first renamed to
    /// temporaries in their own directory (a rename within one directory is the one
    /// every filesystem, NFS and Lustre included, does atomically; a killed gc's
    /// temporaries are removed by the next writer), then the indexes are rewritten and
    /// the history line appended, then the temporaries removed. An error before that
    /// puts everything back.
    private func removeAll(_ plan: [(id: String, removed: [VersionSummary], kept: [VersionSummary])], orphans: [String], keep: Int,
                           report: inout GCReport) throws
    {
        var moved: [(from: String, to: String)] = []
        var indexBackups: [(path: String, data: Data?)] = []
        let historyMark = try history.mark()
        func moveAside(_ path: String) throws {
            try Failpoint.hit("gc.move", file: path)
            let target = Temporaries.name(for: path)
            guard rename(path, target) == 0 else { throw NimpError.io(path, "cannot move aside: \(String(cString: strerror(errno)))") }
            moved.append((path, target))
        }
        do {
            for item in plan {
                for s in item.removed { try moveAside(layout.archive(item.id, s.version)) }
            }
            for path in orphans { try moveAside(path) }
            for item in plan {
                let index = VersionIndex(layout: layout, model: item.id)
                indexBackups.append((index.file.path, try JSONLinesFile.readIfPresent(index.file.path)))
                try index.rewrite(item.kept, failpoint: "gc.index")
            }
            var entry = HistoryEntry(.gc, fields: ["keep": .int(keep), "bytes_freed": .int(report.bytesFreed)])
            entry["removed"] = .object(report.removed.mapValues { .array($0.map { .int($0) }) })
            if !orphans.isEmpty { entry["removed_data"] = .array(orphans.map { .string(URL(fileURLWithPath: $0).lastPathComponent) }) }
            try history.append(entry, failpoint: "gc.history")
            try Failpoint.hit("gc.commit", file: layout.root)
        } catch {
            for (from, to) in moved.reversed() { rename(to, from) }
            for (path, data) in indexBackups {
                if let data { try? AtomicFile.write(data, to: path, failpoint: "gc.undo") } else { unlink(path) }
            }
            history.undo(to: historyMark)
            throw error
        }
        for (_, to) in moved { unlink(to) }
        for dir in Set(moved.map { URL(fileURLWithPath: $0.to).deletingLastPathComponent().path }).sorted() { try AtomicFile.syncDirectory(dir) }
    }

    /// For each model, the versions gc must keep whatever their age, with the reason.
    func protectedVersions(_ ids: [String], lists: [String: VersionList], bySha: [String: (String, Int)]) throws -> [String: [Int: String]] {
        var keep: [String: [Int: String]] = [:]
        var queue: [(String, Int, String)] = []
        for id in ids {
            let stack = (try? champions(id).stack()) ?? []
            for (i, version) in stack.enumerated().reversed() {
                queue.append((id, version, i == stack.count - 1 ? "champion" : "previous champion"))
            }
            // Damaged versions are evidence: never removed.
            for d in lists[id]?.damaged ?? [] { queue.append((id, d.version, "damaged")) }
        }
        while let (id, version, why) = queue.popLast() {
            guard keep[id]?[version] == nil else { continue }
            keep[id, default: [:]][version] = why
            guard let summary = lists[id]?.summary(version) else { continue }
            if let parent = summary.parent {
                queue.append((id, parent, "lineage of \(id)@\(VersionName.label(version))"))
            }
            if let teacher = summary.teacher, let (tid, tversion) = resolveTeacher(teacher, bySha: bySha) {
                queue.append((tid, tversion, "teacher of \(id)@\(VersionName.label(version))"))
            }
        }
        return keep
    }

    /// A teacher reference that names a version of this registry: `ID@vNNNN`, `ID@N`,
    /// a sha256, or a path to an archive inside the registry.
    func resolveTeacher(_ teacher: String, bySha: [String: (String, Int)]) -> (String, Int)? {
        let text = teacher.hasPrefix("sha256:") ? String(teacher.dropFirst(7)) : teacher
        if let hit = bySha[text.lowercased()] { return hit }
        if let at = text.lastIndex(of: "@"), let version = VersionName.parse(String(text[text.index(after: at)...])) {
            let id = String(text[..<at])
            if ModelID.problem(id) == nil { return (id, version) }
        }
        let parts = text.split(separator: "/")
        if parts.count >= 3, parts[parts.count - 2] == "versions", let version = VersionName.parseFile(String(parts.last!)) {
            return (String(parts[parts.count - 3]), version)
        }
        return nil
    }
}
