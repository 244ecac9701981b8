import Foundation
import NimpCore

/// What data must fit to meet a model (or a training set): its input schema, task and
/// outputs (class labels in the model's order, or output names).
public struct DataContract: Sendable {
    public var schema: TableSchema
    public var task: Task
    public var targetNames: [String]
    /// Names the model in messages, e.g. `model m.nimp`.
    public var owner: String

    public init(schema: TableSchema, task: Task, targetNames: [String], owner: String) {
        self.schema = schema
        self.task = task
        self.targetNames = targetNames
        self.owner = owner
    }

    public init(model: Model, owner: String) {
        self.init(schema: model.schema, task: model.task, targetNames: model.targetNames, owner: owner)
    }

    public init(dataset: Dataset, owner: String) {
        self.init(schema: dataset.schema, task: dataset.task, targetNames: dataset.targetNames, owner: owner)
    }

    /// The target column(s) a table holds: `override` when given, else the schema's.
    func targetColumns(_ override: [String]) -> [String] {
        if !override.isEmpty { return override }
        if !schema.target.isEmpty { return schema.target }
        return task == .regression ? targetNames : []
    }
}

/// How a raw table is read for training: which columns, and what to do with missing values.
public struct TableOptions: Sendable {
    public var target: [String] = []
    public var task: Task?
    /// Only these input columns, in this order (nil: every column but the target).
    public var features: [String]?
    public var exclude: [String] = []
    /// Leave out rows with a missing input instead of filling it in.
    public var dropMissing = false
    /// Hears what was left out, ignored or guessed (default: nobody).
    public var diagnostics: any DiagnosticSink

    public init(target: [String] = [], task: Task? = nil, features: [String]? = nil, exclude: [String] = [], dropMissing: Bool = false,
                diagnostics: any DiagnosticSink = DiscardingSink()) {
        self.target = target
        self.task = task
        self.features = features
        self.exclude = exclude
        self.dropMissing = dropMissing
        self.diagnostics = diagnostics
    }
}

/// Most categories a text column may have: beyond that it is an id or free text, which
/// one-hot encoding would turn into thousands of useless inputs.
public let maxCategories = 1000

/// Encodes table rows into a model's inputs: each schema column found by name, numbers
/// passed through, categories one-hot, missing cells filled.
struct RowEncoder {
    let schema: TableSchema
    let owner: String
    /// For each schema column, its index among the table's columns.
    let sourceColumn: [Int]
    private let categoryIndex: [[String: Int]]
    /// Per schema column: whether it is numeric, its fill (NaN: none; categorical: the
    /// fill's category index, -1 for none) and its width, flat so the row loop copies no
    /// column description.
    private let numeric: [Bool]
    private let fills: [Float]
    private let widths: [Int]
    /// Rows with a category the schema does not know (encoded as all zeros).
    private(set) var unseenRows = 0
    private(set) var firstUnseen: (column: String, value: String)?

    init(schema: TableSchema, columns: [String], source: String, owner: String) throws {
        self.schema = schema
        self.owner = owner
        var index: [String: Int] = [:]
        for (k, c) in columns.enumerated() { index[c] = k }
        let absent = schema.columns.map(\.name).filter { index[$0] == nil }
        guard absent.isEmpty else {
            throw NimpError.data(source, "line 1", "no column\(absent.count == 1 ? "" : "s") \(Self.list(absent)), which \(owner) takes as input\(absent.count == 1 ? "" : "s")",
                                 hint: "the file has: " + Self.list(columns, limit: 30))
        }
        sourceColumn = schema.columns.map { index[$0.name]! }
        categoryIndex = schema.columns.map { column in
            guard case .categorical(let categories, _) = column.encoding else { return [:] }
            return Dictionary(uniqueKeysWithValues: categories.enumerated().map { ($1, $0) })
        }
        numeric = schema.columns.map { if case .numeric = $0.encoding { return true } else { return false } }
        fills = schema.columns.map { column in
            switch column.encoding {
            case .numeric(let fill): return fill ?? .nan
            case .categorical(let categories, let fill): return Float(fill.flatMap(categories.firstIndex) ?? -1)
            }
        }
        widths = schema.columns.map(\.width)
    }

