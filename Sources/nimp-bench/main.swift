// nimp-bench: nimp's side of the benchmark suite (bench/run runs it beside bench/peers.py).
//
// Each invocation measures one workload and prints one JSON line with wall-clock and CPU
// figures and the process's peak RSS, so every row of the table comes from its own
// process. Not a test: nothing here asserts a time.
//
//   nimp-bench train A|B|C [--epochs 5] [--samples 65536] [--repeat 3]
//   nimp-bench predict-one [--calls 200000]
//   nimp-bench predict-batch [--batch 1024] [--chunk 1024] [--rounds 10000] [--repeat 3]
//   nimp-bench sgemm M N K [--threads 1|2] [--repeat 3]
//   nimp-bench sgemm-b [--repeat 3]        the sgemm calls of one train-B step, alone
//   nimp-bench check                       the running kernel against a naive matmul
//   nimp-bench tune                        `nimp tune` for the workloads' shapes: every candidate's
//                                          rate per shape; writes the kernel cache
//   nimp-bench gemm-shapes                 each shape's rate through nimp's dispatch (the cache's choice)
import Foundation
import NimpCore

if let warning = BLASKernel.prepare() { FileHandle.standardError.write(Data("nimp-bench: \(warning)\n".utf8)) }

// MARK: Arguments

nonisolated(unsafe) var arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String, _ fallback: Int) -> Int {
    guard let i = arguments.firstIndex(of: "--" + name), i + 1 < arguments.count, let v = Int(arguments[i + 1]) else { return fallback }
    arguments.removeSubrange(i...(i + 1))
    return v
}
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("nimp-bench: \(message)\n".utf8))
    exit(64)
}

// MARK: Clocks and memory

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
    return s(usage.ru_utime) + s(usage.ru_stime)
}

func wallSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// Peak resident set of this process, MiB (Linux reports ru_maxrss in KiB).
func peakRSSMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

/// Runs `body` `repeat` times; the best wall and the best CPU time (each the least
/// disturbed by the other processes sharing the machine).
func best(_ repeats: Int, _ body: () -> Void) -> (wall: Double, cpu: Double) {
    var wall = Double.infinity, cpu = Double.infinity
    for _ in 0..<max(1, repeats) {
        let w0 = wallSeconds(), c0 = cpuSeconds()
        body()
        cpu = min(cpu, cpuSeconds() - c0)
        wall = min(wall, wallSeconds() - w0)
    }
    return (wall, cpu)
}

