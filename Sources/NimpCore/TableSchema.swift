/// How the columns of a user's table become a model's inputs, and which column holds
/// the target. It belongs to the model: the same encoding and imputation are applied
/// wherever the model meets data (training, evaluation, prediction, the cycle).
public struct TableSchema: Equatable, Sendable, Codable {
    /// Input columns, in the order their encoded features appear.
    public var columns: [InputColumn]
    /// The target column(s) of a table; empty when unknown (archives from before schemas).
    public var target: [String]

    public init(columns: [InputColumn], target: [String]) {
        self.columns = columns
        self.target = target
    }

    /// Numeric columns with the given names and no fill value: what a model without a
    /// stored schema expects.
    public static func numeric(_ names: [String], target: [String]) -> TableSchema {
        TableSchema(columns: names.map { InputColumn(name: $0, encoding: .numeric(fill: nil)) }, target: target)
    }

    /// The encoded features, in order: a numeric column's name, or `name=category`.
    public var featureNames: [String] { columns.flatMap(\.featureNames) }

    /// Inputs the encoded table has.
    public var width: Int { columns.reduce(0) { $0 + $1.width } }

    /// True when every column is numeric and none has a fill value.
    public var isPlainNumeric: Bool {
        columns.allSatisfy { if case .numeric(nil) = $0.encoding { return true } else { return false } }
    }
}

/// One column of a table and how it is encoded.
public struct InputColumn: Equatable, Sendable, Codable {
    public var name: String
    public var encoding: ColumnEncoding

    public init(name: String, encoding: ColumnEncoding) {
        self.name = name
        self.encoding = encoding
    }

    public var width: Int {
        switch encoding {
        case .numeric: return 1
        case .categorical(let categories, _): return categories.count
        }
    }

    public var featureNames: [String] {
        switch encoding {
        case .numeric: return [name]
        case .categorical(let categories, _): return categories.map { "\(name)=\($0)" }
        }
    }

    enum CodingKeys: String, CodingKey { case name, type, categories, fill }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        switch try c.decode(String.self, forKey: .type) {
        case "numeric":
            encoding = .numeric(fill: try c.decodeIfPresent(Float.self, forKey: .fill))
        case "categorical":
            let categories = try c.decode([String].self, forKey: .categories)
            guard !categories.isEmpty, Set(categories).count == categories.count else {
                throw DecodingError.dataCorruptedError(forKey: .categories, in: c, debugDescription: "expected distinct categories, at least one")
            }
            let fill = try c.decodeIfPresent(String.self, forKey: .fill)
            if let fill, !categories.contains(fill) {
                throw DecodingError.dataCorruptedError(forKey: .fill, in: c, debugDescription: "\(String(reflecting: fill)) is not one of the categories")
            }
            encoding = .categorical(categories: categories, fill: fill)
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: "unknown column type \(String(reflecting: other)), expected numeric or categorical")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        switch encoding {
        case .numeric(let fill):
            try c.encode("numeric", forKey: .type)
            try c.encodeIfPresent(fill, forKey: .fill)
        case .categorical(let categories, let fill):
            try c.encode("categorical", forKey: .type)
            try c.encode(categories, forKey: .categories)
            try c.encodeIfPresent(fill, forKey: .fill)
        }
    }
}

/// A numeric column passes its value through (a missing one becomes `fill`, the training
/// median); a categorical column becomes one input per category, 1 for the row's
/// category and 0 for the others (a missing one is `fill`, the most frequent category; an
/// unseen one is all zeros).
public enum ColumnEncoding: Equatable, Sendable {
    case numeric(fill: Float?)
    case categorical(categories: [String], fill: String?)
}
