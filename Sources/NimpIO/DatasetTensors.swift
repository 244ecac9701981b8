import Foundation
import NimpCore

/// The safetensors layout of a dataset (see `DatasetIO`), read with every shape, class
/// id and value checked.
enum DatasetTensors {
    /// Most classes assumed when the metadata does not list them.
    static let maxUnlistedClasses = 100_000

    static func encode(_ d: Dataset) -> Data {
        var w = SafeTensorsWriter()
        w.add("x", floats: d.x.data, shape: [d.count, d.features])
        var metadata = [
            "task": d.task.rawValue,
            "feature_names": JSONText.stringArray(d.featureNames),
            "source": d.source,
        ]
        switch d.y {
        case .values(let m):
            w.add("y", floats: m.data, shape: [m.rows, m.cols])
            metadata["target_names"] = JSONText.stringArray(d.targetNames)
        case .classes(let ids):
            w.add("y", int64: ids.map(Int64.init), shape: [ids.count])
            metadata["classes"] = JSONText.stringArray(d.targetNames)
        }
        if let seed = d.seed { metadata["seed"] = String(seed) }
        if let table = d.table, let json = try? JSONCoding.data(table) { metadata["schema"] = String(decoding: json, as: UTF8.self) }
        w.metadata = metadata
        return w.encode()
    }

    static func decode(_ file: SafeTensorsFile, target: [String]?, task requested: Task?) throws -> Dataset {
        let name = file.name
        func fail(_ place: String, _ what: String, hint: String? = nil) -> NimpError { NimpError.data(name, place, what, hint: hint) }
        let layoutHint = "a dataset holds x F32 [samples, features] and y F32 [samples, outputs] or I64 [samples]"

        guard let xInfo = file.info("x") else { throw fail("tensor \"x\"", "no such tensor", hint: layoutHint) }
        guard xInfo.dtype.isFloat, xInfo.shape.count == 2 else {
            throw fail("tensor \"x\"", "\(describe(xInfo)), expected a 2-D float tensor [samples, features]", hint: layoutHint)
        }
        let (samples, features) = (xInfo.shape[0], xInfo.shape[1])
        let x = try matrix(file, "x", rows: samples, cols: features)
        try checkFinite(x, tensor: "x", name: name)

        guard let yInfo = file.info("y") else { throw fail("tensor \"y\"", "no such tensor", hint: layoutHint) }
        let storedTask: Task = yInfo.dtype.isFloat ? .regression : .classification
        if let declared = file.metadata["task"] {
            guard let t = Task(rawValue: declared) else {
                throw fail("__metadata__ key \"task\"", "\(JSONText.quote(declared)), expected \"regression\" or \"classification\"")
            }
            guard t == storedTask else {
                throw fail("tensor \"y\"", "\(describe(yInfo)) does not fit task \(declared) in the metadata",
                           hint: "regression stores y as F32 [samples, outputs], classification as I64 [samples]")
            }
        }
        let featureNames = try names(file, key: "feature_names", count: features) ?? (0..<features).map { "x\($0)" }
        var dataset: Dataset
        if storedTask == .classification {
            guard yInfo.dtype.isInteger, yInfo.shape == [samples] || yInfo.shape == [samples, 1] else {
                throw fail("tensor \"y\"", "\(describe(yInfo)), expected I64 [\(samples)] class ids (x has \(samples) samples)", hint: layoutHint)
            }
            let ids = try file.int64("y")
            let classes: [String]
            if let listed = try names(file, key: "classes", count: nil) {
                classes = listed
            } else {
                // Without a list the classes are 0...max id; bound that before building it.
                let largest = ids.max() ?? 0
                guard largest < Int64(maxUnlistedClasses) else {
                    throw fail("tensor \"y\"", "class id \(largest) and no \"classes\" list in the metadata; expected ids below \(maxUnlistedClasses)")
                }
                classes = (0...max(0, Int(largest))).map(String.init)
            }
            guard !classes.isEmpty || samples == 0 else { throw fail("__metadata__ key \"classes\"", "no classes, expected at least one") }
            for (k, id) in ids.enumerated() where id < 0 || id >= Int64(classes.count) {
                throw fail("tensor \"y\", sample \(k)", "class id \(id), expected 0..<\(classes.count) (\(classes.count) classes)")
            }
            dataset = Dataset(x: x, y: .classes(ids.map { Int32($0) }), featureNames: featureNames, targetNames: classes)
        } else {
            guard (yInfo.shape.count == 1 || yInfo.shape.count == 2), yInfo.shape[0] == samples else {
                throw fail("tensor \"y\"", "\(describe(yInfo)), expected a float tensor [\(samples), outputs] (x has \(samples) samples)", hint: layoutHint)
            }
            let outputs = yInfo.shape.count == 2 ? yInfo.shape[1] : 1
            let y = try matrix(file, "y", rows: samples, cols: outputs)
            try checkFinite(y, tensor: "y", name: name)
            let defaultNames = outputs == 1 ? ["y"] : (0..<outputs).map { "y\($0)" }
            let targetNames = try names(file, key: "target_names", count: outputs) ?? defaultNames
            dataset = Dataset(x: x, y: .values(y), featureNames: featureNames, targetNames: targetNames)
        }
        dataset.source = file.metadata["source"] ?? name
        if let text = file.metadata["schema"] {
            let table: TableSchema
            let place = "__metadata__ key \"schema\""
            let value = try JSONCoding.parse(Data(text.utf8), file: name, place: place)
            table = try JSONCoding.decodeChecked(TableSchema.self, from: value, file: name, place: place)
            guard table.featureNames == featureNames else {
                throw fail("__metadata__ key \"schema\"", "its columns encode to \(table.width) features, which are not feature_names")
            }
            dataset.table = table
        }
        if let seed = file.metadata["seed"], !seed.isEmpty {
            guard let value = UInt64(seed) else { throw fail("__metadata__ key \"seed\"", "\(JSONText.quote(seed)), expected an unsigned integer") }
            dataset.seed = value
        }
        if let target, !target.isEmpty, case .values(let y) = dataset.y {
            dataset = try select(target, from: dataset, y: y, name: name)
        }
        if let requested, requested != dataset.task {
            dataset = try convert(dataset, to: requested, name: name)
        }
        return dataset
    }