func report(_ fields: [String: Any]) {
    var o = fields
    o["impl"] = "nimp"
    o["kernel"] = BLASKernel.coreName
    o["maxrss_mib"] = (peakRSSMiB() * 10).rounded() / 10
    let data = try! JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

// MARK: Workloads

struct Workload {
    var inputs: Int, hidden: [Int], outputs: Int, task: Task, batch: Int

    static func named(_ name: String) -> Workload {
        switch name {
        case "A": return Workload(inputs: 10, hidden: [64, 64], outputs: 1, task: .regression, batch: 256)
        case "B": return Workload(inputs: 64, hidden: [256, 256], outputs: 10, task: .classification, batch: 128)
        case "C": return Workload(inputs: 10, hidden: [64, 64], outputs: 1, task: .regression, batch: 32)
        default: fail("unknown workload \(name): A, B or C")
        }
    }

    var widths: [Int] { [inputs] + hidden + [outputs] }

    /// Multiply-add FLOPs of one sample's sgemm work in a training step: forward, the
    /// weight gradients, and the input gradients of every layer but the first.
    var trainFLOPsPerSample: Int {
        var f = 0
        for l in 0..<(widths.count - 1) {
            let w = 2 * widths[l] * widths[l + 1]
            f += l == 0 ? 2 * w : 3 * w
        }
        return f
    }

    func model(seed: UInt64) -> Model {
        var rng = RNG(seed: seed)
        let names = (0..<outputs).map { task == .regression ? "y\($0)" : "class\($0)" }
        return Model.initialized(task: task, inputs: inputs, hidden: hidden, outputs: outputs, activation: .relu,
                                 normalizer: .identity(features: inputs), featureNames: (0..<inputs).map { "x\($0)" },
                                 targetNames: names, rng: &rng)
    }

    func data(samples: Int, seed: UInt64) -> (Matrix, TrainingTargets) {
        var rng = RNG(seed: seed &+ 1)
        var x = Matrix(rows: samples, cols: inputs)
        for i in 0..<x.data.count { x.data[i] = rng.normal() }
        switch task {
        case .regression:
            var y = Matrix(rows: samples, cols: outputs)
            for i in 0..<y.data.count { y.data[i] = rng.normal() }
            return (x, .values(y))
        case .classification:
            return (x, .classes((0..<samples).map { _ in Int32(rng.int(below: outputs)) }))
        }
    }
}

func train(_ name: String) {
    let w = Workload.named(name)
    let epochs = option("epochs", 5), samples = option("samples", 65_536), repeats = option("repeat", 3)
    let model = w.model(seed: 1)
    let (x, targets) = w.data(samples: samples, seed: 1)
    func run(_ epochs: Int) {
        let config = TrainConfig(epochs: epochs, batchSize: w.batch, learningRate: 1e-3, optimizer: .adam, seed: 1)
        do { _ = try Trainer(config: config).fit(model, x: x, targets: targets, validation: nil) { _ in } } catch {
            fail("training failed: \(error)")
        }
    }
    run(1)  // warm-up: page in, settle BLAS threads
    let t = best(repeats) { run(epochs) }
    let n = Double(samples * epochs)
    report(["workload": "train \(name)", "epochs": epochs, "samples": samples, "batch": w.batch,
            "wall_per_s": n / t.wall, "cpu_per_s": n / t.cpu,
            "gflops_cpu": n * Double(w.trainFLOPsPerSample) / t.cpu / 1e9,
            "gflops_wall": n * Double(w.trainFLOPsPerSample) / t.wall / 1e9])
}

func predictOne() {
    let calls = option("calls", 200_000)
    let model = Workload.named("A").model(seed: 1)
    let predictor = model.makePredictor()
    var rng = RNG(seed: 3)
    let rows = 1024
    let x = (0..<(rows * model.inputs)).map { _ in rng.normal() }
    var out = [Float](repeating: 0, count: model.outputs)
    var times = [Double](repeating: 0, count: calls)
    var sink: Float = 0
    let c0 = cpuSeconds(), w0 = wallSeconds()
    x.withUnsafeBufferPointer { xp in
        out.withUnsafeMutableBufferPointer { op in
            for i in 0..<(calls + 10_000) {
                let r = i % rows
                let input = UnsafeBufferPointer(rebasing: xp[(r * model.inputs)..<((r + 1) * model.inputs)])
                let s = DispatchTime.now().uptimeNanoseconds
                predictor.predict(input, into: op)
                let e = DispatchTime.now().uptimeNanoseconds
                sink += op[0]
                if i >= 10_000 { times[i - 10_000] = Double(e - s) / 1000 }
            }
        }
    }
    let cpu = cpuSeconds() - c0, wall = wallSeconds() - w0
    // A tight loop without per-call clock reads: the mean cost of a call.
    let loops = calls
    let l0 = wallSeconds(), lc0 = cpuSeconds()
    x.withUnsafeBufferPointer { xp in
        out.withUnsafeMutableBufferPointer { op in
            for i in 0..<loops {
                let r = i % rows
                predictor.predict(UnsafeBufferPointer(rebasing: xp[(r * model.inputs)..<((r + 1) * model.inputs)]), into: op)
                sink += op[0]
            }
        }
    }
    let loopWall = wallSeconds() - l0, loopCPU = cpuSeconds() - lc0
    times.sort()
    report(["workload": "predict A one", "calls": calls, "p50_us": times[calls / 2], "p99_us": times[calls * 99 / 100],
            "mean_wall_us": loopWall / Double(loops) * 1e6, "mean_cpu_us": loopCPU / Double(loops) * 1e6,
            "timed_loop_cpu_s": cpu, "timed_loop_wall_s": wall])
    if sink.isNaN { FileHandle.standardError.write(Data("nan output\n".utf8)) }
}

func predictBatch() {
    let batch = option("batch", 1024), repeats = option("repeat", 3), rounds = option("rounds", 10000)
    let chunk = option("chunk", Model.predictChunk)
    let model = Workload.named("A").model(seed: 1)
    let predictor = BatchPredictor(model, maxBatch: min(batch, chunk))  // rows per pass, as Model.predict chunks
    var rng = RNG(seed: 3)
    let x = (0..<(batch * model.inputs)).map { _ in rng.normal() }
    var out = [Float](repeating: 0, count: batch * model.outputs)
    x.withUnsafeBufferPointer { xp in
        out.withUnsafeMutableBufferPointer { op in
            for _ in 0..<100 { predictor.predict(xp, rows: batch, into: op) }
            let t = best(repeats) {
                for _ in 0..<rounds { predictor.predict(xp, rows: batch, into: op) }
            }
            let n = Double(batch * rounds)
            report(["workload": "predict A batch \(batch)", "wall_per_s": n / t.wall, "cpu_per_s": n / t.cpu])
        }
    }
}

/// OpenBLAS's `cblas_sgemm` C = A·B at the given shape with a fixed thread count.
func sgemm() {
    let threads = option("threads", 1), repeats = option("repeat", 3)
    guard arguments.count >= 4, let m = Int(arguments[1]), let n = Int(arguments[2]), let k = Int(arguments[3]) else {
        fail("usage: nimp-bench sgemm M N K [--threads T]")
    }
    var rng = RNG(seed: 5)
    let a = (0..<(m * k)).map { _ in rng.normal() }, b = (0..<(k * n)).map { _ in rng.normal() }
    var c = [Float](repeating: 0, count: m * n)
    let flops = 2.0 * Double(m) * Double(n) * Double(k)
    let calls = max(1, Int(2e10 / flops))  // about 20 GFLOP per timed run
    a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            c.withUnsafeMutableBufferPointer { pc in
                func call() {
                    BLAS.openblasGemm(threads: threads, transA: false, transB: false, m: m, n: n, k: k, alpha: 1,
                                      a: pa.baseAddress!, lda: k, b: pb.baseAddress!, ldb: n, beta: 0, c: pc.baseAddress!, ldc: n)
                }
                call()
                let t = best(repeats) { for _ in 0..<calls { call() } }
                report(["workload": "sgemm \(m)x\(n)x\(k)", "threads": threads,
                        "gflops_wall": flops * Double(calls) / t.wall / 1e9, "gflops_cpu": flops * Double(calls) / t.cpu / 1e9])
            }
        }
    }
}

