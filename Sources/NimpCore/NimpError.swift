/// Process exit statuses, following sysexits(3). One enum so every command agrees.
public enum ExitStatus: Int32, Sendable {
    case ok = 0
    case failure = 1
    case usage = 64
    case dataError = 65
    case noInput = 66
    /// A service the command needs is unavailable: the registry's filesystem does not lock across hosts.
    case unavailable = 69
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
    /// The parameters the user can change to fix this, as the library names them; a
    /// front end adds its own spelling of each (a command-line flag).
    public var parameters: [Parameter]

    public init(_ status: ExitStatus, _ message: String, hint: String? = nil, parameters: [Parameter] = []) {
        self.status = status
        self.message = message
        self.hint = hint
        self.parameters = parameters
    }

    public var description: String {
        hint.map { "\(message)\nhint: \($0)" } ?? message
    }

    /// Bad input data or a corrupt file (exit 65). `place` is e.g. "line 3, column 2".
    public static func data(_ file: String, _ place: String? = nil, _ what: String, hint: String? = nil,
                            parameters: [Parameter] = []) -> NimpError {
        let at = place.map { "\(file): \($0): " } ?? "\(file): "
        return NimpError(.dataError, at + what, hint: hint, parameters: parameters)
    }

    public static func missing(_ file: String, _ what: String = "no such file") -> NimpError {
        NimpError(.noInput, "\(file): \(what)")
    }

    public static func usage(_ what: String, hint: String? = nil, parameters: [Parameter] = []) -> NimpError {
        NimpError(.usage, what, hint: hint, parameters: parameters)
    }

    public static func io(_ file: String, _ what: String) -> NimpError {
        NimpError(.ioError, "\(file): \(what)")
    }

    public static func cannotCreate(_ file: String, _ what: String) -> NimpError {
        NimpError(.cannotCreate, "\(file): \(what)")
    }
}

extension NimpError {
    /// A parameter of a library call, by the name its messages use ("target column"),
    /// with the value to suggest for it, if any.
    public struct Parameter: Hashable, Sendable {
        public var name: String
        public var value: String?

        public init(_ name: String, value: String? = nil) {
            self.name = name
            self.value = value
        }

        /// This parameter with `value` suggested.
        public func suggesting(_ value: String) -> Parameter { Parameter(name, value: value) }

        public static let targetColumn = Parameter("target column")
        public static let featureColumns = Parameter("feature columns")
        public static let excludedColumns = Parameter("excluded columns")
        public static let task = Parameter("task")
        public static let versionsKept = Parameter("versions kept")
        public static let registry = Parameter("registry")
        public static let temperature = Parameter("temperature")
        public static let alpha = Parameter("alpha")
        public static let augmentation = Parameter("augmentation")
        public static let population = Parameter("population")
        public static let generations = Parameter("generations")
        public static let costWeight = Parameter("cost weight")
        public static let quantization = Parameter("quantization")
        public static let neuronPruning = Parameter("neuron pruning")
        public static let weightPruning = Parameter("weight pruning")
        public static let pruningSteps = Parameter("pruning steps")
        public static let maxQualityDrop = Parameter("maximum quality drop")
        public static let trainingData = Parameter("training data")
        public static let validationData = Parameter("validation data")
        public static let fineTuningEpochs = Parameter("fine-tuning epochs")
        public static let initialModel = Parameter("initial model")
        public static let hiddenActivations = Parameter("hidden activations")
        public static let featureNames = Parameter("feature names")
        public static let classNames = Parameter("class names")
        public static let targetNames = Parameter("target names")
        public static let symbolPrefix = Parameter("symbol prefix")
    }
}