    /// The training set's input columns chosen by `--features`/`--exclude`.
    static func select(_ d: Dataset, options: TableOptions, name: String) throws -> Dataset {
        var d = d
        if options.features != nil || !options.exclude.isEmpty {
            guard d.table == nil || d.table!.isPlainNumeric || d.table!.columns.count == d.features else {
                throw NimpError.usage("\(name): feature and excluded columns are chosen from CSV and JSON-lines tables; this dataset is already encoded",
                                      parameters: [.featureColumns, .excludedColumns])
            }
            let names = d.featureNames
            let absent = (options.features ?? []) .filter { !names.contains($0) } + options.exclude.filter { !names.contains($0) }
            guard absent.isEmpty else {
                throw NimpError.data(name, "__metadata__ key \"feature_names\"", "no feature\(absent.count == 1 ? "" : "s") \(RowEncoder.list(absent))",
                                     hint: "features: " + RowEncoder.list(names, limit: 30))
            }
            let chosen = (options.features ?? names).filter { !options.exclude.contains($0) }
            guard !chosen.isEmpty else {
                throw NimpError.usage("\(name): the feature and excluded columns leave no feature", parameters: [.featureColumns, .excludedColumns])
            }
            let columns = chosen.map { names.firstIndex(of: $0)! }
            d = Dataset(x: d.x.columns(columns), y: d.y, featureNames: chosen, targetNames: d.targetNames, source: d.source, seed: d.seed)
        }
        return d
    }

