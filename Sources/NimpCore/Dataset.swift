/// The targets of a dataset: real values per output, or one class id per sample.
public enum Targets: Equatable, Sendable {
    /// [N, outputs]
    case values(Matrix)
    /// N class ids in `0..<classes.count`.
    case classes([Int32])
}

/// A dataset in memory: features `x` [N, features] and targets.
/// Safetensors layout: `x` F32 [N, F]; `y` F32 [N, O] or I64 [N].
public struct Dataset: Equatable, Sendable {
    public var x: Matrix
    public var y: Targets
    public var featureNames: [String]
    /// Regression: output names. Classification: class names, index = class id.
    public var targetNames: [String]
    /// Where the data came from (generator name, file, teacher).
    public var source: String
    public var seed: UInt64?
    /// How the table these features came from was encoded; nil for plain numeric data.
    public var table: TableSchema?

    public init(x: Matrix, y: Targets, featureNames: [String]? = nil, targetNames: [String], source: String = "", seed: UInt64? = nil,
                table: TableSchema? = nil) {
        self.x = x
        self.y = y
        self.featureNames = featureNames ?? (0..<x.cols).map { "x\($0)" }
        self.targetNames = targetNames
        self.source = source
        self.seed = seed
        self.table = table
        switch y {
        case .values(let m): precondition(m.rows == x.rows && m.cols == targetNames.count)
        case .classes(let c): precondition(c.count == x.rows)
        }
    }

    public var task: Task {
        if case .classes = y { return .classification }
        return .regression
    }
    /// The stored schema, or numeric columns named by the features.
    public var schema: TableSchema {
        table ?? .numeric(featureNames, target: task == .regression ? targetNames : [])
    }
    public var count: Int { x.rows }
    public var features: Int { x.cols }
    /// Regression outputs, or number of classes.
    public var outputs: Int { targetNames.count }

    /// The samples at `indices`, in that order.
    public func subset(_ indices: some Collection<Int>) -> Dataset {
        let ys: Targets
        switch y {
        case .values(let m): ys = .values(m.rows(indices))
        case .classes(let c): ys = .classes(indices.map { c[$0] })
        }
        return Dataset(x: x.rows(indices), y: ys, featureNames: featureNames, targetNames: targetNames, source: source, seed: seed,
                       table: table)
    }
}

extension Dataset {
    /// The schema a new model trained on this data records: the one the data came with,
    /// else numeric columns whose fill value is the median (of an evenly spaced sample of
    /// at most 100,000 rows, so a mapped dataset larger than memory is not read whole).
    public func fittedSchema() -> TableSchema {
        if let table { return table }
        let step = Swift.max(1, count / 100_000)
        let sample = Array(stride(from: 0, to: count, by: step))
        return TableSchema(columns: featureNames.enumerated().map { k, name in
            InputColumn(name: name, encoding: .numeric(fill: median(sample.map { x[$0, k] })))
        }, target: task == .regression ? targetNames : [])
    }
}
