import Foundation
import NimpCore

/// The file formats a dataset can be read from and written to.
public enum DatasetFormat: String, Sendable, CaseIterable {
    case safetensors, csv, jsonl

    /// The format a file name's extension names (`.safetensors`, `.st`, `.csv`,
    /// `.jsonl`, `.ndjson`), or nil.
    public static func infer(path: String) -> DatasetFormat? {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "safetensors", "st": return .safetensors
        case "csv": return .csv
        case "jsonl", "ndjson": return .jsonl
        default: return nil
        }
    }

    /// The format of file contents whose name says nothing: '{' at byte 8 is
    /// safetensors (and so, for its message, is a PyTorch pickle or zip), '{' first is
    /// JSON lines, anything else CSV.
    static func sniff(_ data: Data) -> DatasetFormat {
        let head = data.prefix(9)
        if head.count == 9 && head[head.startIndex + 8] == UInt8(ascii: "{") { return .safetensors }
        // A PyTorch checkpoint (a pickle, or a zip holding one): the safetensors reader
        // names it, where the CSV reader would complain about line 1.
        let magic = [UInt8](head.prefix(4))
        if magic.count >= 2 && magic[0] == 0x80 && (1...5).contains(magic[1]) || magic == [0x50, 0x4B, 0x03, 0x04] { return .safetensors }
        let text = data.prefix(64).drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 || $0 == 0xEF || $0 == 0xBB || $0 == 0xBF }
        return text.first == UInt8(ascii: "{") ? .jsonl : .csv
    }
}

/// Reading and writing datasets.
///
/// Safetensors layout: `x` F32 [N, F]; `y` F32 [N, O] (regression) or I64 [N] class
/// ids (classification); `__metadata__` strings `task`, `feature_names`, and
/// `target_names` or `classes` (JSON arrays of strings), `source`, and `seed` when
/// known. CSV and JSON lines hold one sample per row, the features and the target
/// column(s); classification targets are class names, written under the column
/// `label` (or `target` when a feature already has that name).
public enum DatasetIO {
    /// Reads a training set: safetensors as stored; CSV (with a header line) or JSON lines
    /// (one object per line) as raw tables, chosen by the file's extension, else by its
    /// contents. A table's schema is learned here: text columns become categories,
    /// missing cells are filled with the column's median or most frequent value (or their
    /// rows dropped), and the schema travels with the dataset into the model.
    ///
    /// `options.target` names the target column(s) and is required for CSV and JSON lines;
    /// for a regression safetensors file it selects outputs by name. `options.task` nil
    /// infers it: a non-numeric target gives a classification (classes sorted), numeric a
    /// regression. Missing file → exit 66; anything wrong inside → exit 65 naming the place.
    ///
    /// A safetensors file is mapped, and its F32 tensors are read in place: `x` (and a
    /// regression's `y`) are matrices over the mapping, never copied, so a dataset larger
    /// than memory can be trained on (pages come and go as the kernel needs).
    public static func load(path: String, options: TableOptions) throws -> Dataset {
        let mapping = try MappedFile.map(path)
        let data = mapping?.data ?? Data()
        let format = DatasetFormat.infer(path: path) ?? DatasetFormat.sniff(data)
        if format == .safetensors {
            try checkTargets(options.target)
            let d = try DatasetTensors.decode(SafeTensorsFile(mapping: mapping, name: path), target: options.target.isEmpty ? nil : options.target, task: options.task)
            return try nonEmpty(DatasetTensors.select(d, options: options, name: path))
        }
        return try decode(data, name: path, format: format, options: options)
    }

    /// A dataset read to train or measure on must have a sample (a 0-row safetensors file
    /// is well formed, and would otherwise give metrics of nothing).
    static func nonEmpty(_ d: Dataset) throws -> Dataset {
        guard d.count > 0 else { throw NimpError.data(d.source, "tensor \"x\"", "0 samples, expected at least one") }
        return d
    }

    /// `load(path:options:)` with a target and task only (and, like `TableOptions`, nobody
    /// to hear about it unless asked).
    public static func load(path: String, target: [String]? = nil, task: Task? = nil,
                            diagnostics: any DiagnosticSink = DiscardingSink()) throws -> Dataset {
        try load(path: path, options: TableOptions(target: target ?? [], task: task, diagnostics: diagnostics))
    }

