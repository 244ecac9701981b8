import CBLAS
import Foundation
import Synchronization

/// Choosing OpenBLAS's kernel. Debian's OpenBLAS 0.3.21 does not recognise recent CPUs
/// and falls back to its generic kernel (about 5x slower, measured here), and the kernel
/// the flags suggest is not the fastest at nimp's shapes on every CPU (issue 18), so
/// `nimp tune` measures the candidates (`KernelTuner`). The kernel is fixed when the
/// library loads, so the executable re-runs itself once with `OPENBLAS_CORETYPE` set; a
/// value the user set is never overridden.
public enum BLASKernel {
    public static let environmentKey = "OPENBLAS_CORETYPE"
    /// Set on the re-executed process so it never loops, and to report the choice.
    public static let chosenKey = "NIMP_OPENBLAS_CHOSEN"

    /// The OpenBLAS core type for a CPU with these /proc/cpuinfo flags, or nil to leave
    /// OpenBLAS's own detection alone.
    public static func coreType(forCPUFlags flags: Set<Substring>) -> String? {
        if flags.contains("avx512f") && flags.contains("avx512bw") && flags.contains("avx512vl") { return "SkylakeX" }
        if flags.contains("avx2") && flags.contains("fma") { return "Haswell" }
        return nil
    }

    /// Restricts the CPU flags nimp acts on, to measure what it does on a smaller CPU.
    public static let flagsKey = "NIMP_CPU_FLAGS"

