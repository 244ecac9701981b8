import CBLAS
import Foundation

/// `nimp tune`: times nimp's GEMM shapes on every candidate kernel. An OpenBLAS core type
/// is fixed per process, so each runs in a child process (this executable again, with
/// `OPENBLAS_CORETYPE` set, told to measure), which times BLIS and libxsmm beside it.
public enum KernelTuner {
    /// Rates of several kernels at each shape in this process, GFLOP/s: for each, the best
    /// of 15 timed runs of about 1 ms (short runs, so that some escape preemption on a
    /// shared machine), through `BLAS.gemm(using:)` (so with its thread rule), or through
    /// `BLAS.gemm`'s dispatch for a nil kernel. Their runs take turns on the same buffers,
    /// so that a slower minute of a shared machine slows them all alike. One-thread
    /// products are timed in CPU time of the calling thread, which other processes disturb
    /// far less than wall-clock time; two-thread products in wall-clock time.
    public static func measure(_ shapes: [GemmShape], kernels: (GemmShape) -> [GemmKernel?]) -> [GemmShape: [Double]] {
        var rates: [GemmShape: [Double]] = [:]
        var rng = RNG(seed: 18)
        for shape in shapes {
            let (m, n, k) = (shape.m, shape.n, shape.k)
            // Cache-line aligned, as `Network`'s buffers are: with malloc's 16 bytes each
            // measurement of a small shape would depend on where the heap put the arrays.
            let a = randomFloats(m * k, &rng), b = randomFloats(k * n, &rng), c = randomFloats(m * n, &rng)
            defer { a.deallocate(); b.deallocate(); c.deallocate() }
            let lda = shape.transA ? m : k, ldb = shape.transB ? k : n
            func call(_ kernel: GemmKernel?) {
                if let kernel {
                    BLAS.gemm(using: kernel, transA: shape.transA, transB: shape.transB, m: m, n: n, k: k, alpha: 1,
                              a: a, lda: lda, b: b, ldb: ldb, beta: 0, c: c, ldc: n)
                } else {
                    BLAS.gemm(transA: shape.transA, transB: shape.transB, m: m, n: n, k: k, alpha: 1,
                              a: a, lda: lda, b: b, ldb: ldb, beta: 0, c: c, ldc: n)
                }
            }
            let clock = m * n * k >= BLAS.twoThreadWork ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID
            let compared = kernels(shape)
            let calls = compared.map { kernel in
                call(kernel); call(kernel)
                let once = max(1e-7, seconds(clock) { call(kernel) })
                return max(1, min(100_000, Int(0.001 / once)))
            }
            var best = [Double](repeating: .infinity, count: compared.count)
            for _ in 0..<15 {
                for (i, kernel) in compared.enumerated() {
                    best[i] = min(best[i], seconds(clock) { for _ in 0..<calls[i] { call(kernel) } })
                }
            }
            rates[shape] = best.indices.map { shape.flops * Double(calls[$0]) / best[$0] / 1e9 }
        }
        return rates
    }

    private static func randomFloats(_ count: Int, _ rng: inout RNG) -> UnsafeMutablePointer<Float> {
        let p = alignedFloats(count)
        for i in 0..<count { p[i] = rng.normal() }
        return p
    }

    private static func seconds(_ clock: clockid_t, _ body: () -> Void) -> Double {
        var t0 = timespec(), t1 = timespec()
        clock_gettime(clock, &t0)
        body()
        clock_gettime(clock, &t1)
        return Double(t1.tv_sec - t0.tv_sec) + Double(t1.tv_nsec - t0.tv_nsec) * 1e-9
    }

    /// The kernels a core type's process times at `shape`: OpenBLAS, BLIS when its library
    /// loads, libxsmm where it generates a kernel (single-threaded, and none for a
    /// transposed B).
    static func kernelsMeasured(at shape: GemmShape) -> [GemmKernel] {
        [.openblas] + (BLAS.blisAvailable ? [.blis] : [])
            + (shape.m * shape.n * shape.k < BLAS.twoThreadWork && XSMM.supports(shape) ? [.libxsmm] : [])
    }

