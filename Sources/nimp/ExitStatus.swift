import NimpCore

/// The process exit status for each kind of failure, after sysexits(3): the one place
/// the libraries' `NimpError.Kind` becomes a number. The cycle reads its task processes'
/// statuses back through `kind(of:)`, handed to `LocalProcessExecutor` with this path.
enum ExitStatus {
    static func code(for kind: NimpError.Kind) -> Int32 {
        switch kind {
        case .failure: 1
        case .usage: 64
        case .dataError: 65
        case .noInput: 66
        case .unavailable: 69
        case .cannotCreate: 73
        case .ioError: 74
        case .tempFail: 75
        case .noPermission: 77
        }
    }

    /// The kind of failure a nimp process's exit status stands for; nil for 0 and others.
    static func kind(of code: Int32) -> NimpError.Kind? {
        NimpError.Kind.allCases.first { Self.code(for: $0) == code }
    }

    /// 130 for SIGINT, 143 for SIGTERM: the shell's convention for a run a signal stopped.
    static func interrupted(by signal: Int32) -> Int32 { 128 + signal }
}
