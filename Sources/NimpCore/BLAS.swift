import CBLAS
import CBLIS
import Foundation
import Synchronization

/// Dense matrix products, row-major throughout. `gemm` goes to OpenBLAS's `cblas_sgemm`,
/// or to BLIS's `bli_sgemm` or a libxsmm kernel for the shapes `nimp tune` measured faster
/// there (`useKernels`);
/// `naiveGemm` is the plain triple loop kept beside them as the oracle for tests.
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
        if m &* n &* k >= routedMinWork.load(ordering: .relaxed),
           let route = route(GemmShape(m: m, n: n, k: k, transA: transA, transB: transB)) {
            switch route {
            case .blis:
                blisGemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                         beta: beta, c: c, ldc: ldc)
                return
            case .libxsmm(let kernels):
                if XSMM.run(kernels, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b,
                            ldb: ldb, beta: beta, c: c, ldc: ldc) { return }
            case .libxsmmNotYetGenerated:
                break
            }
        }
        openblasGemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                     beta: beta, c: c, ldc: ldc)
    }

    /// `gemm` on the given library, whatever the dispatch table says (tuning, tests).
    public static func gemm(using kernel: GemmKernel, transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                            a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        switch kernel {
        case .openblas: openblasGemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        case .blis: blisGemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        case .libxsmm:
            let kernels = XSMM.kernels(for: GemmShape(m: m, n: n, k: k, transA: transA, transB: transB))
            if !XSMM.run(kernels, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                         beta: beta, c: c, ldc: ldc) {
                openblasGemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                             beta: beta, c: c, ldc: ldc)
            }
        }
    }

    @inline(__always)
    static func openblasGemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                             a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                             beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let openblas = OpenBLASLibrary.shared
        useThreads(forWork: m &* n &* k, openblas)
        openblas.sgemm(NIMP_CBLAS_ROW_MAJOR, transA ? NIMP_CBLAS_TRANS : NIMP_CBLAS_NO_TRANS, transB ? NIMP_CBLAS_TRANS : NIMP_CBLAS_NO_TRANS,
                       Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// BLIS takes general strides, so row-major is row stride `ld`, column stride 1.
    /// Without BLIS the product runs on OpenBLAS.
    static func blisGemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                         a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                         beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard let blis = BLISLibrary.shared else {
            return openblasGemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                                beta: beta, c: c, ldc: ldc)
        }
        useBLISThreads(forWork: m &* n &* k, blis)
        var alpha = alpha, beta = beta
        blis.sgemm(transA ? NIMP_BLI_TRANSPOSE : NIMP_BLI_NO_TRANSPOSE, transB ? NIMP_BLI_TRANSPOSE : NIMP_BLI_NO_TRANSPOSE,
                   Int64(m), Int64(n), Int64(k), &alpha, UnsafeMutablePointer(mutating: a), Int64(lda), 1,
                   UnsafeMutablePointer(mutating: b), Int64(ldb), 1, &beta, c, Int64(ldc), 1)
    }

    // MARK: Dispatch

    private enum Route: @unchecked Sendable {
        case blis
        case libxsmm(XSMMKernels)
        /// Generated at the shape's first product: libxsmm costs a process ~10 MiB once
        /// it starts, and most nimp commands multiply nothing.
        case libxsmmNotYetGenerated
    }

    @inline(__always)
    private static func route(_ shape: GemmShape) -> Route? {
        routes.withLock { table in
            guard let route = table[shape.key] else { return nil }
            guard case .libxsmmNotYetGenerated = route else { return route }
            let generated = Route.libxsmm(XSMM.kernels(for: shape))
            table[shape.key] = generated
            return generated
        }
    }

    private static let routes = Mutex<[Int: Route]>([:])
    /// The least m·n·k among `routes`: smaller products skip the lookup, whose cost
    /// is a sizeable part of a product of a few thousand FLOPs.
    private static let routedMinWork = Atomic<Int>(Int.max)

    /// From now on `gemm` runs each of these shapes on its kernel, and every other shape on
    /// OpenBLAS.
    public static func useKernels(_ kernels: [GemmShape: GemmKernel]) {
        var table: [Int: Route] = [:]
        for (shape, kernel) in kernels {
            switch kernel {
            case .openblas: continue
            case .blis: table[shape.key] = .blis
            case .libxsmm: table[shape.key] = .libxsmmNotYetGenerated
            }
        }
        let least = kernels.filter { $0.value != .openblas }.keys.map { $0.m * $0.n * $0.k }.min() ?? Int.max
        routes.withLock { $0 = table }
        routedMinWork.store(least, ordering: .relaxed)
    }

    /// Whether libblis.so.4 could be opened.
    public static var blisAvailable: Bool { BLISLibrary.shared != nil }

    /// BLIS's version and the sub-configuration it chose for this CPU, e.g. "0.9.0 skx".
    public static var blisVersion: String {
        guard let blis = BLISLibrary.shared else { return "unavailable" }
        let version = blis.version().map { String(cString: $0) } ?? "unknown"
        let arch = blis.archString(blis.archQueryID()).map { String(cString: $0) } ?? "unknown"
        return "\(version) \(arch)"
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
        let openblas = OpenBLASLibrary.shared
        useThreads(forWork: rows &* cols, openblas)
        openblas.sgemv(NIMP_CBLAS_ROW_MAJOR, trans ? NIMP_CBLAS_TRANS : NIMP_CBLAS_NO_TRANS, Int32(rows), Int32(cols), alpha,
                       a, Int32(lda), x, 1, beta, y, 1)
    }

    // MARK: Threads

    private static let currentThreads = Atomic<Int>(0)
    private static let currentBLISThreads = Atomic<Int>(0)
    /// The most threads BLAS may use: 2 on this project's machines, 1 on a single core.
    public static let maxThreads = min(2, max(1, ProcessInfo.processInfo.activeProcessorCount))

    /// One thread for small products, two for large ones; calls OpenBLAS only on change.
    @inline(__always)
    static func useThreads(forWork work: Int, _ openblas: OpenBLASLibrary) {
        let wanted = work >= twoThreadWork ? maxThreads : 1
        if currentThreads.load(ordering: .relaxed) != wanted {
            currentThreads.store(wanted, ordering: .relaxed)
            openblas.setNumThreads(Int32(wanted))
        }
    }

    /// OpenBLAS's sgemm on `threads` threads, without nimp's thread rule (`nimp-bench sgemm`).
    public static func openblasGemm(threads: Int, transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                                    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                                    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let openblas = OpenBLASLibrary.shared
        if currentThreads.exchange(threads, ordering: .relaxed) != threads { openblas.setNumThreads(Int32(threads)) }
        openblas.sgemm(NIMP_CBLAS_ROW_MAJOR, transA ? NIMP_CBLAS_TRANS : NIMP_CBLAS_NO_TRANS, transB ? NIMP_CBLAS_TRANS : NIMP_CBLAS_NO_TRANS,
                       Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// The same rule for BLIS, whose thread count is its own.
    @inline(__always)
    static func useBLISThreads(forWork work: Int, _ blis: BLISLibrary) {
        let wanted = work >= twoThreadWork ? maxThreads : 1
        if currentBLISThreads.load(ordering: .relaxed) != wanted {
            currentBLISThreads.store(wanted, ordering: .relaxed)
            blis.setNumThreads(Int64(wanted))
        }
    }
}

/// libopenblas.so.0, opened at the first product or question about it (with RTLD_LOCAL,
/// like BLIS): OpenBLAS fixes its core type from `OPENBLAS_CORETYPE` and starts its
/// threads when it loads, so `BLASKernel.prepare` sets the variable first, and commands
/// that multiply nothing never load it. Without the library nimp stops with exit 69.
struct OpenBLASLibrary: @unchecked Sendable {
    let sgemm: nimp_cblas_sgemm_fn
    let sgemv: nimp_cblas_sgemv_fn
    let setNumThreads: nimp_openblas_set_num_threads_fn
    let corename: nimp_openblas_string_fn
    let config: nimp_openblas_string_fn

    static let soname = "libopenblas.so.0"

    static let shared: OpenBLASLibrary = {
        func stop(_ why: String) -> Never {
            FileHandle.standardError.write(Data("error: cannot use OpenBLAS: \(why)\n  hint: on Debian, apt-get install libopenblas0\n".utf8))
            exit(69)
        }
        guard let handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL) else {
            stop(dlerror().map { String(cString: $0) } ?? "\(soname) cannot be opened")
        }
        func symbol<T>(_ name: String, _ type: T.Type) -> T {
            guard let p = dlsym(handle, name) else { stop("\(soname) has no \(name)") }
            return unsafeBitCast(p, to: type)
        }
        let library = OpenBLASLibrary(
            sgemm: symbol("cblas_sgemm", nimp_cblas_sgemm_fn.self), sgemv: symbol("cblas_sgemv", nimp_cblas_sgemv_fn.self),
            setNumThreads: symbol("openblas_set_num_threads", nimp_openblas_set_num_threads_fn.self),
            corename: symbol("openblas_get_corename", nimp_openblas_string_fn.self),
            config: symbol("openblas_get_config", nimp_openblas_string_fn.self))
        BLASKernel.checkCachedLibrary(configuration: library.configuration, core: library.coreName)
        return library
    }()

    /// The kernel OpenBLAS is running, e.g. "SkylakeX".
    var coreName: String { corename().map { String(cString: $0) } ?? "unknown" }

    /// OpenBLAS's build configuration string, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH ... SkylakeX".
    var configuration: String { config().map { String(cString: $0) } ?? "unknown" }
}