    /// A safetensors dataset read for `contract`: features by `feature_names` and classes by
    /// `classes` when the metadata has them, by position (count checked) when not.
    static func bind(_ file: SafeTensorsFile, to contract: DataContract, target: [String], diagnostics: any DiagnosticSink) throws -> Dataset {
        let d = try decode(file, target: target.isEmpty ? nil : target, task: nil)
        return try conform(d, namesKnown: file.metadata["feature_names"] != nil,
                           classesKnown: file.metadata["classes"] != nil || file.metadata["target_names"] != nil, to: contract, name: file.name,
                           diagnostics: diagnostics)
    }

    static func conform(_ d: Dataset, namesKnown: Bool, classesKnown: Bool, to contract: DataContract, name: String,
                        diagnostics: any DiagnosticSink) throws -> Dataset {
        let expected = contract.schema.featureNames
        var x = d.x
        if d.featureNames != expected {
            if namesKnown {
                let absent = expected.filter { !d.featureNames.contains($0) }
                guard absent.isEmpty else {
                    throw NimpError.data(name, "__metadata__ key \"feature_names\"", "no feature\(absent.count == 1 ? "" : "s") \(RowEncoder.list(absent)), which \(contract.owner) takes as input\(absent.count == 1 ? "" : "s")",
                                         hint: "the file has: " + RowEncoder.list(d.featureNames, limit: 30))
                }
                let extra = d.featureNames.filter { !expected.contains($0) }
                if !extra.isEmpty { diagnostics.warn("\(name): ignoring \(extra.count) feature\(extra.count == 1 ? "" : "s") the model does not use: \(RowEncoder.list(extra))") }
                let index = Dictionary(uniqueKeysWithValues: d.featureNames.enumerated().map { ($1, $0) })
                x = d.x.columns(expected.map { index[$0]! })
            } else if d.features != expected.count {
                throw NimpError.data(name, "tensor \"x\"", "\(d.features) features, but \(contract.owner) takes \(expected.count)",
                                     hint: "without feature_names in the metadata, columns are matched by position")
            }
        }
        let y: Targets
        switch (d.y, contract.task) {
        case (.classes(let ids), .classification):
            if d.targetNames == contract.targetNames || !classesKnown {
                if let k = ids.firstIndex(where: { Int($0) >= contract.targetNames.count }) {
                    throw NimpError.data(name, "tensor \"y\", sample \(k)", "class id \(ids[k]), but \(contract.owner) has \(contract.targetNames.count) classes")
                }
                y = .classes(ids)
            } else {
                let index = Dictionary(contract.targetNames.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { a, _ in a })
                let map = d.targetNames.map { index[$0] }
                y = .classes(try ids.enumerated().map { k, id in
                    guard let m = map[Int(id)] else {
                        throw NimpError.data(name, "tensor \"y\", sample \(k)", "class \(JSONText.quote(d.targetNames[Int(id)])) is not one of \(contract.owner)'s classes (\(RowEncoder.list(contract.targetNames)))")
                    }
                    return m
                })
            }
        case (.values(let m), .regression):
            if d.targetNames == contract.targetNames || (!classesKnown && m.cols == contract.targetNames.count) {
                y = .values(m)
            } else if classesKnown, contract.targetNames.allSatisfy(d.targetNames.contains) {
                y = try select(contract.targetNames, from: d, y: m, name: name).y
            } else {
                throw NimpError.data(name, "tensor \"y\"", "targets \(RowEncoder.list(d.targetNames)), but \(contract.owner) predicts \(RowEncoder.list(contract.targetNames))")
            }
        default:
            throw NimpError.data(name, "tensor \"y\"", "the dataset is a \(d.task.rawValue), but \(contract.owner) is a \(contract.task.rawValue)")
        }
        return Dataset(x: x, y: y, featureNames: expected, targetNames: contract.targetNames, source: d.source, seed: d.seed, table: contract.schema)
    }

    private static func describe(_ t: TensorInfo) -> String {
        "\(t.dtype.rawValue) [\(t.shape.map(String.init).joined(separator: ", "))]"
    }

