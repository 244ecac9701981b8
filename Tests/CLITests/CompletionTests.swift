import Foundation
import NimpTestSupport
import Testing

/// The bash completion script, sourced in a real bash with COMP_WORDS set as bash
/// sets them, completes subcommands, options, option values and registry model ids.
/// The script comes from the binary under test (DocsTests checks that the committed
/// one is the same); custom completions run `nimp ---completion …`, so a `nimp` that
/// is the binary under test is first on PATH.
@Suite(.serialized) struct CompletionTests {
    let scratch: TemporaryDirectory
    let script: URL

    var work: URL { scratch.url }

    init() throws {
        scratch = try TemporaryDirectory("completion")
        let bin = scratch.url.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: bin.appendingPathComponent("nimp"), withDestinationURL: nimpBinary)
        let generated = runNimp(["--generate-completion-script", "bash"])
        #expect(generated.status == 0, "\(generated.stderr)")
        script = scratch.url.appendingPathComponent("nimp.bash")
        try generated.stdout.write(to: script, atomically: true, encoding: .utf8)
    }

    /// A registry at `path` with models alpha (versions 1 and 2) and beta (version 1).
    func makeRegistry(_ path: String) throws {
        let data = work.appendingPathComponent("d.safetensors").path
        let model = work.appendingPathComponent("m.nimp").path
        for args in [["gen-data", "--generator", "signal/dopamine", "--samples", "100", "-o", data, "-q"],
                     ["train", "--data", data, "--epochs", "1", "--hidden", "4", "--metrics", "/dev/null", "-o", model, "-q"],
                     ["registry", "--registry", path, "init"],
                     ["registry", "--registry", path, "add", "alpha", model, "--data", data],
                     ["registry", "--registry", path, "add", "alpha", model],
                     ["registry", "--registry", path, "add", "beta", model, "--data", data]] {
            let r = runNimp(args)
            #expect(r.status == 0, "nimp \(args.joined(separator: " ")): \(r.stderr)")
        }
    }

    /// What bash offers for `line` (the cursor at its end), sorted.
    func complete(_ line: String, env: [String: String] = [:], directory: URL? = nil,
                  sourceLocation: SourceLocation = #_sourceLocation) -> [String]
    {
        // Split as bash would for these simple lines; a trailing space starts a new word.
        let driver = """
            source "$1"
            COMP_LINE="$2"
            COMP_POINT=${#COMP_LINE}
            read -ra COMP_WORDS <<< "$COMP_LINE"
            [[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=("")
            COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
            prev=""
            (( COMP_CWORD > 0 )) && prev="${COMP_WORDS[COMP_CWORD-1]}"
            COMPREPLY=()
            _nimp nimp "${COMP_WORDS[COMP_CWORD]}" "$prev"
            printf '%s\\n' "${COMPREPLY[@]}"
            """
        var environment = env
        environment["PATH"] = work.appendingPathComponent("bin").path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        if environment["NIMP_REGISTRY"] == nil { environment["NIMP_REGISTRY"] = "" }
        let r = runProcess("/bin/bash", ["--norc", "--noprofile", "-c", driver, "complete", script.path, line],
                           env: environment, directory: directory ?? work, timeout: 60)
        #expect(r.status == 0, "completing '\(line)': \(r.stderr)", sourceLocation: sourceLocation)
        return r.stdout.split(separator: "\n").map(String.init).filter { !$0.isEmpty }.sorted()
    }

    @Test func subcommandsComplete() {
        let top = complete("nimp ")
        for name in ["gen-data", "train", "evaluate", "optimize", "distill", "evolve", "cycle", "registry"] {
            #expect(top.contains(name), "nimp <TAB> lacks \(name): \(top)")
        }
        #expect(complete("nimp reg") == ["registry"])
        let registry = complete("nimp registry ")
        for name in ["init", "add", "list", "show", "versions", "promote", "rollback", "report", "config"] {
            #expect(registry.contains(name), "nimp registry <TAB> lacks \(name): \(registry)")
        }
        #expect(complete("nimp registry rep") == ["report"])
    }

    @Test func optionsAndTheirValuesComplete() {
        #expect(complete("nimp train --ep") == ["--epochs"])
        let options = complete("nimp train --")
        for option in ["--data", "--validation", "--hidden", "--plot", "--output", "--quiet"] {
            #expect(options.contains(option), "nimp train --<TAB> lacks \(option): \(options)")
        }
        #expect(complete("nimp train --optimizer ") == ["adam", "adamw", "sgd"])
        #expect(complete("nimp registry list --format t") == ["table"])
    }

    @Test func fileArgumentsCompleteFileNames() throws {
        for name in ["train.safetensors", "model.nimp", "notes.txt"] {
            _ = FileManager.default.createFile(atPath: work.appendingPathComponent(name).path, contents: Data())
        }
        try FileManager.default.createDirectory(at: work.appendingPathComponent("models"), withIntermediateDirectories: true)
        #expect(complete("nimp train --data tr") == ["train.safetensors"])
        #expect(complete("nimp evaluate mo") == ["model.nimp", "models"], "archives and directories")
        #expect(complete("nimp gen-data --generator signal/growth -o no") == ["notes.txt"])
        #expect(complete("nimp cycle run --textfile-dir mo") == ["models"])
        #expect(complete("nimp cycle gate --textfile-dir mo") == ["models"])
    }

    @Test func modelIDsCompleteFromTheRegistryOnTheCommandLine() throws {
        let reg = work.appendingPathComponent("reg").path
        try makeRegistry(reg)
        #expect(complete("nimp registry show --registry \(reg) ") == ["alpha", "beta"])
        #expect(complete("nimp registry versions --registry \(reg) al") == ["alpha"])
        #expect(complete("nimp registry --registry \(reg) rollback ") == ["alpha", "beta"])
        #expect(complete("nimp registry lineage --registry=\(reg) b") == ["beta"])
        #expect(complete("nimp registry export --registry \(reg) alpha@") == ["alpha@1", "alpha@2"])
        #expect(complete("nimp registry promote --registry \(reg) alpha ") == ["1", "2"])
        #expect(complete("nimp registry history --registry \(reg) --model a") == ["alpha"])
    }

    @Test func modelIDsCompleteFromTheEnvironmentAndTheDefaultDirectory() throws {
        let reg = work.appendingPathComponent("nimp-registry").path
        try makeRegistry(reg)
        #expect(complete("nimp registry show ", env: ["NIMP_REGISTRY": reg], directory: URL(fileURLWithPath: "/")) == ["alpha", "beta"])
        #expect(complete("nimp registry versions ") == ["alpha", "beta"], "./nimp-registry")
    }

    @Test func noRegistryCompletesNothingQuietly() {
        #expect(complete("nimp registry show --registry /nonexistent/registry ") == [])
    }

    /// What fish (interactive, so that `commandline` works) offers for `line`: the
    /// candidates without their descriptions, sorted.
    static let fish = ["/usr/bin/fish", "/bin/fish"].first(where: { FileManager.default.isExecutableFile(atPath: $0) })

    func completeInFish(_ line: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String] {
        let fish = try #require(Self.fish, "fish is not installed", sourceLocation: sourceLocation)
        let generated = runNimp(["--generate-completion-script", "fish"])
        #expect(generated.status == 0, "\(generated.stderr)", sourceLocation: sourceLocation)
        let fishScript = work.appendingPathComponent("nimp.fish")
        try generated.stdout.write(to: fishScript, atomically: true, encoding: .utf8)
        let path = work.appendingPathComponent("bin").path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let r = runProcess(fish, ["--no-config", "-i", "-c", "source $argv[1]; complete -C $argv[2]", fishScript.path, line],
                           env: ["PATH": path, "NIMP_REGISTRY": "", "HOME": work.path, "XDG_CONFIG_HOME": work.path],
                           directory: work, timeout: 60)
        #expect(r.status == 0, "fish completing '\(line)': \(r.stderr)", sourceLocation: sourceLocation)
        #expect(!r.stderr.contains("Error"), "fish completing '\(line)': \(r.stderr)", sourceLocation: sourceLocation)
        return r.stdout.split(separator: "\n").map { String($0.split(separator: "\t").first ?? "") }.filter { !$0.isEmpty }.sorted()
    }

    /// fish 3 (Debian's) and 4: subcommands, options and model ids, the last through
    /// `nimp ---completion` (ArgumentParser's script passed it no cursor place on fish 3).
    @Test(.enabled(if: Self.fish != nil, "fish is not installed (.ci/run installs it)"))
    func fishCompletesSubcommandsOptionsAndModelIDs() throws {
        let reg = work.appendingPathComponent("reg").path
        try makeRegistry(reg)
        #expect(try completeInFish("nimp reg") == ["registry"])
        #expect(try completeInFish("nimp train --ep") == ["--epochs"])
        #expect(try completeInFish("nimp registry show --registry \(reg) ") == ["alpha", "beta"])
        #expect(try completeInFish("nimp registry versions --registry \(reg) al") == ["alpha"])
        #expect(try completeInFish("nimp registry promote --registry \(reg) alpha ") == ["1", "2"])
        #expect(try completeInFish("nimp registry history --registry \(reg) --model ") == ["alpha", "beta"])
    }
}