    static func list(_ names: [String], limit: Int = 10) -> String {
        names.prefix(limit).map(JSONText.quote).joined(separator: ", ") + (names.count > limit ? ", … (\(names.count) in all)" : "")
    }

    /// Writes the row's `schema.width` inputs to `out`.
    mutating func encode(_ cells: [TableCell], into out: UnsafeMutablePointer<Float>, line: Int, table: TableSource) throws {
        var o = 0
        var unseen = false
        for j in 0..<numeric.count {
            let k = sourceColumn[j]
            if numeric[j] {
                switch cells[k] {
                case .number(let v): out[o] = Float(v)
                case .missing:
                    guard !fills[j].isNaN else {
                        throw NimpError.data(table.name, table.place(line: line, column: k), "missing value, and \(owner) has no fill value for it",
                                             hint: "the model was made before nimp filled in missing values: fill the cell, or train the model again")
                    }
                    out[o] = fills[j]
                case .text(let s):
                    throw NimpError.data(table.name, table.place(line: line, column: k),
                                         "\(JSONText.quote(String(s.prefix(40)))) is not a number; \(owner) reads this column as numeric")
                }
                o += 1
                continue
            }
            let width = widths[j]
            for c in 0..<width { out[o + c] = 0 }
            if let label = cells[k].label {
                if let c = categoryIndex[j][label] {
                    out[o + c] = 1
                } else {
                    unseen = true
                    if firstUnseen == nil { firstUnseen = (schema.columns[j].name, label) }
                }
            } else {
                guard fills[j] >= 0 else {
                    throw NimpError.data(table.name, table.place(line: line, column: k), "missing value, and \(owner) has no fill value for it")
                }
                out[o + Int(fills[j])] = 1
            }
            o += width
        }
        if unseen { unseenRows += 1 }
    }

    /// One warning line for the rows that had unseen categories.
    func warnUnseen(_ source: String, _ diagnostics: any DiagnosticSink) {
        guard unseenRows > 0, let first = firstUnseen else { return }
        diagnostics.warn("\(source): \(unseenRows) row\(unseenRows == 1 ? " has a category" : "s have categories") \(owner) never saw (first: \(JSONText.quote(first.column)) = \(JSONText.quote(String(first.value.prefix(40))))), encoded as all zeros")
    }
}

/// Maps a table's target cells to a contract's outputs: class labels through the model's
/// list, numbers for regression.
struct TargetDecoder {
    let contract: DataContract
    let columns: [Int]
    private let classIndex: [String: Int32]

    init(contract: DataContract, targetColumns: [Int]) {
        self.contract = contract
        self.columns = targetColumns
        classIndex = Dictionary(contract.targetNames.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { a, _ in a })
    }

    /// The class id of a row, nil when its target is missing.
    func classID(_ cells: [TableCell], line: Int, table: TableSource) throws -> Int32? {
        let k = columns[0]
        guard let label = cells[k].label else { return nil }
        if let id = classIndex[label] { return id }
        throw NimpError.data(table.name, table.place(line: line, column: k),
                             "class \(JSONText.quote(String(label.prefix(40)))) is not one of \(contract.owner)'s classes (\(RowEncoder.list(contract.targetNames)))",
                             hint: "a model predicts only the classes it was trained on")
    }

    /// The row's target values, false when one is missing.
    func values(_ cells: [TableCell], into out: inout [Float], line: Int, table: TableSource) throws -> Bool {
        for k in columns {
            switch cells[k] {
            case .number(let v): out.append(Float(v))
            case .missing: return false
            case .text(let s):
                throw NimpError.data(table.name, table.place(line: line, column: k),
                                     "\(JSONText.quote(String(s.prefix(40)))) is not a number, and \(contract.owner) is a regression")
            }
        }
        return true
    }
}

enum TableEncoding {
    // MARK: Reading for a model

