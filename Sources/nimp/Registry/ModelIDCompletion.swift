import ArgumentParser
import Foundation
import NimpIO
import NimpRegistry

extension CompletionKind {
    /// The ids of the models in the registry the command line names (see
    /// `ModelIDCompletion`); with `versions`, `ID@` completes to that model's versions.
    static func modelID(versions: Bool = false) -> CompletionKind {
        .custom { words, _, prefix in
            ModelIDCompletion.candidates(words: words, prefix: prefix, versions: versions)
        }
    }

    /// The version numbers of the model named by the nearest model id before the word
    /// being completed (`nimp registry promote ID <TAB>`).
    static var versionNumber: CompletionKind {
        .custom { words, index, prefix in
            ModelIDCompletion.versionNumbers(words: words, index: index, prefix: prefix)
        }
    }
}

/// Shell completion of model ids: the shell runs `nimp ---completion …` with the words
/// typed so far, and this lists `models/*` of the registry they name.
enum ModelIDCompletion {
    /// `--registry DIR` or `--registry=DIR` among the words, else `$NIMP_REGISTRY`,
    /// else `./nimp-registry`.
    static func registryPath(words: [String], environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        for (i, word) in words.enumerated() {
            if word == "--registry", i + 1 < words.count {
                // bash splits `--registry=DIR` at the '=' (COMP_WORDBREAKS).
                if words[i + 1] == "=", i + 2 < words.count { return expandTilde(words[i + 2]) }
                return expandTilde(words[i + 1])
            }
            if word.hasPrefix("--registry=") { return expandTilde(String(word.dropFirst("--registry=".count))) }
        }
        return Registry.defaultPath(environment: environment)
    }

    /// Ids starting with `prefix`; `ID@…` lists `ID@N` for every stored version N.
    /// Never throws or prints: a missing or damaged registry completes nothing.
    static func candidates(words: [String], prefix: String, versions: Bool,
                           environment: [String: String] = ProcessInfo.processInfo.environment) -> [String]
    {
        guard let registry = try? Registry.open(registryPath(words: words, environment: environment), diagnostics: DiscardingSink()) else { return [] }
        if versions, let at = prefix.firstIndex(of: "@") {
            let id = String(prefix[..<at])
            guard registry.hasModel(id) else { return [] }
            let stored = VersionIndex(layout: registry.layout, model: id).archiveVersions().sorted()
            return stored.map { "\(id)@\($0)" }.filter { $0.hasPrefix(prefix) }
        }
        return ((try? registry.modelIDs()) ?? []).filter { $0.hasPrefix(prefix) }
    }

    /// Versions of the last model id among `words` before `index`.
    static func versionNumbers(words: [String], index: Int, prefix: String,
                               environment: [String: String] = ProcessInfo.processInfo.environment) -> [String]
    {
        guard let registry = try? Registry.open(registryPath(words: words, environment: environment), diagnostics: DiscardingSink()) else { return [] }
        let before = words.prefix(max(0, min(index, words.count)))
        guard let id = before.last(where: { !$0.hasPrefix("-") && registry.hasModel($0) }) else { return [] }
        return VersionIndex(layout: registry.layout, model: id).archiveVersions().sorted()
            .map(String.init).filter { $0.hasPrefix(prefix) }
    }

    /// The words are as typed: `--registry ~/reg` arrives with the tilde.
    static func expandTilde(_ path: String) -> String {
        (path as NSString).expandingTildeInPath
    }
}