    /// A float tensor as a matrix: read in place from the mapped file when it is F32 and
    /// aligned, else converted into memory.
    private static func matrix(_ file: SafeTensorsFile, _ tensor: String, rows: Int, cols: Int) throws -> Matrix {
        if let mapped = file.mappedFloats(tensor) { return Matrix(rows: rows, cols: cols, mapped: mapped) }
        return Matrix(rows: rows, cols: cols, data: try file.floats(tensor))
    }

    /// Rows checked per chunk; a mapped matrix's pages are released behind the check, so
    /// checking a file larger than memory does not make it resident.
    private static let checkChunkRows = 1 << 16

    private static func checkFinite(_ m: Matrix, tensor: String, name: String) throws {
        let columns = max(m.cols, 1)
        let bad: Int? = m.withUnsafeBufferPointer { values in
            var first = 0
            while first < m.rows {
                let end = min(m.rows, first + checkChunkRows)
                var acc: Float = 0
                // x - x is 0 for finite x, NaN for NaN and ±Inf.
                for k in (first * m.cols)..<(end * m.cols) { acc += values[k] - values[k] }
                if !(acc == 0) {
                    return (first * m.cols..<end * m.cols).first { !values[$0].isFinite }
                }
                if m.isMapped { m.releaseResident(rows: first..<end) }
                first = end
            }
            return nil
        }
        guard let k = bad else { return }
        let value = m.withUnsafeBufferPointer { $0[k] }
        throw NimpError.data(name, "tensor \"\(tensor)\", sample \(k / columns), column \(k % columns)",
                             "\(value) is not a finite number")
    }

    /// A metadata key holding a JSON array of strings, or nil when absent.
    private static func names(_ file: SafeTensorsFile, key: String, count: Int?) throws -> [String]? {
        guard let text = file.metadata[key] else { return nil }
        let place = "__metadata__ key \"\(key)\""
        guard case .array(let items)? = try? JSONParser.parse(text) else {
            throw NimpError.data(file.name, place, "expected a JSON array of strings, found \(JSONText.quote(String(text.prefix(60))))")
        }
        let strings = items.compactMap { if case .string(let s) = $0 { return s } else { return nil } }
        guard strings.count == items.count else { throw NimpError.data(file.name, place, "expected a JSON array of strings") }
        if let count, strings.count != count {
            throw NimpError.data(file.name, place, "\(strings.count) names for \(count) columns")
        }
        guard Set(strings).count == strings.count else { throw NimpError.data(file.name, place, "a name appears twice") }
        return strings
    }

    static func select(_ target: [String], from d: Dataset, y: Matrix, name: String) throws -> Dataset {
        let columns = try target.map { t in
            guard let k = d.targetNames.firstIndex(of: t) else {
                throw NimpError.data(name, "tensor \"y\"", "no target named \(JSONText.quote(t))",
                                     hint: "targets: " + d.targetNames.joined(separator: ", "))
            }
            return k
        }
        var picked = Matrix(rows: y.rows, cols: columns.count)
        for r in 0..<y.rows {
            for (j, k) in columns.enumerated() { picked[r, j] = y[r, k] }
        }
        var out = Dataset(x: d.x, y: .values(picked), featureNames: d.featureNames, targetNames: target, source: d.source)
        out.seed = d.seed
        return out
    }

    /// A one-output regression read as a classification: each distinct value a class.
    private static func convert(_ d: Dataset, to task: Task, name: String) throws -> Dataset {
        guard task == .classification, case .values(let y) = d.y, y.cols == 1 else {
            throw NimpError.data(name, "tensor \"y\"", "the dataset is a \(d.task.rawValue), and cannot be read as a \(task.rawValue)")
        }
        let (classes, ids) = DatasetTable.encodeClasses(y.data.map { .number(Double($0)) })
        var out = Dataset(x: d.x, y: .classes(ids), featureNames: d.featureNames, targetNames: classes, source: d.source)
        out.seed = d.seed
        return out
    }
}
