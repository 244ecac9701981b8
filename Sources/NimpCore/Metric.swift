/// Every metric nimp measures, defined once: its name (the key `nimp evaluate` prints),
/// which way is better, and what it is about. Targets, the planner, the gate and reports
/// all read these properties instead of lists of names.
public enum Metric: String, CaseIterable, Codable, Sendable {
    case accuracy
    case macroF1 = "macro_f1"
    case logLoss = "log_loss"
    case mse, rmse, mae, r2
    case latencyP50 = "latency_p50_us"
    case latencyP99 = "latency_p99_us"
    case throughput = "throughput_per_s"
    case parameters, bytes

    public var isHigherBetter: Bool { [.accuracy, .macroF1, .r2, .throughput].contains(self) }
    /// At most 1 (a perfect model), so its error is 1 − value.
    public var isBoundedByOne: Bool { [.accuracy, .macroF1, .r2].contains(self) }
    /// How well the model predicts (measured on rows), as opposed to what it costs.
    public var isQuality: Bool { Self.classification.contains(self) || Self.regression.contains(self) }
    /// What a model costs to run or keep; a constraint or an optimization task bounds it.
    public var isCost: Bool { [.latencyP50, .latencyP99, .parameters, .bytes].contains(self) }

    public static let classification: [Metric] = [.accuracy, .macroF1, .logLoss]
    public static let regression: [Metric] = [.mse, .rmse, .mae, .r2]

    /// The quality metrics of a task: a target of the other task's can never be met.
    public static func quality(for task: Task) -> [Metric] { task == .classification ? classification : regression }
    /// The quality metric a model is judged on when its owner names none.
    public static func primary(for task: Task) -> Metric { task == .regression ? .r2 : .accuracy }

    public static let names: Set<String> = Set(allCases.map(\.rawValue))
}
