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
                                            format: inputFormat) { batch in
                try batch.x.withUnsafeBufferPointer { x in
                    try outputs.withUnsafeMutableBufferPointer { out in
                        predictor.predict(x, rows: batch.rows, into: out)
                        try sink.write(writer.rows(batch, outputs: UnsafeBufferPointer(out)))
                    }
                }
                rows += batch.rows
            }
            try sink.finish()
        } catch let error as NimpError where error.status == .ioError && output == nil && errno == EPIPE {
            return
        }
        Console.debug("predicted \(rows) rows")
    }
}

enum PredictFormat: String, ExpressibleByArgument, CaseIterable {
    case jsonl, csv
}

/// Formats predictions as JSON lines or CSV.
struct PredictionWriter {
    let model: Model
    let keep: [String]
    let proba: Bool
    let format: PredictFormat
    let names: [String]
    /// `"name":` for each JSON key, quoted once.
    let keys: [String]

    init(model: Model, keep: [String], proba: Bool, format: PredictFormat) {
        self.model = model
        self.keep = keep
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
        keys = names.map { JSONText.quote($0) + ":" }
    }

    func header() -> String {
        format == .csv ? names.map(Self.csvField).joined(separator: ",") + "\n" : ""
    }

    func rows(_ batch: InputBatch, outputs: UnsafeBufferPointer<Float>) -> String {
        var text = ""
        let k = model.outputs
        var probabilities = [Float](repeating: 0, count: k)
        for r in 0..<batch.rows {
            var values: [Value] = batch.rows == batch.kept.count ? batch.kept[r].map(Value.cell) : []
            let z = outputs.baseAddress! + r * k
            if model.task == .classification {
                var best = 0
                for c in 1..<max(k, 1) where z[c] > z[best] { best = c }
                values.append(.text(model.targetNames[best]))
                if proba {
                    let top = z[best]
                    var sum: Float = 0
                    for c in 0..<k { probabilities[c] = exp(z[c] - top); sum += probabilities[c] }
                    for c in 0..<k { values.append(.number(Double(probabilities[c] / sum))) }
                }
            } else {
                for c in 0..<k { values.append(.number(Double(z[c]))) }
            }
            text += line(values)
        }
        return text
    }

    enum Value {
        case number(Double), text(String), null
        static func cell(_ c: TableCell) -> Value {
            switch c {
            case .number(let v): return .number(v)
            case .text(let s): return .text(s)
            case .missing: return .null
            }
        }
    }

    private func line(_ values: [Value]) -> String {
        switch format {
        case .jsonl:
            var line = "{"
            for (k, v) in zip(keys, values) {
                if line.utf8.count > 1 { line += "," }
                line += k
                line += Self.json(v)
            }
            return line + "}\n"
        case .csv:
            return values.map { v -> String in
                switch v {
                case .number(let d): return Self.number(d)
                case .text(let s): return Self.csvField(s)
                case .null: return ""
                }
            }.joined(separator: ",") + "\n"
        }
    }

    static func json(_ v: Value) -> String {
        switch v {
        case .number(let d): return d.isFinite ? number(d) : "null"
        case .text(let s): return JSONText.quote(s)
        case .null: return "null"
        }
    }

    /// Float precision, shortest form: what the model computed, no more digits.
    static func number(_ d: Double) -> String {
        if d == d.rounded() && abs(d) < 1e15 { return String(Int64(d)) }
        return "\(Float(d))"
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
        guard !text.isEmpty else { return }
        if path == nil { try Console.out(text) } else { buffer.append(contentsOf: Array(text.utf8)) }
    }

    func finish() throws {
        if let path { try AtomicFile.write(buffer, to: path, failpoint: "predict") }
    }
}
