import Foundation
import Testing
@testable import NimpCore

/// BLIS and libxsmm beside OpenBLAS (issue 18): numerics of each against the naive loop,
/// the symbols each library provides, per-shape dispatch, and the kernel cache's text format.
@Suite(.serialized) struct KernelTests {
    /// One product on `kernel` (nil: `BLAS.gemm`'s dispatch) into a copy of `c`, with
    /// leading dimensions wider than the matrices unless `tight`.
    func product(_ kernel: GemmKernel?, _ shape: GemmShape, alpha: Float, beta: Float, seed: UInt64,
                 tight: Bool = false) -> (Matrix, Matrix) {
        var rng = RNG(seed: seed)
        let (m, n, k) = (shape.m, shape.n, shape.k)
        let pad = tight ? 0 : 1
        let a = randomMatrix(shape.transA ? k : m, (shape.transA ? m : k) + 3 * pad, &rng)
        let b = randomMatrix(shape.transB ? n : k, (shape.transB ? k : n) + pad, &rng)
        let c0 = randomMatrix(m, n + 2 * pad, &rng)
        var fast = c0, slow = c0
        a.data.withUnsafeBufferPointer { pa in
            b.data.withUnsafeBufferPointer { pb in
                fast.data.withUnsafeMutableBufferPointer { pc in
                    if let kernel {
                        BLAS.gemm(using: kernel, transA: shape.transA, transB: shape.transB, m: m, n: n, k: k, alpha: alpha,
                                  a: pa.baseAddress!, lda: a.cols, b: pb.baseAddress!, ldb: b.cols, beta: beta, c: pc.baseAddress!, ldc: c0.cols)
                    } else {
                        BLAS.gemm(transA: shape.transA, transB: shape.transB, m: m, n: n, k: k, alpha: alpha,
                                  a: pa.baseAddress!, lda: a.cols, b: pb.baseAddress!, ldb: b.cols, beta: beta, c: pc.baseAddress!, ldc: c0.cols)
                    }
                }
                slow.data.withUnsafeMutableBufferPointer { pc in
                    BLAS.naiveGemm(transA: shape.transA, transB: shape.transB, m: m, n: n, k: k, alpha: alpha,
                                   a: pa.baseAddress!, lda: a.cols, b: pb.baseAddress!, ldb: b.cols, beta: beta, c: pc.baseAddress!, ldc: c0.cols)
                }
            }
        }
        return (fast, slow)
    }

