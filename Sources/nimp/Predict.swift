import ArgumentParser
import Foundation
import NimpCore
import NimpIO

struct Predict: NimpCommand {
    static let configuration = CommandConfiguration(
        abstract: "Predict with a model: one output row per input row, in order.",
        discussion: """
            Reads CSV, JSON lines or safetensors (--data FILE, or - for stdin) and matches \
            columns by name, with the model's encoding and fill values; the target column is \
            not needed. Writes JSON lines (default) or CSV: the --keep columns, then the \
            prediction under the target's name (a class label, or one value per output), \
            then with --proba each class probability as proba_CLASS. Streams: memory stays \
            bounded for any input size. A closed output pipe (| head) ends it quietly.
            """)

    @Argument(help: ArgumentHelp("The model archive.", valueName: "model.nimp"), completion: .file(extensions: ["nimp"]))
    var model: String

    @Option(help: ArgumentHelp("The rows to predict: CSV, JSON lines or safetensors; - for stdin.", valueName: "file"), completion: .file())
    var data: String = "-"

    @Option(help: "Output format: jsonl or csv.")
    var format: PredictFormat = .jsonl

    @Option(help: ArgumentHelp("Input format of stdin: csv or jsonl (default: from the file's extension or contents).", valueName: "format"))
    var inputFormat: DatasetFormat?

    @Option(help: ArgumentHelp("Columns passed through to each output row, e.g. an id.", valueName: "a,b"))
    var keep: String?

    @Flag(help: "Also write each class's probability (classifiers).")
    var proba = false

    @Option(name: .shortAndLong, help: ArgumentHelp("Write here (atomically) instead of stdout.", valueName: "file"), completion: .file())
    var output: String?

    @OptionGroup var outputOptions: OutputOptions

    func execute() throws {
        outputOptions.apply()
        if let output { try OutputPath.check(output) }
        let archive = try ModelArchive.read(path: model)
        let m = archive.model
        if proba && m.task != .classification { throw NimpError.usage("--proba: \(model) is a regression; probabilities are for classifiers") }
        let keepColumns = ColumnChoice.names(keep) ?? []
        let writer = PredictionWriter(model: m, keep: keepColumns, proba: proba, format: format)
        let sink = try OutputSink(path: output)
        try sink.write(writer.header())
        let predictor = BatchPredictor(m)
        var outputs = [Float](repeating: 0, count: Model.predictChunk * m.outputs)
        var rows = 0
        do {
            try DatasetIO.forEachInputBatch(path: data, contract: DataContract(model: m, owner: "the model \(model)"), keep: keepColumns,
                                            format: inputFormat, diagnostics: Console.sink) { batch in
                try batch.x.withUnsafeBufferPointer { x in
                    try outputs.withUnsafeMutableBufferPointer { out in
                        predictor.predict(x, rows: batch.rows, into: out)
                        try sink.write(writer.rows(batch, outputs: UnsafeBufferPointer(out)))
                    }
                }
                rows += batch.rows
            }
            try sink.finish()
        } catch let error as NimpError where error.kind == .ioError && output == nil && errno == EPIPE {
            return
        }
        Console.debug("predicted \(rows) rows")
    }
}

enum PredictFormat: String, ExpressibleByArgument, CaseIterable {
    case jsonl, csv
}

/// Formats predictions as JSON lines or CSV, straight into bytes: keys, labels and
/// separators are encoded once, so a row costs its numbers.
struct PredictionWriter {
    let model: Model
    let proba: Bool
    let format: PredictFormat
    let names: [String]
    /// Per output column, what goes before its value: `"name":` (after a comma) in JSON,
    /// a comma in CSV.
    private let prefixes: [[UInt8]]
    /// The class labels as written: quoted for JSON, escaped for CSV.
    private let labels: [[UInt8]]

    init(model: Model, keep: [String], proba: Bool, format: PredictFormat) {
        self.model = model
        self.proba = proba
        self.format = format
        var names = keep
        if model.task == .classification {
            let target = model.schema.target.first ?? "label"
            names.append(keep.contains(target) ? "prediction" : target)
            if proba { names += model.targetNames.map { "proba_" + $0 } }
        } else {
            names += model.targetNames.map { keep.contains($0) ? "prediction_" + $0 : $0 }
        }
        self.names = names
        prefixes = names.enumerated().map { k, name in
            format == .jsonl ? Array(((k == 0 ? "{" : ",") + JSONText.quote(name) + ":").utf8) : (k == 0 ? [] : [UInt8(ascii: ",")])
        }
        labels = model.targetNames.map { Array((format == .jsonl ? JSONText.quote($0) : Self.csvField($0)).utf8) }
    }

    func header() -> String {
        format == .csv ? names.map(Self.csvField).joined(separator: ",") + "\n" : ""
    }

    func rows(_ batch: InputBatch, outputs: UnsafeBufferPointer<Float>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(batch.rows * names.count * 12)
        let k = model.outputs
        var probabilities = [Float](repeating: 0, count: k)
        for r in 0..<batch.rows {
            var column = 0
            if batch.kept.count == batch.rows {
                for cell in batch.kept[r] {
                    out += prefixes[column]
                    column += 1
                    switch cell {
                    case .number(let v): append(v, to: &out)
                    case .text(let s): out += Array((format == .jsonl ? JSONText.quote(s) : Self.csvField(s)).utf8)
                    case .missing: if format == .jsonl { out += Array("null".utf8) }
                    }
                }
            }
            let z = outputs.baseAddress! + r * k
            if model.task == .classification {
                var best = 0
                for c in 1..<max(k, 1) where z[c] > z[best] { best = c }
                out += prefixes[column]
                column += 1
                out += labels[best]
                if proba {
                    let top = z[best]
                    var sum: Float = 0
                    for c in 0..<k { probabilities[c] = exp(z[c] - top); sum += probabilities[c] }
                    for c in 0..<k {
                        out += prefixes[column]
                        column += 1
                        append(Double(probabilities[c] / sum), to: &out)
                    }
                }
            } else {
                for c in 0..<k {
                    out += prefixes[column]
                    column += 1
                    append(Double(z[c]), to: &out)
                }
            }
            if format == .jsonl { out.append(UInt8(ascii: "}")) }
            out.append(0x0A)
        }
        return out
    }

    /// Float precision, shortest form: what the model computed, no more digits; a
    /// non-finite value is null (JSON) or empty (CSV).
    func append(_ d: Double, to out: inout [UInt8]) {
        guard d.isFinite else {
            if format == .jsonl { out += Array("null".utf8) }
            return
        }
        if d == d.rounded() && abs(d) < 1e15 { out += Array(String(Int64(d)).utf8); return }
        var text = Float(d).description
        text.withUTF8 { out.append(contentsOf: $0) }
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}

/// Output to stdout as it comes, or to a file written atomically at the end.
final class OutputSink {
    let path: String?
    private var buffer = Data()

    init(path: String?) throws { self.path = path }

    func write(_ text: String) throws {
        try write(Array(text.utf8))
    }

    func write(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        if path == nil { try Console.out(bytes) } else { buffer.append(contentsOf: bytes) }
    }

    func finish() throws {
        if let path { try AtomicFile.write(buffer, to: path, failpoint: "predict") }
    }
}