/// libblis.so.4 opened with RTLD_LOCAL, so its cblas_* never shadow OpenBLAS's, and the
/// bli_ functions nimp calls.
struct BLISLibrary: @unchecked Sendable {
    let sgemm: nimp_bli_sgemm_fn
    let setNumThreads: nimp_bli_set_num_threads_fn
    let version: nimp_bli_version_fn
    let archQueryID: nimp_bli_arch_query_id_fn
    let archString: nimp_bli_arch_string_fn

    static let shared: BLISLibrary? = {
        guard let handle = dlopen("libblis.so.4", RTLD_NOW | RTLD_LOCAL) else { return nil }
        func symbol<T>(_ name: String, _ type: T.Type) -> T? { dlsym(handle, name).map { unsafeBitCast($0, to: type) } }
        guard let sgemm = symbol("bli_sgemm", nimp_bli_sgemm_fn.self),
              let threads = symbol("bli_thread_set_num_threads", nimp_bli_set_num_threads_fn.self),
              let version = symbol("bli_info_get_version_str", nimp_bli_version_fn.self),
              let archID = symbol("bli_arch_query_id", nimp_bli_arch_query_id_fn.self),
              let archString = symbol("bli_arch_string", nimp_bli_arch_string_fn.self) else { return nil }
        return BLISLibrary(sgemm: sgemm, setNumThreads: threads, version: version, archQueryID: archID, archString: archString)
    }()
}