    /// The table's rows as `contract`'s inputs and targets, columns matched by name and
    /// classes by label. `target` overrides the target column(s) the contract names.
    static func bind(_ table: TableSource, to contract: DataContract, target: [String], diagnostics: any DiagnosticSink) throws -> Dataset {
        let targetNames = contract.targetColumns(target)
        guard !targetNames.isEmpty else {
            throw NimpError.usage("\(table.name): \(contract.owner) does not record its target column; name the target column",
                                  hint: "columns: " + RowEncoder.list(table.columns, limit: 20), parameters: [.targetColumn])
        }
        if contract.task == .classification && targetNames.count != 1 {
            throw NimpError.usage("\(contract.owner) is a classifier and takes one target column, got \(targetNames.count): \(targetNames.joined(separator: ", "))")
        }
        if contract.task == .regression && targetNames.count != contract.targetNames.count {
            throw NimpError.usage("\(contract.owner) has \(contract.targetNames.count) output(s) (\(contract.targetNames.joined(separator: ", "))), but \(targetNames.count) target column(s) were named")
        }
        let targetColumns = try targetNames.map { name in
            guard let k = table.columns.firstIndex(of: name) else {
                throw NimpError.data(table.name, "line 1", "no target column \(JSONText.quote(name)) (the target of \(contract.owner))",
                                     hint: "the file has: " + RowEncoder.list(table.columns, limit: 30) + "; name another target column",
                                     parameters: [.targetColumn])
            }
            return k
        }
        var encoder = try RowEncoder(schema: contract.schema, columns: table.columns, source: table.name, owner: contract.owner)
        warnExtra(table, used: Set(encoder.sourceColumn + targetColumns), diagnostics)
        let decoder = TargetDecoder(contract: contract, targetColumns: targetColumns)
        let width = contract.schema.width
        var x: [Float] = []
        var ids: [Int32] = []
        var values: [Float] = []
        var row = [Float](repeating: 0, count: width)
        var noTarget = 0
        try table.forEachRow { line, cells in
            if contract.task == .classification {
                guard let id = try decoder.classID(cells, line: line, table: table) else { noTarget += 1; return }
                ids.append(id)
            } else {
                let before = values.count
                guard try decoder.values(cells, into: &values, line: line, table: table) else {
                    values.removeSubrange(before...)
                    noTarget += 1
                    return
                }
            }
            try row.withUnsafeMutableBufferPointer { try encoder.encode(cells, into: $0.baseAddress!, line: line, table: table) }
            x.append(contentsOf: row)
        }
        encoder.warnUnseen(table.name, diagnostics)
        warnNoTarget(noTarget, table, diagnostics)
        let rows = x.count / max(width, 1)
        guard rows > 0 else { throw NimpError.data(table.name, nil, "no data rows with a target value, expected at least one sample") }
        let y: Targets = contract.task == .classification ? .classes(ids) : .values(Matrix(rows: rows, cols: targetNames.count, data: values))
        return Dataset(x: Matrix(rows: rows, cols: width, data: x), y: y, featureNames: contract.schema.featureNames,
                       targetNames: contract.targetNames, source: table.name, table: contract.schema)
    }

    static func warnNoTarget(_ count: Int, _ table: TableSource, _ diagnostics: any DiagnosticSink) {
        guard count > 0 else { return }
        diagnostics.warn("\(table.name): \(count) row\(count == 1 ? " has" : "s have") no target value and \(count == 1 ? "is" : "are") left out")
    }

    static func warnExtra(_ table: TableSource, used: Set<Int>, keep: Set<String> = [], _ diagnostics: any DiagnosticSink) {
        let extra = table.columns.indices.filter { !used.contains($0) && !keep.contains(table.columns[$0]) }.map { table.columns[$0] }
        guard !extra.isEmpty else { return }
        diagnostics.warn("\(table.name): ignoring \(extra.count) column\(extra.count == 1 ? "" : "s") the model does not use: \(RowEncoder.list(extra))")
    }

    // MARK: Reading for training

