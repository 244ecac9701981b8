import CXSMM
import Synchronization

/// libxsmm's kernels for one shape: generated once per process at first use (JIT), for
/// beta 0 and beta 1. Nil where libxsmm has none (a transposed B, or no JIT here).
struct XSMMKernels: @unchecked Sendable {
    let betaZero: UnsafeRawPointer?
    let betaOne: UnsafeRawPointer?
}

/// libxsmm, the third candidate beside OpenBLAS and BLIS: code generated for each small
/// shape, no packing, single-threaded. A kernel is specific to its shape, leading
/// dimensions, alpha 1 and beta 0 or 1; any other call runs on OpenBLAS.
public enum XSMM {
    private static let kernelCache = Mutex<[Int: XSMMKernels]>([:])

    static func kernels(for shape: GemmShape) -> XSMMKernels {
        if let known = kernelCache.withLock({ $0[shape.key] }) { return known }
        func make(_ betaOne: Int32) -> UnsafeRawPointer? {
            nimp_xsmm_dispatch(Int32(shape.m), Int32(shape.n), Int32(shape.k), shape.transA ? 1 : 0, shape.transB ? 1 : 0, betaOne)
        }
        let kernels = XSMMKernels(betaZero: make(0), betaOne: make(1))
        kernelCache.withLock { $0[shape.key] = kernels }
        return kernels
    }

    /// Whether libxsmm generates a kernel for `shape` on this CPU.
    public static func supports(_ shape: GemmShape) -> Bool {
        guard shape.m < 1 << 20, shape.n < 1 << 20, shape.k < 1 << 20 else { return false }
        return kernels(for: shape).betaZero != nil
    }

    /// The product on libxsmm when one of `kernels` fits the call; false (nothing done) when not.
    @inline(__always)
    static func run(_ kernels: XSMMKernels, transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) -> Bool {
        guard alpha == 1, lda == (transA ? m : k), ldb == (transB ? k : n), ldc == n,
              let kernel = beta == 0 ? kernels.betaZero : beta == 1 ? kernels.betaOne : nil else { return false }
        nimp_xsmm_run(kernel, a, b, c)
        return true
    }

    /// libxsmm's own variable for the instruction set to generate code for.
    public static let targetKey = "LIBXSMM_TARGET"

    /// The `LIBXSMM_TARGET` for a CPU with only these flags, nil for AVX-512 (libxsmm's
    /// own choice then stands).
    public static func target(forCPUFlags flags: Set<Substring>) -> String? {
        if flags.contains("avx512f") && flags.contains("avx512bw") && flags.contains("avx512vl") { return nil }
        if flags.contains("avx2") && flags.contains("fma") { return "hsw" }
        if flags.contains("avx") { return "snb" }
        return "wsm"
    }

    /// libxsmm's version and the instruction set it generates code for, e.g. "1.17 skx".
    public static var version: String {
        String(cString: nimp_xsmm_version()) + " " + String(cString: nimp_xsmm_target())
    }
}