    /// The flags line of /proc/cpuinfo, empty where it cannot be read; with
    /// `NIMP_CPU_FLAGS` set, only those of its flags that the variable names (a flag the
    /// CPU lacks would choose kernels that stop on an illegal instruction).
    public static func cpuFlags(cpuinfo: String? = nil,
                                environment: [String: String] = ProcessInfo.processInfo.environment) -> Set<Substring> {
        let text = cpuinfo ?? ((try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")
        var flags: Set<Substring> = []
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            flags = Set(line[line.index(after: colon)...].split(separator: " "))
            break
        }
        if let only = environment[flagsKey] { flags.formIntersection(only.split(separator: " ")) }
        return flags
    }

    /// This process's `cpuFlags()`, read once.
    public static let processCPUFlags = cpuFlags()

    /// The OpenBLAS core types `nimp tune` measures on a CPU with these flags: those whose
    /// instructions it has (a core type the CPU lacks would stop on an illegal instruction).
    /// Spelled as `openblas_get_corename` reports them.
    public static func candidateCoreTypes(forCPUFlags flags: Set<Substring>) -> [String] {
        var types: [String] = []
        if flags.contains("avx512f") && flags.contains("avx512bw") && flags.contains("avx512vl") { types.append("SkylakeX") }
        if flags.contains("avx2") && flags.contains("fma") { types += ["Haswell", "Zen"] }
        if flags.contains("avx") { types.append("Sandybridge") }
        return types
    }

    /// The `model name` line of /proc/cpuinfo.
    public static func cpuModel(cpuinfo: String? = nil) -> String {
        let text = cpuinfo ?? ((try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return "unknown CPU"
    }

    /// The environment value to re-execute with, or nil when nothing should change: the
    /// measured core type when the kernel cache has one, else the one the flags suggest.
    public static func valueToSet(environment: [String: String], cpuFlags: Set<Substring>, tuned: String? = nil) -> String? {
        if environment[environmentKey] != nil || environment[chosenKey] != nil { return nil }
        return tuned ?? coreType(forCPUFlags: cpuFlags)
    }

    /// Sets up the kernels before anything else runs: with `NIMP_CPU_FLAGS`, makes libxsmm
    /// generate code for those flags too; re-executes the program once with the
    /// OpenBLAS core type chosen (from the kernel cache, else from the CPU flags), then, in
    /// the process that stays, sends to BLIS or libxsmm the shapes the cache measured faster there.
    /// Returns a warning when the cache could not be used (the flag-based choice applies).
    /// If exec fails the program carries on with OpenBLAS's own choice.
    @discardableResult
    public static func prepare() -> String? {
        let environment = ProcessInfo.processInfo.environment
        if environment[flagsKey] != nil, environment[XSMM.targetKey] == nil, let target = XSMM.target(forCPUFlags: cpuFlags()) {
            setenv(XSMM.targetKey, target, 1)
        }
        let lookup = KernelCache.load(environment: environment)
        var tuned: String?
        if case .found(let tuning, _) = lookup { tuned = tuning.coreType }
        if let core = valueToSet(environment: environment, cpuFlags: cpuFlags(), tuned: tuned) {
            setenv(environmentKey, core, 1)
            setenv(chosenKey, core, 1)
            execv("/proc/self/exe", CommandLine.unsafeArgv)
        }
        return apply(lookup)
    }

    /// Applies a cache lookup to this process, whose OpenBLAS core type is already fixed;
    /// returns a warning when the cache could not be used.
    @discardableResult
    public static func apply(_ lookup: KernelCache.Lookup) -> String? {
        let core = coreName
        switch lookup {
        case .found(let tuning, let path):
            let routes = tuning.routes(core: core)
            BLAS.useKernels(routes)
            state.withLock { $0 = State(source: .cache(path: path, measured: tuning.coreTypes.contains(core)), routes: routes) }
            return nil
        case .none(let path):
            BLAS.useKernels([:])
            state.withLock { $0 = State(source: .noCache(path: path), routes: [:]) }
            return nil
        case .unusable(let error, let path):
            BLAS.useKernels([:])
            state.withLock { $0 = State(source: .noCache(path: path), routes: [:]) }
            return "kernel cache not used: \(error.message); run `nimp tune` to measure again"
        }
    }

    struct State {
        enum Source { case noCache(path: String?), cache(path: String, measured: Bool) }
        var source: Source
        /// The shapes not on OpenBLAS.
        var routes: [GemmShape: GemmKernel]
    }

    private static let state = Mutex(State(source: .noCache(path: nil), routes: [:]))

    /// The kernel `BLAS.gemm` uses at `shape` in this process.
    public static func kernel(for shape: GemmShape) -> GemmKernel {
        state.withLock { $0.routes[shape] } ?? .openblas
    }

    /// The kernel cache file in use, nil when there is none.
    public static var cachePath: String? {
        if case .cache(let path, _) = state.withLock({ $0.source }) { return path }
        return nil
    }

    /// What runs this process's products, in one line, as the manifest and `nimp evaluate`
    /// record it: e.g. "OpenBLAS SkylakeX; BLIS 0.9.0 skx for 128x10x256 NT; libxsmm 1.17 skx
    /// for 64x64x256 TN, 256x64x64 NN".
    public static var summary: String {
        let routes = state.withLock { $0.routes }
        var parts = ["OpenBLAS \(coreName)"]
        for kernel in GemmKernel.alternatives {
            let shapes = routes.filter { $0.value == kernel }.keys.sorted()
            guard !shapes.isEmpty else { continue }
            let version = kernel == .blis ? "BLIS \(BLAS.blisVersion)" : "libxsmm \(XSMM.version)"
            parts.append(version + " for " + shapes.map(\.description).joined(separator: ", "))
        }
        return parts.joined(separator: "; ")
    }

    /// The kernel OpenBLAS is running, e.g. "SkylakeX".
    public static var coreName: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }

    /// OpenBLAS's build configuration string, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH ...".
    public static var configuration: String {
        guard let p = openblas_get_config() else { return "unknown" }
        return String(cString: p)
    }

    /// How the kernel was chosen: measured by `nimp tune`, from the CPU flags, by the
    /// user, or by OpenBLAS itself.
    public static var choiceDescription: String {
        let env = ProcessInfo.processInfo.environment
        if env[chosenKey] != nil {
            if case .cache(_, true) = state.withLock({ $0.source }) { return "measured by nimp tune" }
            return "chosen by nimp from CPU flags; `nimp tune` measures"
        }
        if env[environmentKey] != nil { return "from OPENBLAS_CORETYPE" }
        return "OpenBLAS's own detection"
    }
}