    /// Learns a schema from the table (column types, categories, fill values) and encodes
    /// it: the training set of a new model.
    static func fit(_ table: TableSource, options: TableOptions) throws -> Dataset {
        let columns = table.columns
        guard !options.target.isEmpty else {
            throw NimpError.usage("\(table.name): a \(table.format.rawValue) dataset needs a target column",
                                  hint: "columns: " + RowEncoder.list(columns, limit: 20), parameters: [.targetColumn])
        }
        let targetColumns = try options.target.map { t in
            guard let k = columns.firstIndex(of: t) else {
                let separator = columns.count == 1 ? [";", "\t", "|"].first { columns[0].contains($0) } : nil
                let hint = separator.map { "the header is one column holding \(String(reflecting: $0)): nimp reads comma-separated values" }
                throw NimpError.data(table.name, "line 1", "no column named \(JSONText.quote(t)) for the target",
                                     hint: hint ?? "columns: " + RowEncoder.list(columns, limit: 20))
            }
            return k
        }
        let inputs = try inputColumns(table, targets: targetColumns, options: options)
        guard !inputs.isEmpty else {
            throw NimpError.data(table.name, "line 1", "no feature columns besides the target \(options.target.joined(separator: ", "))")
        }

        // Pass 1: what each column holds, and which rows are kept.
        var profiles = inputs.map { _ in ColumnProfile() }
        var keep: [Bool] = []
        var targets: [TargetCell] = []
        var lines: [Int] = []
        var noTarget = 0, dropped = 0
        try table.forEachRow { line, cells in
            var rowMissing = false
            for (j, k) in inputs.enumerated() {
                profiles[j].add(cells[k], line: line)
                if case .missing = cells[k] { rowMissing = true }
            }
            let targetCells = targetColumns.map { cells[$0] }
            if targetCells.contains(.missing) { noTarget += 1; keep.append(false); return }
            if rowMissing && options.dropMissing { dropped += 1; keep.append(false); return }
            keep.append(true)
            for cell in targetCells {
                switch cell {
                case .number(let v): targets.append(.number(v))
                case .text(let s): targets.append(.label(s))
                case .missing: break
                }
            }
            lines.append(line)
        }
        guard !keep.isEmpty else { throw NimpError.data(table.name, nil, "only a header line, expected at least one data row after it") }
        warnNoTarget(noTarget, table, options.diagnostics)
        if dropped > 0 { options.diagnostics.info("\(table.name): --drop-missing left out \(dropped) row\(dropped == 1 ? "" : "s") with a missing value") }
        let schema = TableSchema(columns: try zip(inputs, profiles).map { k, profile in
            try profile.column(name: columns[k], file: table.name, place: { table.place(line: $0, column: k) })
        }, target: options.target)

        // Pass 2: encode the kept rows.
        var encoder = try RowEncoder(schema: schema, columns: columns, source: table.name, owner: "the training data")
        let width = schema.width
        var x = [Float](repeating: 0, count: lines.count * width)
        var n = 0, r = 0
        try x.withUnsafeMutableBufferPointer { out in
            try table.forEachRow { line, cells in
                defer { n += 1 }
                guard keep[n] else { return }
                try encoder.encode(cells, into: out.baseAddress! + r * width, line: line, table: table)
                r += 1
            }
        }
        var rows = DatasetTable(file: table.name, featureNames: schema.featureNames, targetNames: options.target,
                                targetPlace: targetColumns.map(table.columnPlace))
        rows.features = x
        rows.targets = targets
        rows.lines = lines
        var dataset = try rows.dataset(task: options.task, source: table.name)
        dataset.table = schema
        if options.task == nil && dataset.task == .regression && targetColumns.count == 1 { hintClassification(targets, table: table, column: options.target[0], options.diagnostics) }
        return dataset
    }

