import Foundation

/// A dense row-major matrix of Float: `data[r * cols + c]`.
///
/// Value semantics. The values live in an array, or read-only in memory that something
/// else owns, such as a region of a mapped file (`init(rows:cols:mapped:)`): a dataset
/// read that way is never copied. Hot loops use `withUnsafeBufferPointer` (no copy for
/// either storage). `data` works for both; on mapped values, reading `data` makes one
/// array copy (kept for later reads) and writing makes the matrix array-backed.
public struct Matrix: Equatable, Sendable {
    public var rows: Int
    public var cols: Int
    /// The values when array-backed; empty when `mapped` holds them.
    private var storage: [Float]
    private var mapped: MappedFloats?

    public init(rows: Int, cols: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && cols >= 0)
        self.rows = rows
        self.cols = cols
        self.storage = [Float](repeating: value, count: rows * cols)
    }

    public init(rows: Int, cols: Int, data: [Float]) {
        precondition(data.count == rows * cols, "matrix data has \(data.count) values, shape needs \(rows)x\(cols)")
        self.rows = rows
        self.cols = cols
        self.storage = data
    }

    /// A matrix over values that stay where they are (e.g. a mapped file), read-only.
    public init(rows: Int, cols: Int, mapped: MappedFloats) {
        precondition(rows >= 0 && cols >= 0 && mapped.count == rows * cols,
                     "mapped region has \(mapped.count) values, shape needs \(rows)x\(cols)")
        self.rows = rows
        self.cols = cols
        self.storage = []
        self.mapped = mapped
    }

    /// The values as an array. Reading it from a mapped matrix copies them once.
    public var data: [Float] {
        get { mapped?.array ?? storage }
        _modify {
            if let m = mapped {
                storage = m.array
                mapped = nil
            }
            yield &storage
        }
        set {
            storage = newValue
            mapped = nil
        }
    }

    /// Whether the values are read in place from memory the matrix does not own.
    public var isMapped: Bool { mapped != nil }

    /// The values, without copying, for the duration of `body`.
    @inline(__always)
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        if let mapped { return try body(UnsafeBufferPointer(start: mapped.base, count: mapped.count)) }
        return try storage.withUnsafeBufferPointer(body)
    }

    /// Tells a mapped matrix that rows `range` are not needed soon: their pages leave this
    /// process's resident set and are read again from the file if touched. No-op in memory.
    /// `aheadToo`: also the pages just after the rows (a random-order visit may have mapped
    /// them); a sequential pass leaves those to its next chunk.
    public func releaseResident(rows range: Range<Int>, aheadToo: Bool = false) {
        mapped?.release(range.lowerBound * cols..<range.upperBound * cols, aheadToo: aheadToo)
    }

    /// Rows per chunk of `forEachChunk`.
    public static let passChunkRows = 1 << 16

    /// One sequential pass: `body(rowsPointer, rowRange)` for consecutive chunks of rows,
    /// the pointer at the chunk's first row. A mapped matrix's pages are released behind
    /// each chunk, so a pass over a file larger than memory keeps one chunk resident.
    public func forEachChunk(rows chunk: Int = Matrix.passChunkRows,
                             _ body: (UnsafePointer<Float>, Range<Int>) throws -> Void) rethrows {
        try withUnsafeBufferPointer { p in
            var first = 0
            while first < rows {
                let end = min(rows, first + max(1, chunk))
                try body(p.baseAddress! + first * cols, first..<end)
                if isMapped { releaseResident(rows: first..<end) }
                first = end
            }
        }
    }

    public subscript(r: Int, c: Int) -> Float {
        get {
            if let mapped {
                precondition(r >= 0 && c >= 0 && c < cols && r < rows, "matrix index out of range")
                return mapped.base[r * cols + c]
            }
            return storage[r * cols + c]
        }
        set { data[r * cols + c] = newValue }
    }

    /// A copy of row `r`.
    public func row(_ r: Int) -> [Float] {
        precondition(r >= 0 && r < rows, "row \(r) of \(rows)")
        return withUnsafeBufferPointer { Array($0[(r * cols)..<((r + 1) * cols)]) }
    }

    /// The rows at `indices`, in that order.
    public func rows(_ indices: some Collection<Int>) -> Matrix {
        var out = Matrix(rows: indices.count, cols: cols)
        let cols = cols
        withUnsafeBufferPointer { src in
            out.storage.withUnsafeMutableBufferPointer { dst in
                var o = 0
                for i in indices {
                    precondition(i >= 0 && i < rows, "row \(i) of \(rows)")
                    if cols > 0 { (dst.baseAddress! + o).update(from: src.baseAddress! + i * cols, count: cols) }
                    o += cols
                }
            }
        }
        return out
    }

    public static func == (a: Matrix, b: Matrix) -> Bool {
        guard a.rows == b.rows, a.cols == b.cols else { return false }
        if a.mapped == nil && b.mapped == nil { return a.storage == b.storage }
        return a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in pa.elementsEqual(pb) } }
    }
}

