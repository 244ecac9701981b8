/// Process exit statuses, following sysexits(3). One enum so every command agrees.
public enum ExitStatus: Int32, Sendable {
    case ok = 0
    case failure = 1
    case usage = 64
    case dataError = 65
    case noInput = 66
    case cannotCreate = 73
    case ioError = 74
    case tempFail = 75
}

/// Every error nimp reports to a user: what went wrong, where, and the exit status.
///
/// `message` names the file, the place in it (line, column, member, tensor) and what
/// was expected; `hint` says what the user can do about it.
public struct NimpError: Error, CustomStringConvertible, Sendable {
    public var status: ExitStatus
    public var message: String
    public var hint: String?

    public init(_ status: ExitStatus, _ message: String, hint: String? = nil) {
        self.status = status
        self.message = message
        self.hint = hint
    }

    public var description: String {
        hint.map { "\(message)\nhint: \($0)" } ?? message
    }

    /// Bad input data or a corrupt file (exit 65). `place` is e.g. "line 3, column 2".
    public static func data(_ file: String, _ place: String? = nil, _ what: String, hint: String? = nil) -> NimpError {
        let at = place.map { "\(file): \($0): " } ?? "\(file): "
        return NimpError(.dataError, at + what, hint: hint)
    }

    public static func missing(_ file: String, _ what: String = "no such file") -> NimpError {
        NimpError(.noInput, "\(file): \(what)")
    }

    public static func usage(_ what: String, hint: String? = nil) -> NimpError {
        NimpError(.usage, what, hint: hint)
    }

    public static func io(_ file: String, _ what: String) -> NimpError {
        NimpError(.ioError, "\(file): \(what)")
    }

    public static func cannotCreate(_ file: String, _ what: String) -> NimpError {
        NimpError(.cannotCreate, "\(file): \(what)")
    }
}
