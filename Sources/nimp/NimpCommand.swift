import ArgumentParser
import NimpCore
import NimpIO

/// A subcommand: parse, validate, call the library, map errors to exit statuses.
protocol NimpCommand: ParsableCommand {
    func execute() throws
}

extension NimpCommand {
    func run() throws {
        do {
            try execute()
        } catch let error as NimpError {
            Console.error(error)
            throw ExitCode(error.status.rawValue)
        }
    }
}
