import Foundation
import NimpCore
import NimpIO

/// What `verify` found: problems (damage: exit 65) and warnings (harmless leftovers,
/// e.g. temporaries of a killed writer, which the next writer removes).
public struct VerifyReport: Sendable {
    public var problems: [String] = []
    public var warnings: [String] = []
    public var models = 0
    public var versions = 0
    public var historyLines = 0
    public var dataFiles = 0

    public var isClean: Bool { problems.isEmpty }

    mutating func problem(_ error: NimpError) { problems.append(error.message) }
    mutating func problem(_ line: LineProblem) { problems.append(line.description) }
    mutating func problem(_ path: String, _ what: String) { problems.append("\(path): \(what)") }
}

extension Registry {
    /// Checks everything: config.json, signals.json, every line of every history segment,
    /// the summary of history in state/history.json against history itself, and
    /// for every model its model.json, its datasets' sha256, every archive in full
    /// (checksums, manifest, identity), the champion pointer and log, and the index
    /// against the archives. Never takes the lock and never changes anything.
    public func verify() -> VerifyReport {
        var report = VerifyReport()
        if FileManager.default.fileExists(atPath: layout.config) {
            do { _ = try config() } catch let error as NimpError { report.problem(error) } catch {}
        } else {
            report.problem(layout.config, "missing (defaults apply); `nimp registry config KEY VALUE` writes it")
        }
        do { _ = try signals() } catch let error as NimpError { report.problem(error) } catch {}
        verifyHistory(&report)
        let ids: [String]
        do { ids = try modelDirectories() } catch let error as NimpError {
            report.problem(error)
            ids = []
        } catch { ids = [] }
        var dataChecked: [String: String] = [:]
        for id in ids {
            verifyModel(id, &report, dataChecked: &dataChecked)
        }
        report.models = ids.count
        report.dataFiles = dataChecked.count
        verifyStrays(ids, &report)
        return report
    }

    /// Every line of every segment, and the summary: brought up to date, it must equal a
    /// summary built from all of history. Missing or unreadable, it is a cache the next
    /// reader builds again (a warning); saying something else than history is damage
    /// nothing would repair (a problem).
    private func verifyHistory(_ report: inout VerifyReport) {
        do {
            // The summary first: history can only grow after it. A writer may append while
            // verify reads, so both are read again until they end at the same line.
            var stored: HistorySummary?
            do {
                stored = try HistorySummary.read(path: layout.historySummary)
            } catch let error as NimpError {
                report.warnings.append("\(error.message) (a summary of history; the next cycle builds it again)")
            }
            for attempt in 1...3 {
                guard let (rebuilt, scan) = try history.scan(into: HistorySummary(), { $0.apply($1) }) else { return }
                let current = try stored.map { try history.scan(after: $0.position, into: $0) { $0.apply($1) } }
                if let current, let current, current.scan.end != scan.end, attempt < 3 { continue }
                report.historyLines = scan.lines
                for problem in scan.problems { report.problem(problem) }
                guard let current else { return }
                guard let current else {
                    report.warnings.append("\(layout.historySummary): not at a place in history (was history rewritten?); the next cycle builds it again")
                    return
                }
                let differences = current.scan.end == scan.end ? current.state.differences(from: rebuilt) : []
                if !differences.isEmpty {
                    report.problem(layout.historySummary, "disagrees with history on " + differences.prefix(5).joined(separator: ", ")
                                   + (differences.count > 5 ? " and \(differences.count - 5) more" : "")
                                   + "; remove it and the next cycle builds it again from history")
                }
                return
            }
        } catch let error as NimpError {
            report.problem(error)
        } catch {}
    }

    private func verifyModel(_ id: String, _ report: inout VerifyReport, dataChecked: inout [String: String]) {
        var spec: ModelSpec?
        do { spec = try self.spec(id) } catch let error as NimpError { report.problem(error) } catch {}
        if case .command? = spec?.source?.kind, let refused = CommandTrust.problem(layout.spec(id), root: layout.root, what: "a teacher command (data.source.command)") {
            report.problems.append(refused.message + " (a cycle refuses it: exit 77); fix: " + (refused.hint ?? ""))
        }
        if let spec {
            for ref in spec.datasets {
                let path = layout.resolve(ref.path)
                if dataChecked[path] == nil {
                    dataChecked[path] = (try? SHA256.hex(file: path)) ?? "missing"
                }
                if dataChecked[path] == "missing" {
                    report.problem(path, "missing (\(layout.spec(id)) refers to it)")
                } else if dataChecked[path] != ref.sha256 {
                    report.problem(path, "sha256 is \(dataChecked[path]!), but \(layout.spec(id)) says \(ref.sha256): the dataset was changed")
                }
            }
        }
        // The pointer before the archives: a writer may add and promote a version while
        // verify runs, and archives are created before the pointer names them.
        let store = champions(id)
        let pointer = Result { try store.current() }
        let index = VersionIndex(layout: layout, model: id)
        let loaded = try? index.load()
        for problem in loaded?.problems ?? [] {
            report.warnings.append("\(problem) (the index is a cache; the next writer rebuilds it)")
        }
        let files = index.archiveFiles()
        var valid: Set<Int> = []
        for version in files.keys.sorted() {
            report.versions += 1
            let path = layout.archive(id, version)
            do {
                let archive = try ModelArchive.read(path: path)
                try checkIdentity(archive.manifest, id: id, version: version, path: path)
                if let spec, archive.manifest.task != spec.task {
                    report.problem(path, "is a \(archive.manifest.task.rawValue) model, but \(layout.spec(id)) says \(spec.task.rawValue)")
                }
                if let cached = loaded?.summaries[version], cached.sha256 != archive.sha256 {
                    report.problem(path, "sha256 is \(archive.sha256), but it was \(cached.sha256) when stored: the archive was changed")
                }
                valid.insert(version)
            } catch let error as NimpError {
                report.problem(error)
            } catch {
                report.problem(path, "\(error)")
            }
        }
        do {
            if let champion = try pointer.get() {
                if files[champion] == nil {
                    report.problem(layout.champion(id), "points to \(VersionName.label(champion)), which does not exist")
                } else if !valid.contains(champion) {
                    report.problem(layout.champion(id), "points to \(VersionName.label(champion)), which is damaged")
                }
            } else if !files.isEmpty {
                report.warnings.append("\(layout.model(id)): has versions but no champion")
            }
            for problem in try store.logProblems() { report.problem(problem) }
        } catch let error as NimpError {
            report.problem(error)
        } catch {}
    }

    /// Leftovers of killed writers, and files that do not belong.
    private func verifyStrays(_ ids: [String], _ report: inout VerifyReport) {
        for leftover in Temporaries.find(in: layout.writableDirectories(models: ids)) {
            let who = leftover.pid.map { "pid \($0), not running" } ?? "unknown writer"
            report.warnings.append("\(leftover.path): temporary left by a killed writer (\(who)); the next writer removes it")
        }
        for id in ids {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: layout.versions(id))) ?? []
            for name in names where VersionName.parseFile(name) == nil && name != "index.jsonl" && !TemporaryName.isTemporary(name) {
                report.warnings.append("\(layout.versions(id))/\(name): not a version archive (versions are named vNNNN.nimp)")
            }
        }
    }
}