    /// The input columns: `--features` in its order, else every column but the targets and
    /// `--exclude`d ones. A name the table lacks is an error listing the columns.
    private static func inputColumns(_ table: TableSource, targets: [Int], options: TableOptions) throws -> [Int] {
        let columns = table.columns
        func find(_ names: [String], _ parameter: NimpError.Parameter) throws -> [Int] {
            let absent = names.filter { !columns.contains($0) }
            guard absent.isEmpty else {
                throw NimpError.data(table.name, "line 1", "no column\(absent.count == 1 ? "" : "s") \(RowEncoder.list(absent)) (among the \(parameter.name))",
                                     hint: "columns: " + RowEncoder.list(columns, limit: 30), parameters: [parameter])
            }
            return names.map { columns.firstIndex(of: $0)! }
        }
        let excluded = Set(try find(options.exclude, .excludedColumns))
        if let features = options.features {
            let chosen = try find(features, .featureColumns)
            if let t = chosen.first(where: targets.contains) {
                throw NimpError.usage("column \(JSONText.quote(columns[t])) is both the target and a feature")
            }
            return chosen.filter { !excluded.contains($0) }
        }
        return columns.indices.filter { !targets.contains($0) && !excluded.contains($0) }
    }

    /// A numeric target with a few distinct integers is often a class: say so once.
    private static func hintClassification(_ targets: [TargetCell], table: TableSource, column: String, _ diagnostics: any DiagnosticSink) {
        var distinct = Set<Double>()
        for case .number(let v) in targets {
            guard v == v.rounded() else { return }
            distinct.insert(v)
            if distinct.count > 10 { return }
        }
        guard targets.count >= 20 else { return }
        diagnostics.info("\(table.name): the target \(JSONText.quote(column)) holds only \(distinct.count) distinct integers; if they are classes, pass --task classification")
    }
}

/// What one input column holds, gathered in the first pass of `fit`.
struct ColumnProfile {
    var numbers: [Double] = []
    var texts: [String: Int] = [:]
    var textCount = 0
    var missing = 0
    var firstText: (line: Int, value: String)?
    var tooManyAt: Int?

    mutating func add(_ cell: TableCell, line: Int) {
        switch cell {
        case .number(let v): numbers.append(v)
        case .missing: missing += 1
        case .text(let s):
            textCount += 1
            if firstText == nil { firstText = (line, s) }
            if texts.count <= maxCategories || texts[s] != nil { texts[s, default: 0] += 1 } else if tooManyAt == nil { tooManyAt = line }
        }
    }

    /// Numeric when every present cell is a number; categorical when most are text (the
    /// numbers then count as categories too); a mostly numeric column with a stray word
    /// is more likely a typo than a category, and an error.
    func column(name: String, file: String, place: (Int) -> String) throws -> InputColumn {
        if textCount == 0 {
            guard !numbers.isEmpty else {
                throw NimpError.data(file, "column \(JSONText.quote(name))", "every value is missing",
                                     hint: "leave the column out of the inputs", parameters: [NimpError.Parameter.excludedColumns.suggesting(name)])
            }
            return InputColumn(name: name, encoding: .numeric(fill: median(numbers).map(Float.init)))
        }
        if numbers.count > textCount, let first = firstText {
            throw NimpError.data(file, place(first.line), "\(JSONText.quote(String(first.value.prefix(40)))) is not a number, but most of this column is",
                                 hint: "fix the cell, or leave the column out of the inputs",
                                 parameters: [NimpError.Parameter.excludedColumns.suggesting(name)])
        }
        var counts = texts
        for v in numbers { counts[NumberFormat.canonical(v), default: 0] += 1 }
        guard counts.count <= maxCategories, tooManyAt == nil else {
            throw NimpError.data(file, "column \(JSONText.quote(name))", "more than \(maxCategories) distinct values; one-hot encoding would make an input of each",
                                 hint: "an id or free text? leave it out of the inputs",
                                 parameters: [NimpError.Parameter.excludedColumns.suggesting(name)])
        }
        let categories = Self.sortedLabels(Array(counts.keys))
        let fill = categories.max { a, b in counts[a]! < counts[b]! || (counts[a]! == counts[b]! && a > b) }
        return InputColumn(name: name, encoding: .categorical(categories: categories, fill: fill))
    }

    /// Numerically when every label reads as a number, else by UTF-8 bytes (as classes are).
    static func sortedLabels(_ labels: [String]) -> [String] {
        DatasetTable.encodeClasses(labels.map { .label($0) }).classes
    }
}
