/// Micro-benchmarks of the engine, for `nimp bench` and for comparing with PyTorch.
public enum EngineBenchmark {
    /// Training throughput in samples per second: a fresh `inputs → hidden → outputs` MLP
    /// trained for `epochs` on `samples` random rows (regression: MSE on random targets;
    /// classification: cross-entropy on random labels). The first epoch is a warm-up and is
    /// not timed when `epochs > 1`. Deterministic data and weights from `seed`.
    public static func trainThroughput(inputs: Int = 10, hidden: [Int] = [64, 64], outputs: Int = 1,
                                       task: Task = .regression, activation: Activation = .relu,
                                       optimizer: OptimizerKind = .adam, batchSize: Int = 256,
                                       samples: Int = 65_536, epochs: Int = 5, seed: UInt64 = 1) -> Double {
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
        let config = TrainConfig(epochs: epochs, batchSize: batchSize, learningRate: 1e-3, optimizer: optimizer, seed: seed)
        var timed: [Double] = []
        _ = try? Trainer(config: config).fit(model, x: x, targets: targets, validation: nil) { report in
            timed.append(report.samplesPerSecond)
        }
        let measured = timed.count > 1 ? Array(timed.dropFirst()) : timed
        guard !measured.isEmpty else { return 0 }
        // Median epoch: robust to another process stealing a core for a moment.
        return measured.sorted()[measured.count / 2]
    }
}
