import ArgumentParser
import NimpCore

struct Nimp: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nimp",
        abstract: "Keep a registry of small neural networks and improve them.",
        discussion: """
            Every step is a stateless command that reads and writes files: model archives \
            (.nimp, a tar with manifest.json and safetensors weights), datasets (safetensors, \
            CSV, JSON lines) and JSON-lines metrics. `nimp cycle` run from cron is the \
            self-improvement loop.
            """,
        // `nimp --version` prints `NimpVersion.description` (main.swift): it loads OpenBLAS,
        // which a configuration every command builds must not.
        version: "nimp \(NimpVersion.number)",
        subcommands: [GenData.self, Train.self, Evaluate.self, Predict.self, Export.self, Import.self, Optimize.self, Distill.self, Evolve.self, CycleCommand.self, TaskCommand.self, RegistryCommand.self, Tune.self]
    )
}

enum NimpVersion {
    static let number = "0.1.0"
    static var description: String {
        """
        nimp \(number)
        OpenBLAS kernel: \(BLASKernel.coreName) (\(BLASKernel.choiceDescription))
        \(BLASKernel.configuration)
        BLIS \(BLAS.blisVersion)
        libxsmm \(XSMM.version)
        Kernels: \(BLASKernel.summary)
        Kernel cache: \(BLASKernel.cachePath ?? "none (run nimp tune)")
        """
    }
}
