import Foundation

/// One sgemm call's shape as `BLAS.gemm` sees it: C [m, n] = op(A) · op(B), k inner.
/// Written `128x256x64 NT` (m×n×k, then N or T for A and for B).
public struct GemmShape: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var m: Int, n: Int, k: Int
    public var transA: Bool, transB: Bool

    public init(m: Int, n: Int, k: Int, transA: Bool, transB: Bool) {
        self.m = m; self.n = n; self.k = k
        self.transA = transA; self.transB = transB
    }

    public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
    public var trans: String { (transA ? "T" : "N") + (transB ? "T" : "N") }
    public var description: String { "\(m)x\(n)x\(k) \(trans)" }

    /// One Int per shape for the dispatch table (dimensions below 2^20).
    var key: Int { ((m << 20 | n) << 20 | k) << 2 | (transA ? 2 : 0) | (transB ? 1 : 0) }

    /// Parses `description`'s two words; nil when they are not a shape.
    public init?(dims: Substring, trans: Substring) {
        let parts = dims.split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 3, let m = Int(parts[0]), let n = Int(parts[1]), let k = Int(parts[2]),
              [m, n, k].allSatisfy({ (1..<(1 << 20)).contains($0) }),
              trans.count == 2, trans.allSatisfy({ $0 == "N" || $0 == "T" }) else { return nil }
        self.init(m: m, n: n, k: k, transA: trans.first == "T", transB: trans.last == "T")
    }

    public static func < (a: GemmShape, b: GemmShape) -> Bool {
        (a.m, a.n, a.k, a.trans) < (b.m, b.n, b.k, b.trans)
    }

    /// The sgemm calls of an MLP with these widths ([inputs, hidden..., outputs]) as
    /// `Network` issues them: one training step at `batch` rows (forward NT, weight
    /// gradients TN, input gradients NN but for the first layer) and the forward pass
    /// of batched prediction in chunks of `predictRows` (NN, on transposed weights).
    public static func of(widths: [Int], batch: Int, predictRows: Int = Model.predictChunk) -> [GemmShape] {
        var shapes: [GemmShape] = []
        for l in 0..<max(0, widths.count - 1) {
            let fanIn = widths[l], fanOut = widths[l + 1]
            shapes.append(GemmShape(m: batch, n: fanOut, k: fanIn, transA: false, transB: true))
            shapes.append(GemmShape(m: fanOut, n: fanIn, k: batch, transA: true, transB: false))
            if l > 0 { shapes.append(GemmShape(m: batch, n: fanIn, k: fanOut, transA: false, transB: false)) }
            shapes.append(GemmShape(m: predictRows, n: fanOut, k: fanIn, transA: false, transB: false))
        }
        return Array(Set(shapes)).sorted()
    }

    /// The benchmark workloads of `bench/run` (A, B, C): what `nimp tune` measures when
    /// given no model.
    public static let referenceWorkloads: [(name: String, widths: [Int], batch: Int)] = [
        ("A", [10, 64, 64, 1], 256), ("B", [64, 256, 256, 10], 128), ("C", [10, 64, 64, 1], 32),
    ]

    public static var reference: [GemmShape] {
        Array(Set(referenceWorkloads.flatMap { of(widths: $0.widths, batch: $0.batch) })).sorted()
    }
}

/// Where a product runs: OpenBLAS (the process's core type), BLIS or libxsmm.
public enum GemmKernel: String, Sendable {
    case openblas, blis, libxsmm

    /// The libraries that run in the same process as any OpenBLAS core type and take the
    /// shapes where they measured faster.
    public static let alternatives: [GemmKernel] = [.blis, .libxsmm]
}

/// The result of `nimp tune`: single-thread GFLOP/s of every candidate at every shape, for
/// one CPU and its library versions, and the choice that follows from them.
///
/// Stored as a small text file (see `encoded()`), one per CPU and library versions, under
/// `$XDG_CACHE_HOME/nimp` (default `~/.cache/nimp`).
public struct KernelTuning: Equatable, Sendable {
    /// What the measurements are only valid for.
    public struct Identity: Equatable, Sendable {
        public var cpu: String
        /// The CPU flags that decide which kernels can run (avx, avx2, fma, avx512*).
        public var flags: [String]
        public var openblas: String
        public var blis: String
        /// Version and target ISA, e.g. "1.17 skx"; "none" in caches written before nimp used it.
        public var libxsmm: String