    @Test(.enabled(if: BLAS.blisAvailable, "needs libblis.so.4 (libblis4)"))
    func blisAndOpenBLASMatchTheNaiveLoop() {
        var rng = RNG(seed: 18)
        for trial in 0..<40 {
            let shape = GemmShape(m: 1 + rng.int(below: 70), n: 1 + rng.int(below: 70), k: 1 + rng.int(below: 300),
                                  transA: trial & 1 == 1, transB: trial & 2 == 2)
            let alpha: Float = trial % 5 == 0 ? -0.5 : 1, beta: Float = trial % 3 == 0 ? 0.25 : 0
            for kernel in [GemmKernel.blis, .openblas] {
                let (fast, slow) = product(kernel, shape, alpha: alpha, beta: beta, seed: UInt64(trial))
                var worst: Float = 0
                for i in 0..<fast.data.count { worst = max(worst, abs(fast.data[i] - slow.data[i])) }
                let scale = Float(shape.k) * abs(alpha) + 2
                #expect(worst <= BLASTests.tolerance(k: shape.k) * scale, "\(kernel) \(shape) alpha \(alpha) beta \(beta)")
                // The padding columns of C beyond n are untouched.
                for r in 0..<shape.m { #expect(fast[r, shape.n] == slow[r, shape.n] && fast[r, shape.n + 1] == slow[r, shape.n + 1]) }
            }
        }
    }

    /// The file mapped at `address` in this process (from /proc/self/maps).
    func library(containing address: UnsafeMutableRawPointer) throws -> String {
        let a = UInt(bitPattern: address)
        // /proc files report size 0: read to the end rather than by size.
        let maps = try #require(FileHandle(forReadingAtPath: "/proc/self/maps")).readDataToEndOfFile()
        for line in String(decoding: maps, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            let range = fields[0].split(separator: "-").compactMap { UInt($0, radix: 16) }
            if range.count == 2, range[0] <= a, a < range[1] { return fields.count > 5 ? String(fields[5]) : "" }
        }
        return ""
    }

    /// OpenBLAS and BLIS both export cblas_* and sgemm_: both are opened RTLD_LOCAL, so
    /// neither's symbols are in the global scope (libxsmm's BLAS fallback is its no-BLAS
    /// stub, which nimp never calls), and nimp's products reach OpenBLAS's own functions.
    @Test(.enabled(if: BLAS.blisAvailable, "needs libblis.so.4 (libblis4)"))
    func eachLibraryIsCalledThroughItsOwnHandle() throws {
        _ = BLASKernel.coreName  // OpenBLAS is loaded now
        for name in ["cblas_sgemm", "cblas_sgemv", "openblas_get_corename", "bli_sgemm"] {
            #expect(dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) == nil, "\(name) is global")
        }
        let sgemm = try library(containing: unsafeBitCast(OpenBLASLibrary.shared.sgemm, to: UnsafeMutableRawPointer.self))
        let sgemv = try library(containing: unsafeBitCast(OpenBLASLibrary.shared.sgemv, to: UnsafeMutableRawPointer.self))
        #expect(sgemm.contains("openblas") && sgemv.contains("openblas"), "\(sgemm), \(sgemv)")
        let blis = try library(containing: unsafeBitCast(try #require(BLISLibrary.shared).sgemm, to: UnsafeMutableRawPointer.self))
        #expect(blis.contains("blis"), "\(blis)")
        #expect(BLAS.blisVersion.hasPrefix("0.9"))
    }

    @Test(.enabled(if: BLAS.blisAvailable, "needs libblis.so.4 (libblis4)"))
    func dispatchSendsListedShapesToBLISBitForBit() {
        let shape = GemmShape(m: 37, n: 23, k: 19, transA: false, transB: true)
        defer { BLAS.useKernels([:]) }
        BLAS.useKernels([shape: .blis])
        let viaDispatch = product(nil, shape, alpha: 1, beta: 0, seed: 3).0
        #expect(viaDispatch == product(.blis, shape, alpha: 1, beta: 0, seed: 3).0)
        #expect(viaDispatch == product(nil, shape, alpha: 1, beta: 0, seed: 3).0)
        BLAS.useKernels([:])
        #expect(product(nil, shape, alpha: 1, beta: 0, seed: 3).0 == product(.openblas, shape, alpha: 1, beta: 0, seed: 3).0)
    }

    /// libxsmm runs a product only in the form its kernel was made for (alpha 1, beta 0 or
    /// 1, tight leading dimensions, B not transposed); every other call goes to OpenBLAS,
    /// and both agree with the naive loop.
    @Test func libxsmmMatchesTheNaiveLoopAndDeclinesWhatItCannotRun() {
        #expect(XSMM.version.hasPrefix("1.17 "))
        var rng = RNG(seed: 7)
        var ran = 0
        for trial in 0..<48 {
            let shape = GemmShape(m: 1 + rng.int(below: 70), n: 1 + rng.int(below: 70), k: 1 + rng.int(below: 300),
                                  transA: trial & 1 == 1, transB: trial & 2 == 2)
            let alpha: Float = trial % 5 == 0 ? -0.5 : 1, beta: Float = [0, 1, 0.25][trial % 3]
            let tight = trial % 4 < 3
            let (fast, slow) = product(.libxsmm, shape, alpha: alpha, beta: beta, seed: UInt64(trial), tight: tight)
            var worst: Float = 0
            for i in 0..<fast.data.count { worst = max(worst, abs(fast.data[i] - slow.data[i])) }
            #expect(worst <= BLASTests.tolerance(k: shape.k) * (Float(shape.k) * abs(alpha) + 2), "\(shape) alpha \(alpha) beta \(beta)")
            // Whether libxsmm ran it rather than OpenBLAS.
            let runs = tight && alpha == 1 && beta != 0.25 && !shape.transB
            let lda = shape.transA ? shape.m : shape.k, ldb = (shape.transB ? shape.k : shape.n) + (tight ? 0 : 1)
            var a = [Float](repeating: 1, count: shape.m * shape.k), b = [Float](repeating: 1, count: (shape.transB ? shape.n : shape.k) * ldb)
            var c = [Float](repeating: 0, count: shape.m * shape.n)
            let did = XSMM.run(XSMM.kernels(for: shape), transA: shape.transA, transB: shape.transB, m: shape.m, n: shape.n,
                               k: shape.k, alpha: alpha, a: &a, lda: lda, b: &b, ldb: ldb, beta: beta, c: &c, ldc: shape.n)
            #expect(did == runs, "\(shape) alpha \(alpha) beta \(beta) tight \(tight)")
            if did { ran += 1; #expect(c.allSatisfy { $0 == Float(shape.k) }) }
            #expect(XSMM.supports(shape) == !shape.transB)
        }
        #expect(ran >= 8)
    }

    @Test func dispatchSendsListedShapesToLibxsmmBitForBit() {
        let shape = GemmShape(m: 37, n: 23, k: 19, transA: true, transB: false)
        defer { BLAS.useKernels([:]) }
        BLAS.useKernels([shape: .libxsmm])
        #expect(BLASKernel.kernel(for: shape) == .openblas)  // the process's choice is the cache's, not this table
        for beta: Float in [0, 1] {
            let viaDispatch = product(nil, shape, alpha: 1, beta: beta, seed: 4, tight: true)
            #expect(viaDispatch.0 == product(.libxsmm, shape, alpha: 1, beta: beta, seed: 4, tight: true).0)
            var worst: Float = 0
            for i in 0..<viaDispatch.0.data.count { worst = max(worst, abs(viaDispatch.0.data[i] - viaDispatch.1.data[i])) }
            #expect(worst <= BLASTests.tolerance(k: shape.k) * (Float(shape.k) + 2))
        }
    }

    /// Training with some shapes on BLIS or libxsmm reproduces itself bit for bit for a seed.
    @Test(arguments: [GemmKernel.blis, .libxsmm])
    func trainingOnAnAlternativeIsReproducible(kernel: GemmKernel) throws {
        defer { BLAS.useKernels([:]) }
        var rng = RNG(seed: 5)
        let x = randomMatrix(33, 7, &rng), y = randomMatrix(33, 5, &rng)
        func train() throws -> Model {
            var init_ = RNG(seed: 2)
            let m = Model.initialized(task: .regression, inputs: 7, hidden: [13], outputs: 5, activation: .tanh,
                                      normalizer: .identity(features: 7), featureNames: (0..<7).map { "x\($0)" },
                                      targetNames: (0..<5).map { "y\($0)" }, rng: &init_)
            let config = TrainConfig(epochs: 3, batchSize: 11, learningRate: 0.01, optimizer: .adam, seed: 9)
            return try Trainer(config: config).fit(m, x: x, targets: .values(y), validation: nil) { _ in }.model
        }
        let shapes = GemmShape.of(widths: [7, 13, 5], batch: 11, predictRows: 11)
        BLAS.useKernels(Dictionary(uniqueKeysWithValues: shapes.map { ($0, kernel) }))
        let first = try train(), second = try train()
        #expect(first == second)
        BLAS.useKernels([:])
        let openblas = try train()
        for (p, q) in zip(first.layers, openblas.layers) {
            for (u, v) in zip(p.weight.data, q.weight.data) { #expect(abs(u - v) <= 1e-3 * max(1, abs(v))) }
        }
    }

    @Test func shapesOfAnMLP() {
        let shapes = GemmShape.of(widths: [64, 256, 256, 10], batch: 128)
        #expect(shapes.count == 11)
        #expect(GemmShape.of(widths: [10, 64, 1], batch: 1024).count == 7)  // the predict chunk's forward is NN
        #expect(shapes.contains(GemmShape(m: 128, n: 256, k: 64, transA: false, transB: true)))
        #expect(shapes.contains(GemmShape(m: 256, n: 256, k: 128, transA: true, transB: false)))
        #expect(shapes.contains(GemmShape(m: 128, n: 256, k: 256, transA: false, transB: false)))
        #expect(!shapes.contains(GemmShape(m: 128, n: 64, k: 256, transA: false, transB: false)))  // no input gradient of the inputs
        #expect(shapes.contains(GemmShape(m: 1024, n: 10, k: 256, transA: false, transB: false)))
        #expect(GemmShape(dims: "128x256x64", trans: "NT") == shapes.first { $0.description == "128x256x64 NT" })
        #expect(GemmShape(dims: "128x256", trans: "NT") == nil)
        #expect(GemmShape(dims: "0x1x1", trans: "NT") == nil)
        #expect(GemmShape(dims: "1x1x1", trans: "NX") == nil)
    }

    @Test func candidatesFollowTheFlags() {
        #expect(BLASKernel.candidateCoreTypes(forCPUFlags: ["avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl"])
                == ["SkylakeX", "Haswell", "Zen", "Sandybridge"])
        #expect(BLASKernel.candidateCoreTypes(forCPUFlags: ["avx", "avx2", "fma"]) == ["Haswell", "Zen", "Sandybridge"])
        #expect(BLASKernel.candidateCoreTypes(forCPUFlags: ["sse2"]) == [])
        #expect(BLASKernel.cpuModel(cpuinfo: "processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags\t: avx2\n") == "AMD EPYC 7B13")
    }

    // MARK: The cache file

    /// The issue's AVX2 EPYC measurements: Haswell loses to BLIS at the NT/NN shapes (BLIS
    /// measured alike beside both core types).
    var epyc: KernelTuning {
        func s(_ m: Int, _ n: Int, _ k: Int, _ t: String) -> GemmShape { GemmShape(dims: Substring("\(m)x\(n)x\(k)"), trans: Substring(t))! }
        func r(_ haswell: Double, _ sandybridge: Double?, blis: Double) -> [String: [GemmKernel: Double]] {
            var r = ["Haswell": [GemmKernel.openblas: haswell, .blis: blis]]
            if let sandybridge { r["Sandybridge"] = [.openblas: sandybridge, .blis: blis] }
            return r
        }
        return KernelTuning(
            identity: .init(cpu: "AMD EPYC 7B13 64-Core Processor", flags: ["avx", "avx2", "fma"], openblas: "OpenBLAS 0.3.21", blis: "0.9.0 zen3"),
            measuredAt: "2026-12-01T03:00:00Z", coreTypes: ["Haswell", "Sandybridge"],
            rates: [s(128, 256, 64, "NT"): r(12.8, 19.7, blis: 24.3),
                    s(128, 256, 256, "NT"): r(10.1, 23.0, blis: 34.4),
                    s(128, 256, 256, "NN"): r(10.1, 23.3, blis: 35.6),
                    s(256, 256, 128, "TN"): r(25.2, 24.2, blis: 34.4),
                    s(256, 64, 64, "NT"): r(34.1, 21.4, blis: 24.2),
                    s(64, 64, 256, "TN"): r(30.0, nil, blis: 29.0)])
    }

    /// NIMP_CPU_FLAGS narrows the flags nimp acts on, never widens them.
    @Test func cpuFlagsCanBeNarrowedForMeasurement() {
        let cpuinfo = "processor : 0\nflags\t\t: fpu sse4_2 avx avx2 fma avx512f avx512bw avx512vl\n"
        let all = BLASKernel.cpuFlags(cpuinfo: cpuinfo, environment: [:])
        #expect(BLASKernel.candidateCoreTypes(forCPUFlags: all) == ["SkylakeX", "Haswell", "Zen", "Sandybridge"])
        #expect(XSMM.target(forCPUFlags: all) == nil)
        let avx2 = BLASKernel.cpuFlags(cpuinfo: cpuinfo, environment: ["NIMP_CPU_FLAGS": "sse4_2 avx avx2 fma amx_tile"])
        #expect(avx2 == ["sse4_2", "avx", "avx2", "fma"])
        #expect(BLASKernel.candidateCoreTypes(forCPUFlags: avx2) == ["Haswell", "Zen", "Sandybridge"])
        #expect(BLASKernel.coreType(forCPUFlags: avx2) == "Haswell")
        #expect(XSMM.target(forCPUFlags: avx2) == "hsw")
        #expect(XSMM.target(forCPUFlags: ["sse4_2", "avx"]) == "snb")
    }

    @Test func choiceFromMeasurements() {
        let t = epyc
        // Sandybridge cannot run one shape, so it cannot be the process's core type.
        #expect(t.coreType == "Haswell")
        #expect(t.routes(core: "Haswell").keys.sorted().map(\.description) == ["128x256x64 NT", "128x256x256 NN", "128x256x256 NT", "256x256x128 TN"])
        #expect(Set(t.routes(core: "Haswell").values) == [.blis])
        #expect(t.kernel(for: GemmShape(m: 256, n: 64, k: 64, transA: false, transB: true), core: "Haswell") == .openblas)
        #expect(t.kernel(for: GemmShape(m: 9, n: 9, k: 9, transA: false, transB: true), core: "Haswell") == .openblas)
        #expect(t.best(at: GemmShape(m: 128, n: 256, k: 64, transA: false, transB: true))! == ("blis", 24.3))
        #expect(t.candidates == ["Haswell", "Sandybridge", "blis"])
        // Within 5 %, OpenBLAS keeps the shape.
        let narrow = GemmShape(m: 256, n: 64, k: 64, transA: false, transB: true)
        var close = t
        close.rates[narrow]!["Haswell"]![.blis] = 35.0
        #expect(close.kernel(for: narrow, core: "Haswell") == .openblas)
        // Only the rates of Haswell's own process move a shape off Haswell: BLIS timed faster
        // in Sandybridge's process is the best candidate, but not Haswell's choice.
        var apart = t
        apart.rates[narrow]!["Sandybridge"]![.blis] = 40.0
        #expect(apart.best(at: narrow)! == ("blis", 40.0))
        #expect(apart.kernel(for: narrow, core: "Haswell") == .openblas && apart.kernel(for: narrow, core: "Sandybridge") == .blis)
        #expect(apart.rate(of: "blis", at: narrow, beside: "Haswell") == 24.2)
        // libxsmm beside BLIS: the faster of the two takes a shape, if either beats OpenBLAS by 5 %.
        var three = t
        let nn = GemmShape(m: 128, n: 256, k: 256, transA: false, transB: false), tn = GemmShape(m: 256, n: 256, k: 128, transA: true, transB: false)
        let small = GemmShape(m: 64, n: 64, k: 256, transA: true, transB: false)
        three.rates[nn]!["Haswell"]![.libxsmm] = 40.0
        three.rates[tn]!["Haswell"]![.libxsmm] = 30.0
        three.rates[small]!["Haswell"]![.libxsmm] = 45.0
        #expect(three.kernel(for: nn, core: "Haswell") == .libxsmm)
        #expect(three.kernel(for: tn, core: "Haswell") == .blis)
        #expect(three.kernel(for: small, core: "Haswell") == .libxsmm)
        #expect(three.coreTypes == ["Haswell", "Sandybridge"] && three.candidates == ["Haswell", "Sandybridge", "blis", "libxsmm"])
        #expect(try! KernelTuning.decode(three.encoded(), file: "k.txt") == three)
        #expect(three.encoded().contains("\nshape 64x64x256 TN libxsmm 30.00/29.00/45.00 -\n"))
    }

    /// Core types are compared on one scale: a process that ran on a faster minute of the
    /// machine, with BLIS as fast as OpenBLAS beside it, does not win by that.
    @Test func coreTypesAreComparedWithBLISAsTheYardstick() {
        func s(_ m: Int, _ t: String) -> GemmShape { GemmShape(dims: Substring("\(m)x64x64"), trans: Substring(t))! }
        // Haswell is 1.5× BLIS at the NT shapes, Sandybridge 1.1×; BLIS takes the NN shapes.
        // Sandybridge's process ran 1.4× faster throughout.
        let haswell: [GemmKernel: Double] = [.openblas: 30, .blis: 20], haswellNN: [GemmKernel: Double] = [.openblas: 20, .blis: 40]
        func faster(_ r: [GemmKernel: Double], _ nt: Bool) -> [GemmKernel: Double] {
            [.openblas: r[.openblas]! * 1.4 * (nt ? 1.1 / 1.5 : 1), .blis: r[.blis]! * 1.4]
        }
        let t = KernelTuning(
            identity: epyc.identity, measuredAt: "now", coreTypes: ["Haswell", "Sandybridge"],
            rates: [s(32, "NT"): ["Haswell": haswell, "Sandybridge": faster(haswell, true)],
                    s(64, "NT"): ["Haswell": haswell, "Sandybridge": faster(haswell, true)],
                    s(32, "NN"): ["Haswell": haswellNN, "Sandybridge": faster(haswellNN, false)],
                    s(64, "NN"): ["Haswell": haswellNN, "Sandybridge": faster(haswellNN, false)]])
        // By raw rates Sandybridge would be faster at every shape (30.8 > 30 at NT, BLIS 56 > 40 at NN).
        #expect(t.rate(of: "Sandybridge", at: s(32, "NT"))! > t.rate(of: "Haswell", at: s(32, "NT"))!)
        #expect(t.coreType == "Haswell")
        #expect(t.routes(core: "Haswell") == [s(32, "NN"): .blis, s(64, "NN"): .blis])
    }

    /// Core types whose total times are as close as the noise are told apart by their worst
    /// shape: Zen is 2% faster at the large product, which dominates the total, and half as
    /// fast at the small one.
    @Test func closeCoreTypesAreToldApartByTheirWorstShape() {
        let large = GemmShape(m: 1024, n: 256, k: 256, transA: false, transB: false)
        let small = GemmShape(m: 32, n: 64, k: 10, transA: false, transB: true)
        func tuning(zenLarge: Double) -> KernelTuning {
            KernelTuning(identity: epyc.identity, measuredAt: "now", coreTypes: ["Haswell", "Zen"],
                         rates: [large: ["Haswell": [.openblas: 66, .blis: 60], "Zen": [.openblas: zenLarge, .blis: 60]],
                                 small: ["Haswell": [.openblas: 28, .blis: 6], "Zen": [.openblas: 14, .blis: 6]]])
        }
        #expect(tuning(zenLarge: 67.3).coreType == "Haswell")
        #expect(tuning(zenLarge: 80).coreType == "Zen")
    }

    @Test func cacheTextRoundTrips() throws {
        let text = epyc.encoded()
        #expect(text.contains("\nopenblas_coretype Haswell\n"))
        #expect(text.contains("\ncores Haswell Sandybridge\n"))
        #expect(text.contains("\nshape 128x256x64 NT blis 12.80/24.30/- 19.70/24.30/-\n"))
        #expect(text.contains("\nshape 64x64x256 TN openblas 30.00/29.00/- -\n"))
        #expect(try KernelTuning.decode(text, file: "k.txt") == epyc)
        // A cache written before the alternatives were timed beside each core type: its one
        // BLIS column stands beside both.
        let version1 = """
            nimp-kernels 1
            cpu AMD EPYC 7B13 64-Core Processor
            cpu_flags avx avx2 fma
            openblas OpenBLAS 0.3.21
            blis 0.9.0 zen3
            libxsmm none
            measured 2026-12-01T03:00:00Z
            openblas_coretype Haswell
            candidates Haswell Sandybridge blis
            shape 128x256x64 NT blis 12.80 19.70 24.30
            shape 128x256x256 NT blis 10.10 23.00 34.40
            shape 128x256x256 NN blis 10.10 23.30 35.60
            shape 256x256x128 TN blis 25.20 24.20 34.40
            shape 256x64x64 NT openblas 34.10 21.40 24.20
            shape 64x64x256 TN openblas 30.00 - 29.00

            """
        #expect(try KernelTuning.decode(version1, file: "k.txt") == epyc)
        // A cache written before libxsmm was a candidate reads as measured without it, and so
        // is not this build's (KernelCache.load says why and nimp tune measures again).
        #expect(text.contains("\nlibxsmm none\n"))
        let old = try KernelTuning.decode(text.replacingOccurrences(of: "libxsmm none\n", with: ""), file: "k.txt")
        #expect(old.identity.libxsmm == "none" && old.identity.fileName == epyc.identity.fileName)
        var current = epyc.identity
        current.libxsmm = "1.17 hsw"
        #expect(current.fileName != epyc.identity.fileName)
    }

    @Test func corruptCacheFilesNameTheLine() {
        let good = epyc.encoded()
        func error(_ text: String) -> String {
            do { _ = try KernelTuning.decode(text, file: "k.txt"); return "" } catch { return "\(error)" }
        }
        #expect(error("") .contains("k.txt: expected \"nimp-kernels 2\""))
        #expect(error("nimp-kernels 3\n").contains("k.txt: line 1: expected \"nimp-kernels 2\""))
        #expect(error(good.replacingOccurrences(of: "12.80/", with: "-3/")).contains("rate of Haswell is \"-3\""))
        #expect(error(good.replacingOccurrences(of: "12.80/24.30/-", with: "12.80/x/-")).contains("rate of blis beside Haswell is \"x\""))
        #expect(error(good.replacingOccurrences(of: "12.80/24.30/-", with: "12.80/24.30")).contains("rates of Haswell are \"12.80/24.30\""))
        #expect(error(good.replacingOccurrences(of: " 19.70/24.30/-", with: "")).contains("expected \"shape MxNxK"))
        #expect(error(good.replacingOccurrences(of: "measured ", with: "mesured ")).contains("unknown key \"mesured\""))
        #expect(error(good.replacingOccurrences(of: "\ncpu AMD", with: "\n# cpu AMD")).contains("missing the \"cpu\" line"))
        #expect(error(good.replacingOccurrences(of: "\ncores ", with: "\n# cores ")).contains("a shape line before the \"cores\" line"))
        let line = good.split(separator: "\n").first { $0.hasPrefix("shape 128x256x64") }!
        let dup = error(good + line + "\n")
        #expect(dup.contains("shape 128x256x64 NT appears twice") && dup.contains("line \(good.split(separator: "\n").count + 1)"))
    }

    @Test func cacheLocation() {
        #expect(KernelCache.directory(environment: ["XDG_CACHE_HOME": "/x", "HOME": "/h"]) == "/x/nimp")
        #expect(KernelCache.directory(environment: ["XDG_CACHE_HOME": "relative", "HOME": "/h"]) == "/h/.cache/nimp")
        #expect(KernelCache.directory(environment: [:]) == nil)
        let name = epyc.identity.fileName
        #expect(name.hasPrefix("kernels-amd-epyc-7b13-64-core-processor-") && name.hasSuffix(".txt"))
        var other = epyc.identity
        other.blis = "0.9.1 zen3"
        #expect(other.fileName != name)
    }
}
