import Foundation
import NimpCore
import NimpIO
import NimpTestSupport
import Testing

/// `nimp tune` end to end: the cache file, what `--version`, `evaluate` and the manifest
/// report, and a corrupt cache.
@Suite(.serialized)
final class TuneTests {
    let scratch: TemporaryDirectory
    /// Every run gets its own cache directory, never the user's.
    let env: [String: String]

    init() throws {
        scratch = try TemporaryDirectory("tune")
        env = ["XDG_CACHE_HOME": scratch.path("cache")]
    }

    /// nimp without the test's own OPENBLAS_CORETYPE, which would stop nimp choosing.
    func run(_ args: [String]) -> ProcessResult {
        runProcess("/usr/bin/env", ["-u", "OPENBLAS_CORETYPE", "-u", "NIMP_OPENBLAS_CHOSEN", nimpBinary.path] + args, env: env)
    }

    var cachePath: String { KernelCache.path(environment: env)! }

    static let canMeasure = !BLASKernel.candidateCoreTypes(forCPUFlags: BLASKernel.cpuFlags()).isEmpty

    @Test(.enabled(if: canMeasure, "needs a CPU with AVX for an OpenBLAS core type to measure"))
    func tuneWritesTheCacheAndEveryCommandReportsIt() throws {
        #expect(run(["gen-data", "--generator", "signal/growth", "--samples", "300", "--seed", "1", "-o", scratch.path("d.safetensors"), "-q"]).status == 0)
        let before = run(["--version"])
        #expect(before.stdout.contains("Kernel cache: none (run nimp tune)"), "\(before.stdout)")

        let tuned = run(["tune", "--batch-size", "16", scratch.path("missing.nimp")])
        #expect(tuned.status == 66, "\(tuned.stderr)")
        #expect(run(["train", "--data", scratch.path("d.safetensors"), "--hidden", "12", "--epochs", "1", "--batch-size", "16",
                     "-o", scratch.path("m.nimp"), "-q", "--metrics", "/dev/null"]).status == 0)
        let tune = run(["tune", scratch.path("m.nimp"), "--batch-size", "16"])
        #expect(tune.status == 0, "\(tune.stderr)")
        #expect(tune.stdout.contains("16x12x10 NT") && tune.stdout.contains("OpenBLAS core type:"), "\(tune.stdout)")
        #expect(tune.stderr.contains("wrote \(cachePath)"), "\(tune.stderr)")
        let text = try String(contentsOfFile: cachePath, encoding: .utf8)
        let tuning = try KernelTuning.decode(text, file: cachePath)
        #expect(tuning.rates.keys.contains(GemmShape(m: 12, n: 10, k: 16, transA: true, transB: false)))
        // The core types, then BLIS (when libblis4 is installed, as in CI) and libxsmm, which
        // has kernels for this model's NN and TN shapes.
        #expect(tuning.candidates.suffix(2) == ["blis", "libxsmm"] && tuning.candidates.count >= 3, "\(tuning.candidates)")
        // BLIS and libxsmm are timed beside every core type, in its process.
        let tn = GemmShape(m: 12, n: 10, k: 16, transA: true, transB: false), nt = GemmShape(m: 16, n: 12, k: 10, transA: false, transB: true)
        #expect(tuning.coreTypes.allSatisfy { tuning.rates[tn]?[$0]?[.libxsmm] != nil && tuning.rates[tn]?[$0]?[.blis] != nil })
        #expect(tuning.rate(of: "libxsmm", at: nt) == nil && tuning.rate(of: "blis", at: nt) != nil)

        let version = run(["--version"])
        #expect(version.stdout.contains("Kernel cache: \(cachePath)"), "\(version.stdout)")
        #expect(version.stdout.contains("OpenBLAS kernel: \(tuning.coreType!) (measured by nimp tune)"), "\(version.stdout)")
        #expect(version.stderr.isEmpty, "\(version.stderr)")
        #expect(version.stdout.contains("\nlibxsmm 1.17 "), "\(version.stdout)")

        // Training records the kernels in the manifest; evaluate reports them.
        #expect(run(["train", "--data", scratch.path("d.safetensors"), "--hidden", "12", "--epochs", "1", "--batch-size", "16",
                     "-o", scratch.path("m2.nimp"), "-q", "--metrics", "/dev/null"]).status == 0)
        let lineage = try ModelArchive.read(path: scratch.path("m2.nimp")).manifest.lineage
        #expect(lineage.kernels?.hasPrefix("OpenBLAS \(tuning.coreType!)") == true, "\(String(describing: lineage.kernels))")
        let evaluate = run(["evaluate", scratch.path("m2.nimp"), "--data", scratch.path("d.safetensors"), "--latency-samples", "20"])
        let report = try JSONSerialization.jsonObject(with: Data(evaluate.stdout.utf8)) as? [String: Any]
        #expect((report?["kernels"] as? String)?.hasPrefix("OpenBLAS ") == true, "\(evaluate.stdout)")

        // A second tune keeps the shapes measured before.
        let again = run(["tune", scratch.path("m.nimp"), "--batch-size", "8"])
        #expect(again.status == 0, "\(again.stderr)")
        let merged = try KernelTuning.decode(String(contentsOfFile: cachePath, encoding: .utf8), file: cachePath)
        #expect(merged.rates.keys.contains(GemmShape(m: 16, n: 12, k: 10, transA: false, transB: true)))
        #expect(merged.rates.keys.contains(GemmShape(m: 8, n: 12, k: 10, transA: false, transB: true)))
    }

    /// NIMP_CPU_FLAGS: nimp acts as on a CPU with only those flags, libxsmm included.
    @Test(.enabled(if: BLASKernel.cpuFlags().isSuperset(of: ["avx", "avx2", "fma"]), "needs a CPU with AVX2 and FMA"))
    func narrowedFlagsChooseKernelsForThem() {
        let version = runProcess("/usr/bin/env", ["-u", "OPENBLAS_CORETYPE", "-u", "NIMP_OPENBLAS_CHOSEN", "-u", "LIBXSMM_TARGET",
                                                  nimpBinary.path, "--version"],
                                 env: env.merging(["NIMP_CPU_FLAGS": "avx avx2 fma"]) { $1 })
        #expect(version.status == 0)
        #expect(version.stdout.contains("OpenBLAS kernel: Haswell (chosen by nimp from CPU flags"), "\(version.stdout)")
        #expect(version.stdout.contains("\nlibxsmm 1.17 hsw\n"), "\(version.stdout)")
    }

    /// OpenBLAS's version is known only once it has loaded, with the core type the cache
    /// chose, so a cache measured with another OpenBLAS still chooses, with one warning when
    /// OpenBLAS loads; a command that multiplies nothing never loads it.
    @Test(.enabled(if: canMeasure, "needs a CPU with AVX for an OpenBLAS core type to measure"))
    func cacheOfAnotherOpenBLASChoosesAndWarnsWhenOpenBLASLoads() throws {
        let core = BLASKernel.candidateCoreTypes(forCPUFlags: BLASKernel.cpuFlags()).last!  // never the flags' choice
        var identity = KernelTuning.Identity.current
        identity.openblas = "OpenBLAS 0.2.20 DYNAMIC_ARCH"
        let shape = GemmShape(m: 16, n: 12, k: 10, transA: false, transB: true)
        let tuning = KernelTuning(identity: identity, measuredAt: "2026-12-01T00:00:00Z", coreTypes: [core],
                                  rates: [shape: [core: [.openblas: 10, .blis: 20]]])
        try FileManager.default.createDirectory(atPath: (cachePath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try tuning.encoded().write(toFile: cachePath, atomically: true, encoding: .utf8)

        let version = run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.contains("OpenBLAS kernel: \(core) (measured by nimp tune)"), "\(version.stdout)")
        #expect(version.stdout.contains("Kernel cache: \(cachePath)"), "\(version.stdout)")
        let warnings = version.stderr.split(separator: "\n").filter { $0.contains("warning:") }
        #expect(warnings.count == 1 && warnings[0].contains("kernel cache \(cachePath) was measured with OpenBLAS 0.2.20 DYNAMIC_ARCH; this is OpenBLAS "),
                "\(version.stderr)")
        let data = run(["gen-data", "--generator", "signal/growth", "--samples", "10", "-o", scratch.path("g.csv"), "-q"])
        #expect(data.status == 0 && data.stderr.isEmpty, "\(data.stderr)")
    }

    @Test func corruptCacheIsIgnoredWithAWarning() throws {
        try FileManager.default.createDirectory(atPath: (cachePath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try "nimp-kernels 2\ncpu x\nshape 1x1x1 NT blis 3/4/-\n".write(toFile: cachePath, atomically: true, encoding: .utf8)
        let version = run(["--version"])
        #expect(version.status == 0)
        #expect(version.stderr.contains("warning: kernel cache not used: \(cachePath): line 3: a shape line before the \"cores\" line"),
                "\(version.stderr)")
        #expect(version.stderr.contains("run `nimp tune`"))
        #expect(version.stdout.contains("Kernel cache: none"), "\(version.stdout)")
        // A cache written for other libraries is not used either.
        var other = try KernelTuning.decode("nimp-kernels 2\ncpu x\nopenblas o\nblis b\nmeasured now\ncores Haswell\n", file: "x")
        other.identity.cpu = "Another CPU"
        try other.encoded().write(toFile: cachePath, atomically: true, encoding: .utf8)
        let stale = run(["--version"])
        #expect(stale.stderr.contains("measured for Another CPU"), "\(stale.stderr)")
    }
}
