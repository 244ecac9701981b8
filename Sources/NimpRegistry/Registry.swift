import Foundation
import NimpCore
import NimpIO

/// A registry directory (README, "The registry"): the entry point for everything that
/// reads or changes it.
///
/// Readers never take the lock and see either the old or the new state of every file.
/// Every method that changes the registry takes the lock itself (waiting up to
/// `lockWait` seconds); the lock nests, so a cycle can hold it around many calls.
public struct Registry: Sendable {
    public static let environmentKey = "NIMP_REGISTRY"
    public static let defaultDirectory = "nimp-registry"

    public let layout: RegistryLayout
    /// Seconds a writer waits for the lock before failing with exit 75.
    public var lockWait: TimeInterval
    /// Hears what the registry and the cycles over it have to say (a lock taken over,
    /// a model left out); like `lockWait`, a choice of whoever opened it.
    public var diagnostics: any DiagnosticSink

    public var root: String { layout.root }

    init(root: String, lockWait: TimeInterval, diagnostics: any DiagnosticSink) {
        layout = RegistryLayout(root: root)
        self.lockWait = lockWait
        self.diagnostics = diagnostics
    }

    /// `$NIMP_REGISTRY`, else `./nimp-registry`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let path = environment[environmentKey], !path.isEmpty { return path }
        return defaultDirectory
    }

    /// Opens an existing registry; exit 66 when there is none at `path`.
    public static func open(_ path: String? = nil, lockWait: TimeInterval = 0, diagnostics: any DiagnosticSink) throws -> Registry {
        let registry = Registry(root: path ?? defaultPath(), lockWait: lockWait, diagnostics: diagnostics)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: registry.root, isDirectory: &isDir), isDir.boolValue,
              FileManager.default.fileExists(atPath: registry.layout.config) || FileManager.default.fileExists(atPath: registry.layout.models)
        else {
            throw NimpError(.noInput, "\(registry.root): no registry here",
                            hint: "create one with `nimp registry init`, or point the registry or $\(environmentKey) at an existing one",
                            parameters: [.registry])
        }
        return registry
    }

    /// Creates the registry layout at `path`, or completes a partial one; an existing
    /// registry is left as it is. Returns the registry and whether anything was created.
    public static func create(at path: String? = nil, lockWait: TimeInterval = 0,
                              diagnostics: any DiagnosticSink) throws -> (registry: Registry, created: Bool) {
        let registry = Registry(root: path ?? defaultPath(), lockWait: lockWait, diagnostics: diagnostics)
        let layout = registry.layout
        // Before creating anything: the lock below would refuse, leaving empty directories.
        try SharedStorage.check(layout.root)
        var created = false
        for dir in [layout.root, layout.models, layout.data] where !FileManager.default.fileExists(atPath: dir) {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            } catch {
                throw NimpError.cannotCreate(dir, "cannot create directory: \(error.localizedDescription)")
            }
            // Not NSString.deletingLastPathComponent: it crashes on one-character paths (`--registry r`).
            try AtomicFile.syncDirectory(URL(fileURLWithPath: dir).deletingLastPathComponent().path)
            created = true
        }
        try registry.withLock {
            if !FileManager.default.fileExists(atPath: layout.config) {
                try AtomicFile.write(try RegistryConfig().encoded(), to: layout.config, failpoint: "init.config")
                created = true
            }
            if created {
                try registry.history.append(HistoryEntry(.initialize, fields: ["registry": .string(layout.root)]))
            }
        }
        return (registry, created)
    }

    // MARK: Lock

    /// Runs `body` holding the registry lock. A lock left by a dead holder is taken
    /// over and logged; leftovers of dead writers are removed.
    public func withLock<T>(_ body: () throws -> T) throws -> T {
        try RegistryLock.withLock(layout, wait: lockWait, diagnostics: diagnostics, onAcquire: { takeover in
            if let takeover {
                let previous = takeover.holder
                var fields: [String: JSONValue] = [
                    "previous_pid": .int(Int(previous.pid)), "previous_host": .string(previous.host),
                    "previous_started": .string(previous.started), "previous_command": .string(previous.command),
                    "message": .string("taken over from the previous holder, \(takeover.reason)"),
                ]
                if let expires = previous.expires { fields["previous_expires"] = .string(expires) }
                try history.append(HistoryEntry(.lockTakeover, fields: fields), failpoint: "history.takeover")
                diagnostics.warn("\(layout.lock): taken over from \(previous.summary), \(takeover.reason)")
            }
            Temporaries.clean(in: layout.writableDirectories(models: (try? modelDirectories()) ?? []))
            if takeover != nil { try recoverChampionHistory() }
        }, body)
    }

    /// The lock holder recorded in the lock file, if any (readers use this; they never lock).
    public func lockHolder() -> LockHolder? {
        RegistryLock.holder(layout)
    }

    // MARK: Config

    /// config.json (defaults when the file is missing).
    public func config() throws -> RegistryConfig {
        guard let data = try JSONLinesFile.readIfPresent(layout.config) else { return RegistryConfig() }
        return try RegistryConfig.parse(data, file: layout.config)
    }

    /// Sets one setting from command-line text; returns the old and new values.
    @discardableResult
    public func setConfig(_ name: String, to text: String) throws -> (old: JSONValue, new: JSONValue) {
        let key = try RegistryConfig.key(name)
        return try withLock {
            var config = try self.config()
            let old = config.value(key)
            try config.set(key, text: text)
            let new = config.value(key)
            let previous = try JSONLinesFile.readIfPresent(layout.config)
            try FileReplacement.replace(try config.encoded(), at: layout.config, failpoint: "config")
            do {
                try history.append(HistoryEntry(.config, fields: ["key": .string(name), "old": old, "new": new]), failpoint: "config.history")
            } catch {
                FileReplacement.restore(previous, at: layout.config)
                throw error
            }
            return (old, new)
        }
    }

    // MARK: Models

    /// Directory names under models/ that are model ids (complete or not).
    func modelDirectories() throws -> [String] {
        guard FileManager.default.fileExists(atPath: layout.models) else { return [] }
        do {
            return try FileManager.default.contentsOfDirectory(atPath: layout.models)
                .filter { ModelID.problem($0) == nil }.sorted()
        } catch {
            throw NimpError.io(layout.models, "cannot list: \(error.localizedDescription)")
        }
    }

    /// Ids of the models in the registry, sorted.
    public func modelIDs() throws -> [String] {
        try modelDirectories()
    }

    /// Whether a model of that id exists.
    public func hasModel(_ id: String) -> Bool {
        ModelID.problem(id) == nil && FileManager.default.fileExists(atPath: layout.spec(id))
    }

    /// Throws exit 66 naming the model when it does not exist.
    public func requireModel(_ id: String) throws {
        try ModelID.validate(id)
        guard FileManager.default.fileExists(atPath: layout.model(id)) else {
            let known = ((try? modelIDs()) ?? [])
            let hint = known.isEmpty ? "the registry has no models; add one with `nimp registry add`"
                : "known models: " + known.prefix(20).joined(separator: ", ") + (known.count > 20 ? ", …" : "")
            throw NimpError(.noInput, "\(layout.model(id)): no model \(String(reflecting: id)) in this registry", hint: hint)
        }
    }

    /// The model's model.json.
    public func spec(_ id: String) throws -> ModelSpec {
        try requireModel(id)
        let path = layout.spec(id)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NimpError.data(path, nil, "missing or unreadable model spec")
        }
        return try ModelSpec.parse(data, file: path)
    }

    /// Replaces a model's model.json (validated first) under the lock.
    public func setSpec(_ id: String, _ spec: ModelSpec) throws {
        try requireModel(id)
        let data = try spec.encoded()
        _ = try ModelSpec.parse(data, file: layout.spec(id))
        try withLock {
            try FileReplacement.replace(data, at: layout.spec(id), failpoint: "spec")
        }
    }

    /// The champion's store: current version, previous champions.
    public func champions(_ id: String) -> ChampionStore {
        ChampionStore(layout: layout, model: id)
    }

    /// The model's champion version, nil when it has none.
    public func champion(_ id: String) throws -> Int? {
        try requireModel(id)
        return try champions(id).current()
    }

    /// Path of the champion's archive, nil when the model has none.
    public func championArchivePath(_ id: String) throws -> String? {
        try champion(id).map { layout.archive(id, $0) }
    }

    /// Path of a version's archive (which may not exist).
    public func archivePath(_ id: String, version: Int) -> String {
        layout.archive(id, version)
    }

    // MARK: History and signals

    public var history: History { History(layout: layout) }

    /// Appends history entries under the lock.
    public func appendHistory(_ entries: [HistoryEntry]) throws {
        try withLock { try history.append(entries) }
    }

    public func appendHistory(_ entry: HistoryEntry) throws {
        try appendHistory([entry])
    }

    /// signals.json (empty when missing).
    public func signals() throws -> SignalsFile {
        try SignalsFile.read(path: layout.signals)
    }

    /// Replaces signals.json under the lock.
    public func writeSignals(_ signals: SignalsFile, historyLimit: Int = SignalsFile.defaultHistoryLimit) throws {
        try withLock { try signals.write(path: layout.signals, historyLimit: historyLimit) }
    }
}
