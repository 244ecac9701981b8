import Foundation
import Synchronization

/// Choosing OpenBLAS's kernel. Debian's OpenBLAS 0.3.21 does not recognise recent CPUs
/// and falls back to its generic kernel (about 5x slower, measured here), and the kernel
/// the flags suggest is not the fastest at nimp's shapes on every CPU (issue 18), so
/// `nimp tune` measures the candidates (`KernelTuner`). The kernel is fixed when the
/// library loads, so nimp sets `OPENBLAS_CORETYPE` before it opens OpenBLAS (at the first
/// product); a value the user set is never overridden.
public enum BLASKernel {
    public static let environmentKey = "OPENBLAS_CORETYPE"
    /// Set with the chosen core type, so that child processes keep it and `--version` can say who chose.
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

    /// The core type to set, or nil when nothing should change: the measured core type
    /// when the kernel cache has one, else the one the flags suggest.
    public static func valueToSet(environment: [String: String], cpuFlags: Set<Substring>, tuned: String? = nil) -> String? {
        if environment[environmentKey] != nil || environment[chosenKey] != nil { return nil }
        return tuned ?? coreType(forCPUFlags: cpuFlags)
    }

    /// Sets up the kernels before anything else runs (while the process has one thread,
    /// as `setenv` needs): with `NIMP_CPU_FLAGS`, makes libxsmm generate code for those
    /// flags too; sets `OPENBLAS_CORETYPE` to the core type chosen (from the kernel cache,
    /// else from the CPU flags) for OpenBLAS to read when the first product loads it; sends
    /// to BLIS or libxsmm the shapes the cache measured faster there. Returns a warning when
    /// the cache could not be used (the flag-based choice applies).
    @discardableResult
    public static func prepare() -> String? {
        let environment = ProcessInfo.processInfo.environment
        if environment[flagsKey] != nil, environment[XSMM.targetKey] == nil, let target = XSMM.target(forCPUFlags: cpuFlags()) {
            setenv(XSMM.targetKey, target, 1)
        }
        let lookup = KernelCache.load(environment: environment)
        var tuned: String?
        if case .found(let tuning, _) = lookup { tuned = tuning.coreType }
        var core = environment[environmentKey]
        if let chosen = valueToSet(environment: environment, cpuFlags: cpuFlags(), tuned: tuned) {
            setenv(environmentKey, chosen, 1)
            setenv(chosenKey, chosen, 1)
            core = chosen
        }
        return apply(lookup, core: core)
    }

    /// Applies a cache lookup to this process, whose OpenBLAS will run `core` (nil: its own
    /// detection); returns a warning when the cache could not be used.
    @discardableResult
    static func apply(_ lookup: KernelCache.Lookup, core: String?) -> String? {
        switch lookup {
        case .found(let tuning, let path):
            let measured = core.flatMap { c in tuning.coreTypes.first { $0.lowercased() == c.lowercased() } }
            let routes = measured.map { tuning.routes(core: $0) } ?? [:]
            BLAS.useKernels(routes)
            state.withLock {
                $0 = State(source: .cache(path: path, measured: measured != nil), routes: routes, cachedOpenBLAS: tuning.identity.openblas)
            }
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

    /// Called once, when OpenBLAS has loaded: a cache measured with another OpenBLAS (its
    /// file name does not say, since OpenBLAS's version is known only once it is loaded)
    /// still chooses, with one warning line.
    static func checkCachedLibrary(configuration: String, core: String) {
        let (cached, source) = state.withLock { ($0.cachedOpenBLAS, $0.source) }
        guard let cached, case .cache(let path, _) = source else { return }
        let running = openBLASIdentity(configuration: configuration, core: core)
        guard running != cached else { return }
        FileHandle.standardError.write(Data("warning: kernel cache \(path) was measured with \(cached); this is \(running): run `nimp tune` to measure again\n".utf8))
    }

    /// OpenBLAS's configuration without the running core type, which is what varies
    /// between the candidates of one library.
    static func openBLASIdentity(configuration: String, core: String) -> String {
        configuration.split(separator: " ").filter { $0 != core }.joined(separator: " ")
    }

    struct State {
        enum Source { case noCache(path: String?), cache(path: String, measured: Bool) }
        var source: Source
        /// The shapes not on OpenBLAS.
        var routes: [GemmShape: GemmKernel]
        /// The cache's OpenBLAS, checked when OpenBLAS loads.
        var cachedOpenBLAS: String? = nil
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

    /// The kernel OpenBLAS is running, e.g. "SkylakeX" (loads OpenBLAS).
    public static var coreName: String { OpenBLASLibrary.shared.coreName }

    /// OpenBLAS's build configuration string, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH ..." (loads OpenBLAS).
    public static var configuration: String { OpenBLASLibrary.shared.configuration }

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

