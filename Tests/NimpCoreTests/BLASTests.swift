import Foundation
import Testing
@testable import NimpCore

@Suite struct BLASTests {
    /// sgemm sums k Float products in a blocked order, the reference in Double: the
    /// difference is a few ulps of the sum of |products|, so compare against k·2^-23 of that.
    static func tolerance(k: Int) -> Float { Float(k + 4) * 0x1p-22 }

    func check(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1, beta: Float = 0, seed: UInt64 = 1,
               sourceLocation: SourceLocation = #_sourceLocation) {
        var rng = RNG(seed: seed)
        let a = randomMatrix(transA ? k : m, transA ? m : k, &rng)
        let b = randomMatrix(transB ? n : k, transB ? k : n, &rng)
        let c0 = randomMatrix(m, n, &rng)
        var fast = c0, slow = c0
        a.data.withUnsafeBufferPointer { pa in
            b.data.withUnsafeBufferPointer { pb in
                fast.data.withUnsafeMutableBufferPointer { pc in
                    BLAS.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: pa.baseAddress!, lda: a.cols,
                              b: pb.baseAddress!, ldb: b.cols, beta: beta, c: pc.baseAddress!, ldc: n)
                }
                slow.data.withUnsafeMutableBufferPointer { pc in
                    BLAS.naiveGemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: pa.baseAddress!, lda: a.cols,
                                   b: pb.baseAddress!, ldb: b.cols, beta: beta, c: pc.baseAddress!, ldc: n)
                }
            }
        }
        // Scale: Σ|a||b| ≈ k for unit normals, plus |beta·c|.
        let scale = Float(k) * abs(alpha) + abs(beta) * 4 + 1
        var worst: Float = 0
        for i in 0..<fast.data.count { worst = max(worst, abs(fast.data[i] - slow.data[i])) }
        #expect(worst <= Self.tolerance(k: k) * scale, "m=\(m) n=\(n) k=\(k) transA=\(transA) transB=\(transB) kernel=\(BLASKernel.coreName)", sourceLocation: sourceLocation)
    }

    @Test func oddShapesAllTransposes() {
        let sizes = [1, 3, 17, 65]
        var seed: UInt64 = 0
        for transA in [false, true] {
            for transB in [false, true] {
                for m in sizes { for n in sizes { for k in sizes {
                    seed += 1
                    check(transA: transA, transB: transB, m: m, n: n, k: k, seed: seed)
                } } }
            }
        }
    }

    @Test func alphaBeta() {
        check(transA: false, transB: true, m: 17, n: 3, k: 65, alpha: 0.5, beta: 1)
        check(transA: true, transB: false, m: 5, n: 33, k: 9, alpha: -2, beta: 0.25)
    }

    /// Issue 2's kernel test: the kernel OpenBLAS loaded (from OPENBLAS_CORETYPE or its own
    /// detection) must agree with the reference at the training shapes and a large product.
    @Test func loadedKernelMatchesNaive() {
        print("OpenBLAS kernel: \(BLASKernel.coreName)")
        check(transA: false, transB: true, m: 256, n: 64, k: 10)
        check(transA: false, transB: true, m: 256, n: 64, k: 64)
        check(transA: true, transB: false, m: 64, n: 64, k: 256)
        check(transA: false, transB: false, m: 128, n: 256, k: 256)
        check(transA: false, transB: false, m: 300, n: 300, k: 300)  // blocked (not small-matrix) kernel path
    }

    @Test func matmulFoldsTransposes() {
        let a = Matrix([[1, 2, 3], [4, 5, 6]])  // [2, 3]
        let b = Matrix([[1, 0], [0, 1], [1, 1]])  // [3, 2]
        #expect(BLAS.matmul(a, b) == Matrix([[4, 5], [10, 11]]))
        #expect(BLAS.matmul(b, a, transA: true, transB: true) == Matrix([[4, 10], [5, 11]]))
        #expect(BLAS.matmul(a, a, transB: true) == Matrix([[14, 32], [32, 77]]))
        #expect(BLAS.matmul(a, a, transA: true).rows == 3)
    }
}
