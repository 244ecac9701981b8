import CBLAS
import Synchronization

/// Dense matrix products, row-major throughout. `gemm` goes to OpenBLAS's `cblas_sgemm`;
/// `naiveGemm` is the plain triple loop kept beside it as the oracle for tests.
///
/// Transposes are never materialised: `transA`/`transB` are passed to sgemm as flags.
public enum BLAS {
    /// Work (`m * n * k`) from which BLAS may use two threads.
    ///
    /// Measured with the SkylakeX kernel on the shared 2-core machine: at every MLP shape
    /// (128·256·256, 256·256·128, 256·64·256, 256³) one thread ran 100–240 GFLOP/s and two
    /// threads 10–95; at 512³ and 1024³ they tied; other measurements had two threads ahead only at
    /// 2048³ on an idle machine. Under contention two threads collapse while one loses little,
    /// so the switch sits above any layer of a small MLP (≈ 645³).
    public static let twoThreadWork = 1 << 28

    /// C [m, n] = alpha · op(A) · op(B) + beta · C, where op(A) is [m, k] and op(B) is [k, n].
    /// A is stored [m, k] (or [k, m] when `transA`), B is [k, n] (or [n, k] when `transB`).
    @inline(__always)
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                            a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        useThreads(forWork: m &* n &* k)
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// The reference for `gemm`: the same contract, a triple loop with Double accumulation.
    public static func naiveGemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                                 a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                                 beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let av = transA ? a[p * lda + i] : a[i * lda + p]
                    let bv = transB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += Double(av) * Double(bv)
                }
                let old = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
                c[i * ldc + j] = Float(Double(alpha) * sum + old)
            }
        }
    }

    /// op(a) · op(b) as a new matrix.
    public static func matmul(_ a: Matrix, _ b: Matrix, transA: Bool = false, transB: Bool = false) -> Matrix {
        let m = transA ? a.cols : a.rows
        let k = transA ? a.rows : a.cols
        let kb = transB ? b.cols : b.rows
        let n = transB ? b.rows : b.cols
        precondition(k == kb, "matmul: inner dimensions \(k) and \(kb) differ")
        var c = Matrix(rows: m, cols: n)
        if k == 0 { return c }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.data.withUnsafeMutableBufferPointer { pc in
                    gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1,
                         a: pa.baseAddress!, lda: a.cols, b: pb.baseAddress!, ldb: b.cols,
                         beta: 0, c: pc.baseAddress!, ldc: n)
                }
            }
        }
        return c
    }

    /// y [m] = alpha · op(A) · x + beta · y, A stored [rows, cols].
    @inline(__always)
    public static func gemv(trans: Bool, rows: Int, cols: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                            x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>) {
        guard rows > 0, cols > 0 else { return }
        useThreads(forWork: rows &* cols)
        cblas_sgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, Int32(rows), Int32(cols), alpha,
                    a, Int32(lda), x, 1, beta, y, 1)
    }

    // MARK: Threads

    private static let currentThreads = Atomic<Int>(0)
    /// The most threads BLAS may use: 2 on this project's machines, 1 on a single core.
    public static let maxThreads = min(2, max(1, Int(openblas_get_num_procs())))

    /// One thread for small products, two for large ones; calls OpenBLAS only on change.
    @inline(__always)
    public static func useThreads(forWork work: Int) {
        let wanted = work >= twoThreadWork ? maxThreads : 1
        if currentThreads.load(ordering: .relaxed) != wanted {
            currentThreads.store(wanted, ordering: .relaxed)
            openblas_set_num_threads(Int32(wanted))
        }
    }
}
