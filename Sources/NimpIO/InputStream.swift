import Foundation
import NimpCore

/// A chunk of rows encoded as a model's inputs, with the cells of the columns asked to be
/// passed through.
public struct InputBatch {
    /// Row-major [rows, width].
    public var x: [Float] = []
    public var rows = 0
    /// Per row, the cells of the `keep` columns in their order.
    public var kept: [[TableCell]] = []
}

extension DatasetIO {
    /// Reads the inputs of `contract` from `path` (`-` for stdin) a chunk at a time, so a
    /// table of any size takes bounded memory: columns by name (a missing one is exit 65,
    /// extra ones are ignored with a warning), categories one-hot, missing cells filled.
    /// The target column is not needed. `keep` names columns to pass through.
    public static func forEachInputBatch(path: String, contract: DataContract, keep: [String], format: DatasetFormat? = nil,
                                         diagnostics: any DiagnosticSink, _ body: (InputBatch) throws -> Void) throws {
        if path != "-" {
            let format = format ?? DatasetFormat.infer(path: path)
            let sniffed = format == nil ? DatasetFormat.sniff(try headBytes(path)) : nil
            if format == .safetensors || sniffed == .safetensors {
                return try safetensorsBatches(path: path, contract: contract, keep: keep, diagnostics: diagnostics, body)
            }
        }
        let fd: Int32 = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw NimpError.missing(path) }
            throw NimpError(.noInput, "\(path): cannot open: \(String(cString: strerror(errno)))")
        }
        defer { if fd != 0 { close(fd) } }
        let name = path == "-" ? "stdin" : path
        var reader = ChunkReader(fd: fd, name: name)
        var columns: [String]?
        var encoder: RowEncoder?
        var keepColumns: [Int] = []
        var tableFormat = format ?? (path == "-" ? nil : DatasetFormat.infer(path: path))
        while let chunk = try reader.next(quotes: tableFormat != .jsonl) {
            try chunk.bytes.withUnsafeBufferPointer { bytes in
                if tableFormat == nil { tableFormat = DatasetFormat.sniff(Data(bytes.prefix(64))) }
                guard tableFormat != .safetensors else {
                    throw NimpError.usage("\(name): safetensors cannot be read from a stream; give the file's path")
                }
                let table = try TableSource(bytes, name: name, format: tableFormat!, header: columns, firstLine: chunk.firstLine)
                if columns == nil {
                    columns = table.columns
                    encoder = try RowEncoder(schema: contract.schema, columns: table.columns, source: name, owner: contract.owner)
                    keepColumns = try keep.map { k in
                        guard let i = table.columns.firstIndex(of: k) else {
                            throw NimpError.data(name, "line 1", "no column \(JSONText.quote(k)) to keep", hint: "the file has: " + RowEncoder.list(table.columns, limit: 30))
                        }
                        return i
                    }
                    let targets = Set(contract.targetColumns([]).compactMap { table.columns.firstIndex(of: $0) })
                    TableEncoding.warnExtra(table, used: Set(encoder!.sourceColumn).union(targets).union(keepColumns), diagnostics)
                }
                let width = contract.schema.width
                var batch = InputBatch()
                var row = [Float](repeating: 0, count: width)
                try table.forEachRow { line, cells in
                    try row.withUnsafeMutableBufferPointer { try encoder!.encode(cells, into: $0.baseAddress!, line: line, table: table) }
                    batch.x.append(contentsOf: row)
                    batch.rows += 1
                    if !keepColumns.isEmpty { batch.kept.append(keepColumns.map { cells[$0] }) }
                    if batch.rows == Model.predictChunk {
                        try body(batch)
                        batch = InputBatch()
                    }
                }
                if batch.rows > 0 { try body(batch) }
            }
        }
        guard columns != nil else { throw NimpError.data(name, nil, "no data: expected a header line, then one row per sample") }
        encoder?.warnUnseen(name, diagnostics)
    }

    private static func headBytes(_ path: String) throws -> Data {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw NimpError.missing(path) }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 64)) ?? Data()
    }

    private static func safetensorsBatches(path: String, contract: DataContract, keep: [String], diagnostics: any DiagnosticSink,
                                           _ body: (InputBatch) throws -> Void) throws {
        let file = try SafeTensorsFile.read(path: path)
        var d = try DatasetTensors.decode(file, target: nil, task: nil)
        let names = d.featureNames
        let keepColumns = try keep.map { k in
            guard let i = names.firstIndex(of: k) else {
                throw NimpError.data(path, "__metadata__ key \"feature_names\"", "no feature \(JSONText.quote(k)) to keep")
            }
            return i
        }
        let original = d.x
        // Only the inputs matter here: give the data the contract's targets so conform checks features alone.
        d.y = contract.task == .classification ? .classes([Int32](repeating: 0, count: d.count))
                                               : .values(Matrix(rows: d.count, cols: contract.targetNames.count))
        d.targetNames = contract.targetNames
        let x = try DatasetTensors.conform(d, namesKnown: file.metadata["feature_names"] != nil, classesKnown: false, to: contract, name: path,
                                       diagnostics: diagnostics).x
        let width = x.cols
        var first = 0
        while first < x.rows {
            let rows = min(Model.predictChunk, x.rows - first)
            var batch = InputBatch()
            batch.rows = rows
            batch.x = x.withUnsafeBufferPointer { Array($0[(first * width)..<((first + rows) * width)]) }
            x.releaseResident(rows: first..<(first + rows))
            for r in first..<(first + rows) where !keepColumns.isEmpty {
                batch.kept.append(keepColumns.map { .number(Double(original[r, $0])) })
            }
            try body(batch)
            first += rows
        }
    }
}

