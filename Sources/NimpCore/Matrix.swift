/// A dense row-major matrix of Float: `data[r * cols + c]`.
///
/// Value semantics through the underlying array; hot loops use
/// `withUnsafe(Mutable)BufferPointer` so they never copy.
public struct Matrix: Equatable, Sendable {
    public var rows: Int
    public var cols: Int
    public var data: [Float]

    public init(rows: Int, cols: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && cols >= 0)
        self.rows = rows
        self.cols = cols
        self.data = [Float](repeating: value, count: rows * cols)
    }

    public init(rows: Int, cols: Int, data: [Float]) {
        precondition(data.count == rows * cols, "matrix data has \(data.count) values, shape needs \(rows)x\(cols)")
        self.rows = rows
        self.cols = cols
        self.data = data
    }

    public subscript(r: Int, c: Int) -> Float {
        get { data[r * cols + c] }
        set { data[r * cols + c] = newValue }
    }

    /// A copy of row `r`.
    public func row(_ r: Int) -> [Float] { Array(data[(r * cols)..<((r + 1) * cols)]) }

    /// The rows at `indices`, in that order.
    public func rows(_ indices: some Collection<Int>) -> Matrix {
        var out = Matrix(rows: indices.count, cols: cols)
        var o = 0
        for i in indices {
            out.data.replaceSubrange(o..<(o + cols), with: data[(i * cols)..<((i + 1) * cols)])
            o += cols
        }
        return out
    }
}
