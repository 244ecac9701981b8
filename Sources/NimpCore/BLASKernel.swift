import CBLAS
import Foundation

/// Choosing OpenBLAS's kernel. Debian's OpenBLAS 0.3.21 does not recognise recent CPUs
/// and falls back to its generic kernel (about 5x slower, measured here). The kernel is
/// fixed when the library loads, so the executable re-runs itself once with
/// `OPENBLAS_CORETYPE` set; a value the user set is never overridden.
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

    /// The flags line of /proc/cpuinfo, empty where it cannot be read.
    public static func cpuFlags(cpuinfo: String? = nil) -> Set<Substring> {
        let text = cpuinfo ?? ((try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return Set(line[line.index(after: colon)...].split(separator: " "))
        }
        return []
    }

    /// The environment value to re-execute with, or nil when nothing should change.
    public static func valueToSet(environment: [String: String], cpuFlags: Set<Substring>) -> String? {
        if environment[environmentKey] != nil || environment[chosenKey] != nil { return nil }
        return coreType(forCPUFlags: cpuFlags)
    }

    /// Re-executes the running program once with the kernel `valueToSet` chooses, before
    /// anything else runs; returns only when nothing needs to change or exec failed (then
    /// the program carries on with OpenBLAS's own choice).
    public static func reexecWithChosenKernelIfNeeded() {
        guard let core = valueToSet(environment: ProcessInfo.processInfo.environment, cpuFlags: cpuFlags()) else { return }
        setenv(environmentKey, core, 1)
        setenv(chosenKey, core, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
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

    /// How the kernel was chosen: by nimp, by the user, or by OpenBLAS itself.
    public static var choiceDescription: String {
        let env = ProcessInfo.processInfo.environment
        if env[chosenKey] != nil { return "chosen by nimp from CPU flags" }
        if env[environmentKey] != nil { return "from OPENBLAS_CORETYPE" }
        return "OpenBLAS's own detection"
    }
}