/// Reads a file descriptor in chunks that end at a record boundary: after the last line
/// break outside a quoted CSV field.
struct ChunkReader {
    let fd: Int32
    let name: String
    private var pending: [UInt8] = []
    private var eof = false
    private var nextLine = 1
    /// Quote parity of `pending` up to `scanned`, and the last boundary found there.
    private var scanned = 0
    private var inQuotes = false
    private var boundary = 0
    static let blockSize = 4 << 20

    init(fd: Int32, name: String) {
        self.fd = fd
        self.name = name
    }

    struct Chunk {
        var bytes: [UInt8]
        var firstLine: Int
    }

    mutating func next(quotes: Bool) throws -> Chunk? {
        while true {
            scan(quotes: quotes)
            let cut = eof ? pending.count : boundary
            if cut > 0 {
                let bytes = Array(pending[..<cut])
                pending.removeSubrange(..<cut)
                scanned -= cut
                boundary = 0
                let chunk = Chunk(bytes: bytes, firstLine: nextLine)
                nextLine += bytes.withUnsafeBufferPointer { b in b.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } }
                return chunk
            }
            if eof { return nil }
            try fill()
        }
    }

    private mutating func fill() throws {
        let old = pending.count
        pending.reserveCapacity(old + Self.blockSize)
        pending.append(contentsOf: repeatElement(0, count: Self.blockSize))
        let n = pending.withUnsafeMutableBytes { read(fd, $0.baseAddress! + old, Self.blockSize) }
        pending.removeSubrange((old + max(n, 0))...)
        if n < 0 {
            if errno == EINTR { return }
            throw NimpError(.ioError, "\(name): read failed: \(String(cString: strerror(errno)))")
        }
        if n == 0 { eof = true }
    }

    /// Extends the scan over bytes read since the last one (each byte is looked at once).
    private mutating func scan(quotes: Bool) {
        var inQuotes = self.inQuotes, boundary = self.boundary
        pending.withUnsafeBufferPointer { b in
            for i in scanned..<b.count {
                let c = b[i]
                if quotes && c == 0x22 { inQuotes.toggle() } else if c == 0x0A && !inQuotes { boundary = i + 1 }
            }
        }
        self.inQuotes = inQuotes
        self.boundary = boundary
        scanned = pending.count
    }
}