        public init(cpu: String, flags: [String], openblas: String, blis: String, libxsmm: String = "none") {
            self.cpu = cpu; self.flags = flags; self.openblas = openblas; self.blis = blis; self.libxsmm = libxsmm
        }

        /// The libraries but OpenBLAS, as error messages name them.
        var libraries: String { "BLIS \(blis), libxsmm \(libxsmm)" }

        /// This machine's and this process's libraries (loads OpenBLAS).
        public static var current: Identity {
            var identity = beforeOpenBLAS
            identity.openblas = BLASKernel.openBLASIdentity(configuration: BLASKernel.configuration, core: BLASKernel.coreName)
            return identity
        }

        /// The same without OpenBLAS (its `openblas` is empty), which is loaded only after
        /// the cache has chosen its core type.
        public static var beforeOpenBLAS: Identity {
            let flags = BLASKernel.cpuFlags()
            let relevant = ["avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl"].filter { flags.contains(Substring($0)) }
            return Identity(cpu: BLASKernel.cpuModel(), flags: relevant, openblas: "", blis: BLAS.blisVersion, libxsmm: XSMM.version)
        }

        /// Whether a cache measured for `self` is for this machine: everything but OpenBLAS,
        /// which `BLASKernel` checks when it loads.
        func isSameMachine(as other: Identity) -> Bool {
            cpu == other.cpu && flags == other.flags && blis == other.blis && libxsmm == other.libxsmm
        }

        /// The cache file's name: readable CPU, then a hash of everything else but OpenBLAS.
        public var fileName: String {
            var slug = ""
            for c in cpu.lowercased() {
                if c.isASCII && (c.isLetter || c.isNumber) { slug.append(c) } else if !slug.isEmpty && slug.last != "-" { slug.append("-") }
            }
            while slug.last == "-" { slug.removeLast() }
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
            var parts = [cpu, flags.joined(separator: " "), blis]
            if libxsmm != "none" { parts.append(libxsmm) }
            for byte in parts.joined(separator: "\n").utf8 {
                hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
            }
            return "kernels-\(slug.prefix(40).isEmpty ? "cpu" : String(slug.prefix(40)))-\(String(hash >> 32, radix: 16)).txt"
        }
    }

    public static let formatLine = "nimp-kernels 2"
    /// Caches written before BLIS and libxsmm were timed in each core type's process: still
    /// read, their one BLIS and libxsmm column standing beside every core type.
    static let formatLineVersion1 = "nimp-kernels 1"

    public var identity: Identity
    /// ISO 8601 UTC.
    public var measuredAt: String
    /// The OpenBLAS core types measured, in the file's column order.
    public var coreTypes: [String]
    /// GFLOP/s per shape and core type: OpenBLAS running that core type, and BLIS and
    /// libxsmm timed in the same process, their runs taking turns with it (absent: could not
    /// run). Choices compare rates of one process only: across processes the same kernel
    /// measured 10–20% apart on a shared machine, more than the margins that decide.
    public var rates: [GemmShape: [String: [GemmKernel: Double]]]

    public init(identity: Identity, measuredAt: String, coreTypes: [String], rates: [GemmShape: [String: [GemmKernel: Double]]]) {
        self.identity = identity; self.measuredAt = measuredAt; self.coreTypes = coreTypes; self.rates = rates
    }

    /// The candidates as `nimp tune` shows them: the core types, then BLIS and libxsmm
    /// where any process measured them.
    public var candidates: [String] {
        let alternatives = GemmKernel.alternatives.filter { kernel in rates.values.contains { $0.values.contains { $0[kernel] != nil } } }
        return coreTypes + alternatives.map(\.rawValue)
    }

    /// A candidate's rate at `shape`: a core type's OpenBLAS rate, or BLIS's or libxsmm's
    /// in `core`'s process, or (without `core`) their best over the core types' processes.
    public func rate(of candidate: String, at shape: GemmShape, beside core: String? = nil) -> Double? {
        guard let r = rates[shape] else { return nil }
        if let kernel = GemmKernel(rawValue: candidate), kernel != .openblas {
            if let core { return r[core]?[kernel] }
            return r.values.compactMap { $0[kernel] }.max()
        }
        return r[candidate]?[.openblas]
    }

    /// How much faster BLIS or libxsmm must have measured to take a shape: closer rates
    /// are within the noise of a shared machine, and a choice that flips between runs
    /// would change results from one `nimp tune` to the next.
    public static let alternativeMargin = 1.05

