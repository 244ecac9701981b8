import ArgumentParser

/// ArgumentParser's fish script hands the cursor's place in the current word to
/// `nimp ---completion` as `(__nimp_tokens -tC)`, which on fish 3 (Debian's 3.6) prints
/// nothing: the arguments shift and model ids do not complete. nimp prints the script
/// with that one expression replaced by one that works on fish 3 and 4.
enum FishCompletion {
    static let broken = "(__nimp_tokens -tC)"
    static let working = #"(string length -- "$(commandline -ct)")"#

    /// The patched script when the command line asks for the fish completion script.
    static func scriptIfRequested(_ arguments: [String]) -> String? {
        let rest = Array(arguments.dropFirst())
        guard rest == ["--generate-completion-script", "fish"] || rest == ["--generate-completion-script=fish"] else { return nil }
        return Nimp.completionScript(for: .fish).replacingOccurrences(of: broken, with: working)
    }
}