    /// Reads a dataset for a model (or a training set) that already has a schema: columns
    /// matched by name in any order, encoded and filled as the contract says, class labels
    /// mapped through its classes. A missing column or a label it does not know is exit 65;
    /// extra columns are ignored with a warning. `target` overrides the target column(s)
    /// the contract records.
    public static func load(path: String, for contract: DataContract, target: [String] = [],
                            diagnostics: any DiagnosticSink) throws -> Dataset {
        let mapping = try MappedFile.map(path)
        let data = mapping?.data ?? Data()
        let format = DatasetFormat.infer(path: path) ?? DatasetFormat.sniff(data)
        try checkTargets(target)
        if format == .safetensors {
            return try nonEmpty(DatasetTensors.bind(SafeTensorsFile(mapping: mapping, name: path), to: contract, target: target,
                                                    diagnostics: diagnostics))
        }
        return try data.withUnsafeBytes { raw in
            let table = try TableSource(raw.bindMemory(to: UInt8.self), name: path, format: format)
            return try TableEncoding.bind(table, to: contract, target: target, diagnostics: diagnostics)
        }
    }

    /// A dataset that is already in memory (a registry's stored set), checked against
    /// `contract` by name: reordered or remapped when its names differ, exit 65 when it
    /// cannot fit.
    public static func conform(_ d: Dataset, to contract: DataContract, diagnostics: any DiagnosticSink) throws -> Dataset {
        try DatasetTensors.conform(d, namesKnown: true, classesKnown: true, to: contract, name: d.source, diagnostics: diagnostics)
    }

    private static func checkTargets(_ target: [String]) throws {
        if Set(target).count != target.count {
            throw NimpError.usage("a target column is named twice: \(target.joined(separator: ", "))")
        }
    }

    /// Reads a training set held in memory; `name` is used in error messages.
    public static func decode(_ data: Data, name: String, format: DatasetFormat, target: [String]? = nil,
                              task: Task? = nil, diagnostics: any DiagnosticSink = DiscardingSink()) throws -> Dataset {
        try decode(data, name: name, format: format, options: TableOptions(target: target ?? [], task: task, diagnostics: diagnostics))
    }

    public static func decode(_ data: Data, name: String, format: DatasetFormat, options: TableOptions) throws -> Dataset {
        try checkTargets(options.target)
        switch format {
        case .safetensors:
            let d = try DatasetTensors.decode(SafeTensorsFile(data: data, name: name), target: options.target.isEmpty ? nil : options.target, task: options.task)
            return try nonEmpty(DatasetTensors.select(d, options: options, name: name))
        case .csv, .jsonl:
            return try data.withUnsafeBytes { raw in
                try TableEncoding.fit(TableSource(raw.bindMemory(to: UInt8.self), name: name, format: format), options: options)
            }
        }
    }

    /// The dataset's bytes in `format`. Deterministic: the same dataset gives the same bytes.
    public static func encode(_ d: Dataset, format: DatasetFormat) -> Data {
        switch format {
        case .safetensors: return DatasetTensors.encode(d)
        case .csv: return DatasetText.csv(d)
        case .jsonl: return DatasetText.jsonl(d)
        }
    }

    /// Writes the dataset atomically; `format` nil takes it from the extension, else safetensors.
    public static func write(_ d: Dataset, to path: String, format: DatasetFormat? = nil) throws {
        let format = format ?? DatasetFormat.infer(path: path) ?? .safetensors
        try AtomicFile.write(encode(d, format: format), to: path, failpoint: "dataset")
    }

    /// The column (CSV) or key (JSON lines) that holds a classification's class names.
    public static func labelColumn(for d: Dataset) -> String {
        var name = "label"
        var k = 1
        for candidate in ["label", "target", "class"] where !d.featureNames.contains(candidate) { return candidate }
        while d.featureNames.contains(name) {
            name = "label_\(k)"
            k += 1
        }
        return name
    }
}

extension DatasetIO {
    /// Rows of a dataset file: from the safetensors header alone (no data read), else by reading it.
    public static func rows(path: String) throws -> Int {
        let mapping = try MappedFile.map(path)
        if DatasetFormat.infer(path: path) == .safetensors,
           let x = try SafeTensorsFile(mapping: mapping, name: path).tensors.first(where: { $0.name == "x" }), let rows = x.shape.first {
            return rows
        }
        return try load(path: path).count
    }
}