    /// The kernel at `shape` when OpenBLAS runs `core`, with its rate.
    private func choice(at shape: GemmShape, core: String) -> (kernel: GemmKernel, rate: Double)? {
        guard let r = rates[shape]?[core], let open = r[.openblas] else { return nil }
        var best = (kernel: GemmKernel.openblas, rate: open)
        for kernel in GemmKernel.alternatives {
            if let rate = r[kernel], rate > open * Self.alternativeMargin, rate > best.rate { best = (kernel, rate) }
        }
        return best
    }

    /// The rate at `shape` when OpenBLAS runs `core`, on the kernel it would use, on the
    /// common scale of all the processes. The core types' processes ran at different speeds
    /// of a shared machine, so each shape's rates are put on one scale with an alternative
    /// library as the yardstick: it is the same code in every process, so its rates differ
    /// only as the processes did.
    private func scaledRate(at shape: GemmShape, core: String) -> Double? {
        guard let r = rates[shape], let chosen = choice(at: shape, core: core) else { return nil }
        // The yardstick: the alternative measured in every process with the highest mean
        // (fast runs are the steadier ones).
        let processes = Array(r.values)
        let yardsticks = GemmKernel.alternatives.compactMap { kernel -> (mean: Double, kernel: GemmKernel)? in
            let measured = processes.compactMap { $0[kernel] }
            guard measured.count == processes.count else { return nil }
            return (measured.reduce(0, +) / Double(measured.count), kernel)
        }
        guard let yardstick = yardsticks.max(by: { $0.mean < $1.mean }), let own = r[core]?[yardstick.kernel] else { return chosen.rate }
        return chosen.rate * yardstick.mean / own
    }

    /// Seconds of one call of every shape, each on the kernel it would use.
    private func stepSeconds(core: String) -> Double? {
        var total = 0.0
        for shape in rates.keys {
            guard let rate = scaledRate(at: shape, core: core) else { return nil }
            total += shape.flops / rate
        }
        return total
    }

    /// The smallest share, over the shapes, of the best core type's rate that `core` reaches.
    private func worstShare(core: String) -> Double {
        rates.keys.map { shape in
            let best = coreTypes.compactMap { scaledRate(at: shape, core: $0) }.max() ?? 0
            return best > 0 ? (scaledRate(at: shape, core: core) ?? 0) / best : 1
        }.min() ?? 1
    }

    /// The OpenBLAS core type for the process: the least time for one call of every shape,
    /// with BLIS and libxsmm taking the shapes where they beat that core type. Of core types
    /// within `alternativeMargin` of the least time (as close as the noise), the one whose
    /// slowest shape is nearest its best.
    public var coreType: String? {
        let times = coreTypes.compactMap { c in stepSeconds(core: c).map { (core: c, seconds: $0) } }
        guard let least = times.map(\.seconds).min() else { return nil }
        let close = times.filter { $0.seconds <= least * Self.alternativeMargin }
        let shares = close.map { (core: $0.core, seconds: $0.seconds, share: worstShare(core: $0.core)) }
        return shares.max { ($0.share, -$0.seconds) < ($1.share, -$1.seconds) }?.core
    }

    /// The kernel for `shape` when OpenBLAS runs `core`: the fastest of BLIS and libxsmm
    /// where it was measured faster by `alternativeMargin` beside that core type, OpenBLAS
    /// elsewhere (also at shapes not measured).
    public func kernel(for shape: GemmShape, core: String) -> GemmKernel {
        choice(at: shape, core: core)?.kernel ?? .openblas
    }

    /// The shapes BLIS and libxsmm take when OpenBLAS runs `core`.
    public func routes(core: String) -> [GemmShape: GemmKernel] {
        var routes: [GemmShape: GemmKernel] = [:]
        for shape in rates.keys {
            let kernel = kernel(for: shape, core: core)
            if kernel != .openblas { routes[shape] = kernel }
        }
        return routes
    }

    /// The best candidate at `shape` and its rate.
    public func best(at shape: GemmShape) -> (candidate: String, rate: Double)? {
        candidates.compactMap { c in rate(of: c, at: shape).map { (candidate: c, rate: $0) } }
            .max { $0.rate < $1.rate || ($0.rate == $1.rate && $0.candidate > $1.candidate) }
    }

    // MARK: Text file

