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
            if error.status == .tempFail, self is WaitsForLock { error.hint = (error.hint.map { $0 + ", " } ?? "") + "or pass --wait SECONDS to wait for it" }
            Console.error(error)
            throw ExitCode(error.status.rawValue)
        }
    }
}

/// The first Ctrl-C or SIGTERM during train, distill, evolve or optimize: the run stops at
/// the end of its epoch, generation or step, its best model so far is written (the manifest
/// says it was interrupted, and when) and the command exits 130 (143 for SIGTERM).
enum InterruptedRun {
    static func begin() { Interruption.install() }

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
        throw ExitCode(Interruption.exitStatus(signal))
    }
}