/// The sgemm calls of one training step of workload B (batch 128, widths 64-256-256-10),
/// exactly as `Network.forward`/`backward` issue them, through `BLAS.gemm` (so with the
/// thread count nimp picks), with nothing else: what "sgemm does at B's shapes".
func sgemmB() {
    let repeats = option("repeat", 3), steps = option("steps", 4000)
    let w = Workload.named("B")
    let widths = w.widths, rows = w.batch
    var rng = RNG(seed: 7)
    func buffer(_ n: Int) -> UnsafeMutablePointer<Float> {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
        for i in 0..<n { p[i] = rng.normal() * 0.1 }
        return p
    }
    let weights = (0..<(widths.count - 1)).map { buffer(widths[$0] * widths[$0 + 1]) }
    let grads = (0..<(widths.count - 1)).map { buffer(widths[$0] * widths[$0 + 1]) }
    let acts = widths.map { buffer(rows * $0) }  // acts[0] is the input batch
    let widest = widths.max()!
    let d0 = buffer(rows * widest), d1 = buffer(rows * widest)
    func step() {
        for l in 0..<(widths.count - 1) {
            BLAS.gemm(transA: false, transB: true, m: rows, n: widths[l + 1], k: widths[l], alpha: 1, a: acts[l], lda: widths[l],
                      b: weights[l], ldb: widths[l], beta: 0, c: acts[l + 1], ldc: widths[l + 1])
        }
        var d = d0, spare = d1
        for l in stride(from: widths.count - 2, through: 0, by: -1) {
            BLAS.gemm(transA: true, transB: false, m: widths[l + 1], n: widths[l], k: rows, alpha: 1, a: d, lda: widths[l + 1],
                      b: acts[l], ldb: widths[l], beta: 0, c: grads[l], ldc: widths[l])
            if l > 0 {
                BLAS.gemm(transA: false, transB: false, m: rows, n: widths[l], k: widths[l + 1], alpha: 1, a: d, lda: widths[l + 1],
                          b: weights[l], ldb: widths[l], beta: 0, c: spare, ldc: widths[l])
                swap(&d, &spare)
            }
        }
    }
    for _ in 0..<200 { step() }
    let t = best(repeats) { for _ in 0..<steps { step() } }
    let flops = Double(w.trainFLOPsPerSample * rows * steps)
    report(["workload": "sgemm at B's shapes", "gflops_wall": flops / t.wall / 1e9, "gflops_cpu": flops / t.cpu / 1e9,
            "samples_per_s_cpu": Double(rows * steps) / t.cpu])
}