    /// The file's text: a comment, `key value` lines, one `shape` line per shape with the
    /// kernel used, then per core type its process's OpenBLAS/BLIS/libxsmm GFLOP/s.
    public func encoded() -> String {
        let core = coreType ?? "-"
        var lines = [
            "# nimp's GEMM kernel choice for this CPU, written by `nimp tune`. Rates are single-thread",
            "# GFLOP/s. Delete this file or run `nimp tune` again to re-measure.",
            Self.formatLine,
            "cpu \(identity.cpu)",
            "cpu_flags \(identity.flags.joined(separator: " "))",
            "openblas \(identity.openblas)",
            "blis \(identity.blis)",
            "libxsmm \(identity.libxsmm)",
            "measured \(measuredAt)",
            "openblas_coretype \(core)",
            "cores \(coreTypes.joined(separator: " "))",
            "# shape m×n×k A/B-transposed, kernel used, then for each core type (in the order of \"cores\")",
            "# OpenBLAS/BLIS/libxsmm GFLOP/s timed taking turns in that core type's process (-: not run)",
        ]
        func rate(_ value: Double?) -> String { value.map { String(format: "%.2f", $0) } ?? "-" }
        for shape in rates.keys.sorted() {
            let values = coreTypes.map { c in
                rates[shape]![c].map { r in ([GemmKernel.openblas] + GemmKernel.alternatives).map { rate(r[$0]) }.joined(separator: "/") } ?? "-"
            }
            lines.append((["shape", "\(shape.m)x\(shape.n)x\(shape.k)", shape.trans, kernel(for: shape, core: core).rawValue] + values)
                .joined(separator: " "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Parses `encoded()`'s text (or a version 1 cache); `file` names it in errors. Rates are
    /// re-read, the choices recomputed from them (the `openblas_coretype` and kernel words
    /// are for people).
    public static func decode(_ text: String, file: String) throws -> KernelTuning {
        var fields: [String: String] = [:]
        var columns: [String]?
        var rates: [GemmShape: [String: [GemmKernel: Double]]] = [:]
        var version: Int?
        func positive(_ word: Substring, of name: String, _ place: String) throws -> Double {
            guard let v = Double(word), v.isFinite, v > 0 else {
                throw NimpError.data(file, place, "rate of \(name) is \(String(reflecting: String(word))), expected a positive number or -")
            }
            return v
        }
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            let place = "line \(index + 1)"
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let version else {
                guard line == formatLine || line == formatLineVersion1 else {
                    throw NimpError.data(file, place, "expected \"\(formatLine)\", found \(String(reflecting: String(line.prefix(40))))",
                                         hint: "not a nimp kernel cache, or from a newer nimp; run `nimp tune` to rewrite it")
                }
                version = line == formatLine ? 2 : 1
                continue
            }
            let words = line.split(separator: " ")
            let key = String(words[0]), rest = words.dropFirst().joined(separator: " ")
            switch key {
            case "cpu", "cpu_flags", "openblas", "blis", "libxsmm", "measured", "openblas_coretype":
                fields[key] = rest
            case "cores" where version == 2, "candidates" where version == 1:
                let names = words.dropFirst().map(String.init)
                guard !names.isEmpty, Set(names).count == names.count else {
                    throw NimpError.data(file, place, "expected distinct names after \"\(key)\"")
                }
                columns = names
            case "shape":
                guard let columns else { throw NimpError.data(file, place, "a shape line before the \"\(version == 2 ? "cores" : "candidates")\" line") }
                guard words.count == 4 + columns.count, let shape = GemmShape(dims: words[1], trans: words[2]),
                      GemmKernel(rawValue: String(words[3])) != nil else {
                    throw NimpError.data(file, place, version == 2
                        ? "expected \"shape MxNxK NT|NN|TN|TT openblas|blis|libxsmm\" and OpenBLAS/BLIS/libxsmm rates for \(columns.count) core types"
                        : "expected \"shape MxNxK NT|NN|TN|TT openblas|blis|libxsmm\" and \(columns.count) rates")
                }
                var r: [String: [GemmKernel: Double]] = [:]
                if version == 2 {
                    for (core, word) in zip(columns, words.dropFirst(4)) where word != "-" {
                        let parts = word.split(separator: "/", omittingEmptySubsequences: false)
                        guard parts.count == 3, parts[0] != "-" else {
                            throw NimpError.data(file, place, "rates of \(core) are \(String(reflecting: String(word))), expected OpenBLAS/BLIS/libxsmm like 12.8/24.3/- or -")
                        }
                        var entry: [GemmKernel: Double] = [:]
                        for (kernel, part) in zip([GemmKernel.openblas] + GemmKernel.alternatives, parts) where part != "-" {
                            entry[kernel] = try positive(part, of: kernel == .openblas ? core : "\(kernel.rawValue) beside \(core)", place)
                        }
                        r[core] = entry
                    }
                } else {
                    var alternatives: [GemmKernel: Double] = [:], open: [String: Double] = [:]
                    for (c, word) in zip(columns, words.dropFirst(4)) where word != "-" {
                        let v = try positive(word, of: c, place)
                        if let kernel = GemmKernel(rawValue: c) { alternatives[kernel] = v } else { open[c] = v }
                    }
                    for (core, v) in open { r[core] = alternatives.merging([.openblas: v]) { $1 } }
                }
                guard rates.updateValue(r, forKey: shape) == nil else { throw NimpError.data(file, place, "shape \(shape) appears twice") }
            default:
                throw NimpError.data(file, place, "unknown key \(String(reflecting: key))")
            }
        }
        guard let version else { throw NimpError.data(file, nil, "expected \"\(formatLine)\"; the file is empty") }
        for key in ["cpu", "openblas", "blis", "measured"] where fields[key] == nil {
            throw NimpError.data(file, nil, "missing the \"\(key)\" line")
        }
        guard let columns else { throw NimpError.data(file, nil, "missing the \"\(version == 2 ? "cores" : "candidates")\" line") }
        let identity = Identity(cpu: fields["cpu"]!, flags: (fields["cpu_flags"] ?? "").split(separator: " ").map(String.init),
                                openblas: fields["openblas"]!, blis: fields["blis"]!, libxsmm: fields["libxsmm"] ?? "none")
        return KernelTuning(identity: identity, measuredAt: fields["measured"]!,
                            coreTypes: columns.filter { GemmKernel(rawValue: $0) == nil }, rates: rates)
    }
}

/// The kernel cache: where `nimp tune` writes and every command reads.
public enum KernelCache {
    /// `$XDG_CACHE_HOME/nimp`, or `~/.cache/nimp`; nil without either variable.
    public static func directory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let x = environment["XDG_CACHE_HOME"], x.hasPrefix("/") { return x + "/nimp" }
        if let home = environment["HOME"], !home.isEmpty { return home + "/.cache/nimp" }
        return nil
    }

    /// The cache file for this CPU and these libraries.
    public static func path(for identity: KernelTuning.Identity = .beforeOpenBLAS,
                            environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        directory(environment: environment).map { $0 + "/" + identity.fileName }
    }

    /// What a process found in the cache.
    public enum Lookup: Sendable {
        case none(path: String?)
        case found(KernelTuning, path: String)
        /// Unreadable, corrupt or for other libraries: the error says which.
        case unusable(NimpError, path: String)
    }

    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) -> Lookup {
        let identity = KernelTuning.Identity.beforeOpenBLAS
        guard let path = path(for: identity, environment: environment) else { return .none(path: nil) }
        guard FileManager.default.fileExists(atPath: path) else { return .none(path: path) }
        do {
            guard let data = FileManager.default.contents(atPath: path) else { throw NimpError.io(path, "cannot read") }
            let tuning = try KernelTuning.decode(String(decoding: data, as: UTF8.self), file: path)
            guard tuning.identity.isSameMachine(as: identity) else {
                throw NimpError.data(path, nil, "measured for \(tuning.identity.cpu) with \(tuning.identity.libraries); this is \(identity.cpu) with \(identity.libraries)")
            }
            return .found(tuning, path: path)
        } catch let error as NimpError {
            return .unusable(error, path: path)
        } catch {
            return .unusable(NimpError.io(path, "\(error)"), path: path)
        }
    }

    /// Writes `tuning` atomically (a temporary file renamed over the old one).
    public static func store(_ tuning: KernelTuning, path: String) throws {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw NimpError.cannotCreate(dir, "cannot create the kernel cache directory: \(error.localizedDescription)")
        }
        let temp = path + ".tmp.\(getpid())"
        guard FileManager.default.createFile(atPath: temp, contents: Data(tuning.encoded().utf8)) else {
            throw NimpError.cannotCreate(temp, "cannot write the kernel cache")
        }
        guard rename(temp, path) == 0 else {
            let e = String(cString: strerror(errno))
            unlink(temp)
            throw NimpError.cannotCreate(path, "cannot replace the kernel cache: \(e)")
        }
    }
}
