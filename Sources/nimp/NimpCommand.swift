import Foundation
import ArgumentParser
import NimpCore
import NimpIO

/// A subcommand: parse, validate, call the library, map errors to exit statuses.
protocol NimpCommand: ParsableCommand {
    func execute() throws
}

/// A command with `--wait SECONDS` for the registry lock: its exit-75 hint offers it.
protocol WaitsForLock {}

extension NimpCommand {
    func run() throws {
        do {
            try execute()
        } catch var error as NimpError {
            error = ParameterFlags.annotate(error, flags: ParameterFlags.flags(in: Self.helpMessage(includeHidden: true, columns: 1000)))
            if error.kind == .tempFail, self is WaitsForLock { error.hint = (error.hint.map { $0 + ", " } ?? "") + "or pass --wait SECONDS to wait for it" }
            Console.error(error)
            throw ExitCode(ExitStatus.code(for: error.kind))
        }
    }
}

/// The flags that set the library's parameters (`NimpError.Parameter`): an error's hint
/// names those the failing command has.
enum ParameterFlags {
    /// By parameter name, the usual spelling first; a command offers the first it has.
    static let spellings: [String: [String]] = [
        // --target is the metric target where --target-column exists (registry add).
        "target column": ["--target-column COLUMN", "--target COLUMN"],
        "feature columns": ["--features"],
        "excluded columns": ["--exclude"],
        "task": ["--task"],
        "versions kept": ["--keep"],
        "registry": ["--registry"],
        "temperature": ["--temperature"],
        "alpha": ["--alpha"],
        "augmentation": ["--augment"],
        "population": ["--population"],
        "generations": ["--generations"],
        "cost weight": ["--cost-weight"],
        "quantization": ["--quantize"],
        "neuron pruning": ["--prune-neurons"],
        "weight pruning": ["--prune-weights"],
        "pruning steps": ["--steps"],
        "maximum quality drop": ["--max-quality-drop"],
        "training data": ["--data TRAIN"],
        "validation data": ["--validation VAL"],
        "fine-tuning epochs": ["--epochs"],
        "initial model": ["--init"],
        "hidden activations": ["--activation"],
        "feature names": ["--feature-names"],
        "class names": ["--classes", "--target-names"],
        "target names": ["--target-names"],
        "symbol prefix": ["--name"],
        "targets": ["--target"],
        "max_parameters": ["--max-parameters"],
        "max_bytes": ["--max-bytes"],
        "max_latency_p50_us": ["--max-latency-p50-us"],
    ]

    /// The long options listed in a command's help.
    static func flags(in help: String) -> Set<String> {
        var flags = Set<String>()
        for line in help.split(separator: "\n") {
            let words = line.split(separator: " ")
            guard line.first == " ", let first = words.first, first.hasPrefix("-") else { continue }
            for word in words.prefix(2) where word.hasPrefix("--") {
                flags.insert(String(word.prefix { $0 != "," && $0 != "=" && $0 != "<" }))
            }
        }
        return flags
    }

    /// `error` with its parameters' flags among `flags` added to the hint.
    static func annotate(_ error: NimpError, flags: Set<String>) -> NimpError {
        let named = error.parameters.compactMap { p -> String? in
            guard let spelling = spellings[p.name]?.first(where: { flags.contains(String($0.prefix { $0 != " " })) }) else { return nil }
            return p.value.map { spelling.prefix { $0 != " " } + " " + $0 } ?? spelling
        }
        guard !named.isEmpty else { return error }
        var error = error
        let clause = (named.count == 1 ? "flag: " : "flags: ") + named.joined(separator: ", ")
        error.hint = error.hint.map { "\($0); \(clause)" } ?? clause
        return error
    }
}

/// The first Ctrl-C or SIGTERM during train, distill, evolve or optimize: the run stops at
/// the end of its epoch, generation or step, its best model so far is written (the manifest
/// says it was interrupted, and when) and the command exits 130 (143 for SIGTERM).
enum InterruptedRun {
    static func begin() { installInterruptionHandlers() }

    /// Writes `archive` to `output`, marked as interrupted when a signal asked to stop.
    static func write(_ archive: ModelArchive, to output: String) throws {
        var archive = archive
        if Interruption.requested != nil { archive.manifest.interruptedAt = Manifest.Lineage.now() }
        try archive.write(to: output)
    }

    /// Exits 130/143 after the output is written, when a signal asked to stop.
    static func finish(_ output: String) throws {
        guard let signal = Interruption.requested else { return }
        Console.warn("interrupted by \(signal == SIGTERM ? "SIGTERM" : "SIGINT"): wrote the best model so far to \(output)")
        throw ExitCode(ExitStatus.interrupted(by: signal))
    }
}

/// Installs the handlers: the first signal asks the run to stop; a second exits at once
/// (whatever was being written is a temporary file that the next run removes).
private func installInterruptionHandlers() {
    for s in [SIGINT, SIGTERM] {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { sig in
            if !Interruption.request(sig) { _exit(ExitStatus.interrupted(by: sig)) }
            let text = "\nstopping after this step; a second Ctrl-C stops at once\n"
            _ = text.withCString { write(2, $0, strlen($0)) }
        }
        sigemptyset(&action.sa_mask)
        sigaction(s, &action, nil)
    }
    // A parent may hand down these signals blocked (threads of a Dispatch-based program
    // often run with them blocked): the handler must see them.
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGINT)
    sigaddset(&set, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
}