/// Float values in memory that an owner keeps alive, e.g. an F32 tensor inside a mapped
/// safetensors file. Read-only.
public final class MappedFloats: @unchecked Sendable {
    public let base: UnsafePointer<Float>
    public let count: Int
    /// Keeps the memory valid (e.g. the file mapping); never used otherwise.
    private let owner: AnyObject
    /// Whether `release` may drop pages: only for read-only file mappings, where the
    /// next access reads the file again (on anonymous memory it would zero them).
    private let fileBacked: Bool
    private let lock = NSLock()
    private var copy: [Float]?

    /// `base` must stay valid, unchanged, while `owner` lives, and be Float-aligned.
    /// `fileBacked`: the memory is a read-only (or private, unwritten) mapping of a file.
    public init(base: UnsafePointer<Float>, count: Int, owner: AnyObject, fileBacked: Bool = false) {
        precondition(Int(bitPattern: base) % MemoryLayout<Float>.alignment == 0, "mapped floats must be aligned")
        self.base = base
        self.count = count
        self.owner = owner
        self.fileBacked = fileBacked
    }

    /// The values as an array, copied once on first use.
    var array: [Float] {
        lock.lock()
        defer { lock.unlock() }
        if let copy { return copy }
        let a = Array(UnsafeBufferPointer(start: base, count: count))
        copy = a
        return a
    }

    /// Drops the pages of elements `range` from the resident set (madvise
    /// MADV_DONTNEED: for a read-only file mapping the next access reads the file again).
    func release(_ range: Range<Int>, aheadToo: Bool = false) {
        guard fileBacked else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        // Widened by the kernel's fault-around (64 KiB): a fault maps the cached pages
        // around it too, so neighbours of a range in use get mapped and must go with it.
        let around = 64 << 10
        let lowest = Int(bitPattern: base), highest = Int(bitPattern: base + count)
        let start = max(lowest, Int(bitPattern: base + range.lowerBound) - around)
        let end = min(highest, Int(bitPattern: base + range.upperBound) + (aheadToo ? around : 0))
        // Whole pages from the one holding the first element: that page's earlier bytes
        // belong to rows a sequential pass has done with, and dropping a page still in use
        // only costs reading it again.
        var first = start / page * page, last = end / page * page
        if aheadToo {
            // A random-order visit: the kernel may map a whole large page-cache folio (up
            // to 2 MiB, aligned) on one fault, so release whole 2 MiB-aligned spans; pages
            // still in use are read again from the page cache.
            let folio = 2 << 20
            first = max(lowest / page * page, first / folio * folio)
            last = min(highest / page * page, (end + folio - 1) / folio * folio)
        }
        guard last > first else { return }
        _ = madvise(UnsafeMutableRawPointer(bitPattern: first), last - first, MADV_DONTNEED)
    }
}

extension Matrix {
    /// The given columns, in that order, as a new matrix.
    public func columns(_ indices: [Int]) -> Matrix {
        var out = Matrix(rows: rows, cols: indices.count)
        for r in 0..<rows {
            for (j, k) in indices.enumerated() { out[r, j] = self[r, k] }
        }
        return out
    }
}

/// The median of `values` (the mean of the middle two when their count is even); nil when empty.
public func median<T: BinaryFloatingPoint>(_ values: [T]) -> T? {
    guard !values.isEmpty else { return nil }
    let sorted = values.sorted()
    let n = sorted.count
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
}
