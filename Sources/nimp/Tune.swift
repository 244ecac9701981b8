import ArgumentParser
import Foundation
import NimpCore
import NimpIO

struct Tune: NimpCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure which GEMM kernel is fastest at each of nimp's shapes on this CPU; cache the choice.",
        discussion: """
            Times every matrix product shape of the given models (a training step at \
            --batch-size, forward and backward, and prediction in chunks of 1024 rows), or of \
            the benchmark workloads without a model, plus the shapes already in the cache, on \
            each candidate: the OpenBLAS core types this CPU can run (each in its own process, \
            as the core type is fixed when OpenBLAS loads), and in each of those processes \
            BLIS and libxsmm's generated kernels (shapes without a transposed B), their runs \
            taking turns with OpenBLAS's. Takes seconds. Prints \
            single-thread GFLOP/s per shape and candidate and writes the choice to \
            $XDG_CACHE_HOME/nimp/kernels-CPU-HASH.txt (default ~/.cache/nimp), one file per CPU \
            model and library versions. Every later nimp process runs the OpenBLAS core type \
            with the least time over all cached shapes (of core types within 5% of it, the \
            one whose slowest shape is nearest its best), and BLIS or libxsmm at the shapes \
            where they beat it by more than 5% in its process. No other command tunes: without a cache nimp uses the core type the CPU flags \
            suggest (nimp cycle says so). `nimp --version` shows the choice; a corrupt cache \
            is ignored with a warning until nimp tune rewrites it.
            """)

    @Argument(help: ArgumentHelp("Models whose shapes to measure (default: the benchmark workloads).", valueName: "model.nimp"),
              completion: .file(extensions: ["nimp"]))
    var models: [String] = []

    @Option(help: "Training batch size of the models' shapes.")
    var batchSize: Int = 64

    @Flag(help: .hidden)
    var measure = false

    @OptionGroup var outputOptions: OutputOptions

    func execute() throws {
        if measure {
            // A child of `nimp tune`: the models are shapes here.
            try Console.out(try KernelTuner.childReport(shapeArguments: models))
            return
        }
        outputOptions.apply()
        guard batchSize > 0 else { throw NimpError.usage("--batch-size must be positive") }
        guard let path = KernelCache.path() else {
            throw NimpError(.cannotCreate, "nowhere to keep the kernel cache: neither XDG_CACHE_HOME nor HOME is set")
        }
        var shapes: [GemmShape] = models.isEmpty ? GemmShape.reference : []
        for model in models {
            let archive = try ModelArchive.read(path: model)
            let widths = [archive.model.inputs] + archive.model.layers.map(\.outputs)
            shapes += GemmShape.of(widths: widths, batch: batchSize)
        }
        switch KernelCache.load() {
        case .found(let old, _): shapes += old.rates.keys
        case .unusable(let error, _): Console.warn("replacing the kernel cache: \(error.message)")
        case .none: break
        }
        Console.info("measuring \(Set(shapes).count) shapes...")
        let tuning = try KernelTuner.tune(shapes: shapes, childArguments: ["tune", "--measure"]) { Console.warn($0) }
        try Console.out(Self.table(tuning))
        try KernelCache.store(tuning, path: path)
        Console.info("wrote \(path)")
    }

    /// Shapes down, candidates across, the kernel used last.
    static func table(_ tuning: KernelTuning) -> String {
        let core = tuning.coreType ?? "-"
        let header = ["shape"] + tuning.candidates + ["uses"]
        var rows = [header]
        for shape in tuning.rates.keys.sorted() {
            let rates = tuning.candidates.map { c in tuning.rate(of: c, at: shape, beside: core).map { String(format: "%.1f", $0) } ?? "-" }
            let kernel = tuning.kernel(for: shape, core: core)
            let uses = kernel == .openblas ? core : kernel.rawValue
            rows.append([shape.description] + rates + [uses])
        }
        let widths = header.indices.map { i in rows.map { $0[i].count }.max()! }
        var text = "GFLOP/s, one thread, \(tuning.identity.cpu); BLIS and libxsmm as timed beside \(core)\n"
        for row in rows {
            text += row.enumerated().map { i, cell in
                i == 0 ? cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                       : String(repeating: " ", count: widths[i] - cell.count) + cell
            }.joined(separator: "  ") + "\n"
        }
        let routes = tuning.routes(core: core)
        let blis = routes.values.filter { $0 == .blis }.count, xsmm = routes.values.filter { $0 == .libxsmm }.count
        text += "OpenBLAS core type: \(core); BLIS at \(blis) and libxsmm at \(xsmm) of \(tuning.rates.count) shapes\n"
        return text
    }
}