    /// A child's whole output: `core NAME`, then `MxNxK TT OPENBLAS BLIS LIBXSMM` per shape
    /// (GFLOP/s, `-` where a kernel was not timed), the three taking turns.
    public static func childReport(shapeArguments: [String]) throws -> String {
        var shapes: [GemmShape] = []
        for argument in shapeArguments {
            let words = argument.split(separator: " ")
            guard words.count == 2, let shape = GemmShape(dims: words[0], trans: words[1]) else {
                throw NimpError.usage("kernel measurement: \(String(reflecting: argument)) is not a shape like \"128x256x64 NT\"")
            }
            shapes.append(shape)
        }
        let rates = measure(shapes) { kernelsMeasured(at: $0) }
        var lines = ["core \(BLASKernel.coreName)"]
        for shape in shapes {
            let measured = Dictionary(uniqueKeysWithValues: zip(kernelsMeasured(at: shape), rates[shape]!))
            let columns = ([GemmKernel.openblas] + GemmKernel.alternatives).map { measured[$0].map { "\($0)" } ?? "-" }
            lines.append(([shape.description] + columns).joined(separator: " "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Measures every candidate at `shapes` and returns the tuning: each OpenBLAS core type
    /// in its own process, BLIS and libxsmm timed in each of those beside it. `childArguments`
    /// make this executable print `childReport` for the shapes appended to them; `note` hears
    /// about candidates that could not run.
    public static func tune(shapes: [GemmShape], childArguments: [String], note: (String) -> Void = { _ in }) throws -> KernelTuning {
        let shapes = Array(Set(shapes)).sorted()
        var rates: [GemmShape: [String: [GemmKernel: Double]]] = Dictionary(uniqueKeysWithValues: shapes.map { ($0, [:]) })
        var coreTypes: [String] = []
        if !BLAS.blisAvailable {
            note("BLIS not measured: libblis.so.4 cannot be opened (Debian: apt-get install libblis4)")
        }
        if !shapes.contains(where: { kernelsMeasured(at: $0).contains(.libxsmm) }) {
            note("libxsmm not measured: it generates no kernel for these shapes on this CPU")
        }
        for core in BLASKernel.candidateCoreTypes(forCPUFlags: BLASKernel.cpuFlags()) {
            do {
                let measured = try runChild(core: core, shapes: shapes, arguments: childArguments)
                coreTypes.append(core)
                for (shape, kernels) in measured { rates[shape]?[core] = kernels }
            } catch let error as NimpError {
                note("OpenBLAS \(core) not measured: \(error.message)")
            }
        }
        guard !coreTypes.isEmpty else {
            throw NimpError(.unavailable, "no OpenBLAS core type could be measured on this CPU",
                            hint: "nimp keeps OpenBLAS's own choice; the kernel cache was not written")
        }
        return KernelTuning(identity: .current, measuredAt: ISO8601DateFormatter().string(from: Date()),
                            coreTypes: coreTypes, rates: rates)
    }

    private static func runChild(core: String, shapes: [GemmShape], arguments: [String]) throws -> [GemmShape: [GemmKernel: Double]] {
        let process = Process()
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "/proc/self/exe"
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments + shapes.map(\.description)
        var environment = ProcessInfo.processInfo.environment
        environment[BLASKernel.environmentKey] = core
        environment[BLASKernel.chosenKey] = core
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { throw NimpError(.unavailable, "cannot start a measuring process: \(error.localizedDescription)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw NimpError(.unavailable, process.terminationReason == .uncaughtSignal
                ? "the measuring process died of signal \(process.terminationStatus)"
                : "the measuring process exited with status \(process.terminationStatus)")
        }
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        guard let first = lines.first, first.hasPrefix("core ") else { throw NimpError(.unavailable, "the measuring process printed no core type") }
        let running = first.dropFirst(5)
        guard running.lowercased() == core.lowercased() else {
            throw NimpError(.unavailable, "OpenBLAS ran \(running) when asked for \(core)")
        }
        lines.removeFirst()
        var result: [GemmShape: [GemmKernel: Double]] = [:]
        for line in lines {
            let words = line.split(separator: " ")
            let kernels = [GemmKernel.openblas] + GemmKernel.alternatives
            var entry: [GemmKernel: Double] = [:]
            if words.count == 2 + kernels.count {
                for (kernel, word) in zip(kernels, words.dropFirst(2)) where word != "-" {
                    if let rate = Double(word), rate > 0, rate.isFinite { entry[kernel] = rate }
                }
            }
            guard entry[.openblas] != nil, words.dropFirst(2).filter({ $0 != "-" }).count == entry.count,
                  let shape = GemmShape(dims: words[0], trans: words[1]) else {
                throw NimpError(.unavailable, "the measuring process printed \(String(reflecting: String(line)))")
            }
            result[shape] = entry
        }
        guard Set(result.keys) == Set(shapes) else { throw NimpError(.unavailable, "the measuring process left shapes out") }
        return result
    }
}
