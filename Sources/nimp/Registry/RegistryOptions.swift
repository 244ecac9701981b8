import ArgumentParser
import Foundation
import NimpCore
import NimpIO
import NimpRegistry

/// `--registry DIR`, shared by every registry command (and `nimp cycle`).
struct RegistryOptions: ParsableArguments {
    @Option(name: .customLong("registry"),
            help: ArgumentHelp("The registry directory (default: $NIMP_REGISTRY, else ./nimp-registry).", valueName: "dir"),
            completion: .directory)
    var path: String?

    /// Opens the existing registry (exit 66 when there is none).
    func open(wait: TimeInterval = 0) throws -> NimpRegistry.Registry {
        try NimpRegistry.Registry.open(path, lockWait: wait, diagnostics: Console.sink)
    }
}

/// `--wait SECONDS`, for commands that change the registry.
struct LockOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Wait up to this many seconds for the registry lock (default: fail at once with exit 75).",
                               valueName: "seconds"))
    var wait: Double = 0

    func validate() throws {
        guard wait >= 0, wait.isFinite else { throw ValidationError("--wait must be a number of seconds, 0 or more") }
    }
}

/// How a listing prints: a table on a terminal, JSON lines otherwise, unless asked.
enum ListingFormat: String, ExpressibleByArgument, CaseIterable {
    case auto
    case table
    case json

    var isTable: Bool {
        switch self {
        case .auto: Console.stdoutIsTerminal
        case .table: true
        case .json: false
        }
    }
}

/// `--format` and `-o FILE`, for commands that print data.
struct ListingOutputOptions: ParsableArguments {
    @Option(help: "table, json (JSON lines) or auto (a table on a terminal).")
    var format: ListingFormat = .auto

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the output here instead of stdout (JSON lines unless --format table).",
                                                    valueName: "file"), completion: .file())
    var output: String?

    var isTable: Bool { output == nil ? format.isTable : format == .table }

    /// Writes `text` to the output file (atomically) or stdout.
    func emit(_ text: String) throws {
        if let output {
            try AtomicFile.write(Data(text.utf8), to: output, failpoint: "output")
        } else {
            try Console.out(text)
        }
    }

    func emit(lines: [String]) throws {
        try emit(lines.map { $0 + "\n" }.joined())
    }
}