/// The running kernel's sgemm against the naive triple loop, at B's shapes and a ragged one.
func check() {
    var rng = RNG(seed: 9)
    var worst: Float = 0
    for (m, n, k) in [(128, 256, 64), (256, 256, 128), (33, 17, 70), (300, 300, 300)] {
        for transA in [false, true] {
            for transB in [false, true] {
                let a = (0..<(m * k)).map { _ in rng.normal() }, b = (0..<(k * n)).map { _ in rng.normal() }
                var c = [Float](repeating: 0, count: m * n), r = c
                let lda = transA ? m : k, ldb = transB ? k : n
                a.withUnsafeBufferPointer { pa in
                    b.withUnsafeBufferPointer { pb in
                        c.withUnsafeMutableBufferPointer { pc in
                            BLAS.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1, a: pa.baseAddress!, lda: lda,
                                      b: pb.baseAddress!, ldb: ldb, beta: 0, c: pc.baseAddress!, ldc: n)
                        }
                        r.withUnsafeMutableBufferPointer { pr in
                            BLAS.naiveGemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1, a: pa.baseAddress!, lda: lda,
                                           b: pb.baseAddress!, ldb: ldb, beta: 0, c: pr.baseAddress!, ldc: n)
                        }
                    }
                }
                for i in 0..<c.count { worst = max(worst, abs(c[i] - r[i]) / max(1, abs(r[i]))) }
            }
        }
    }
    report(["workload": "check", "worst_relative_error": Double(worst), "ok": worst < 1e-4,
            "config": BLASKernel.configuration, "choice": BLASKernel.choiceDescription])
    if worst >= 1e-4 { exit(1) }
}

/// `nimp tune` at the workloads' shapes (`GemmShape.reference`): one line per shape with
/// every candidate's rate, and the kernel cache written for the processes after this one.
func tune() {
    let shapes = GemmShape.reference
    let tuning: KernelTuning
    do {
        tuning = try KernelTuner.tune(shapes: shapes, childArguments: ["tune-measure"]) {
            FileHandle.standardError.write(Data("nimp-bench: \($0)\n".utf8))
        }
        guard let path = KernelCache.path() else { fail("neither XDG_CACHE_HOME nor HOME is set") }
        try KernelCache.store(tuning, path: path)
    } catch { fail("tune: \(error)") }
    for shape in shapes {
        let best = tuning.best(at: shape)
        report(["workload": "gemm candidates", "shape": shape.description, "rates": Dictionary(uniqueKeysWithValues: tuning.candidates.compactMap { c in tuning.rate(of: c, at: shape).map { (c, $0) } }),
                "best": best?.candidate ?? "-", "best_gflops": best?.rate ?? 0, "coretype": tuning.coreType ?? "-"])
    }
}

/// Each workload shape through `BLAS.gemm` as nimp runs it (the cache's choice applied),
/// taking turns with every candidate this process can run: its OpenBLAS core type, BLIS
/// and libxsmm (`beside`, named as `tune` names them).
func gemmShapes() {
    let core = BLASKernel.coreName
    func candidates(_ shape: GemmShape) -> [GemmKernel] {
        [.openblas] + (BLAS.blisAvailable ? [.blis] : []) + (XSMM.supports(shape) ? [.libxsmm] : [])
    }
    let rates = KernelTuner.measure(GemmShape.reference) { [nil] + candidates($0) }
    for shape in GemmShape.reference {
        let kernel = BLASKernel.kernel(for: shape)
        var beside: [String: Double] = [:]
        for (i, candidate) in candidates(shape).enumerated() {
            beside[candidate == .openblas ? core : candidate.rawValue] = rates[shape]![i + 1]
        }
        report(["workload": "gemm shape", "shape": shape.description, "gflops": rates[shape]![0], "beside": beside,
                "uses": kernel == .openblas ? core : kernel.rawValue])
    }
}

switch arguments.first {
case "train":
    guard arguments.count >= 2 else { fail("usage: nimp-bench train A|B|C") }
    train(arguments[1])
case "predict-one": predictOne()
case "predict-batch": predictBatch()
case "sgemm": sgemm()
case "sgemm-b": sgemmB()
case "check": check()
case "tune": tune()
case "tune-measure":
    do { print(try KernelTuner.childReport(shapeArguments: Array(arguments.dropFirst())), terminator: "") } catch { fail("\(error)") }
case "gemm-shapes": gemmShapes()
default: fail("usage: nimp-bench train A|B|C | predict-one | predict-batch | sgemm M N K | sgemm-b | check | tune | gemm-shapes")
}
