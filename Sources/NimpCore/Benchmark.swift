import Foundation

/// Micro-benchmarks of the engine, for `nimp bench` and for comparing with PyTorch.
public enum EngineBenchmark {
    /// What a throughput is measured against.
    public enum Clock: String, Sendable, CaseIterable {
        /// Elapsed time: what a user waits, but halved when another process shares the core.
        case wall
        /// CPU time of this process (all its threads): stable on a shared machine, and equal
        /// to wall time on an idle one when BLAS runs one thread.
        case cpu
    }

    /// Training throughput in samples per second: a fresh `inputs → hidden → outputs` MLP
    /// trained for `epochs` on `samples` random rows (regression: MSE on random targets;
    /// classification: cross-entropy on random labels), after a one-epoch warm-up run.
    /// Data and weights are deterministic from `seed`. Returns 0 if training fails.
    public static func trainThroughput(inputs: Int = 10, hidden: [Int] = [64, 64], outputs: Int = 1,
                                       task: Task = .regression, activation: Activation = .relu,
                                       optimizer: OptimizerKind = .adam, batchSize: Int = 256,
                                       samples: Int = 65_536, epochs: Int = 5, seed: UInt64 = 1,
                                       clock: Clock = .wall) -> Double {
        var rng = RNG(seed: seed)
        var x = Matrix(rows: samples, cols: inputs)
        for i in 0..<x.data.count { x.data[i] = rng.normal() }
        let targets: TrainingTargets
        let names: [String]
        switch task {
        case .regression:
            var y = Matrix(rows: samples, cols: outputs)
            for i in 0..<y.data.count { y.data[i] = rng.normal() }
            targets = .values(y)
            names = (0..<outputs).map { "y\($0)" }
        case .classification:
            targets = .classes((0..<samples).map { _ in Int32(rng.int(below: outputs)) })
            names = (0..<outputs).map { "class\($0)" }
        }
        let model = Model.initialized(task: task, inputs: inputs, hidden: hidden, outputs: outputs, activation: activation,
                                      normalizer: .identity(features: inputs), featureNames: (0..<inputs).map { "x\($0)" },
                                      targetNames: names, rng: &rng)
        func run(_ epochs: Int) -> Bool {
            let config = TrainConfig(epochs: epochs, batchSize: batchSize, learningRate: 1e-3, optimizer: optimizer, seed: seed)
            return (try? Trainer(config: config).fit(model, x: x, targets: targets, validation: nil) { _ in }) != nil
        }
        guard run(1) else { return 0 }
        let wall0 = ContinuousClock.now, cpu0 = processCPUSeconds()
        guard run(epochs) else { return 0 }
        let seconds = clock == .wall ? wall0.duration(to: .now).seconds : processCPUSeconds() - cpu0
        return Double(samples * epochs) / max(seconds, 1e-9)
    }

    /// User plus system CPU time of this process, all threads.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
