import NimpCore
import NimpIO
@testable import NimpOperators

/// Small models and datasets for the operator tests, built directly so they need no
/// training and no files.
enum OperatorFixtures {
    /// A random MLP with the given sizes (inputs, hidden…, outputs), weights ~ N(0, 1/fan-in).
    static func model(_ sizes: [Int], task: Task = .regression, activation: Activation = .relu, seed: UInt64 = 7) -> Model {
        var rng = RNG(seed: seed)
        var layers: [DenseLayer] = []
        for (l, (fanIn, fanOut)) in zip(sizes, sizes.dropFirst()).enumerated() {
            var w = Matrix(rows: fanOut, cols: fanIn)
            for i in 0..<w.data.count { w.data[i] = rng.normal() / Float(fanIn).squareRoot() }
            let bias = (0..<fanOut).map { _ in 0.1 * rng.normal() }
            let last = l == sizes.count - 2
            layers.append(DenseLayer(weight: w, bias: bias, activation: last ? .identity : activation))
        }
        let outputs = sizes.last!
        return Model(task: task, layers: layers, normalizer: .identity(features: sizes[0]),
                     featureNames: (0..<sizes[0]).map { "x\($0)" },
                     targetNames: (0..<outputs).map { task == .regression ? "y\($0)" : "class\($0)" })
    }

    /// Uniform random inputs in [-1, 1).
    static func inputs(rows: Int, cols: Int, seed: UInt64 = 3) -> Matrix {
        var rng = RNG(seed: seed)
        var x = Matrix(rows: rows, cols: cols)
        for i in 0..<x.data.count { x.data[i] = 2 * rng.uniform() - 1 }
        return x
    }

    /// A signal-generator regression set (10 features, 1 output).
    static func signal(_ samples: Int, seed: UInt64) -> Dataset {
        SignalGenerator.dopamine.generate(samples: samples, seed: seed)
    }

    /// A 3-class problem on 4 features: the class is which of three fixed directions
    /// the input points to most.
    static func blobs(_ samples: Int, seed: UInt64) -> Dataset {
        let x = inputs(rows: samples, cols: 4, seed: seed)
        let directions: [[Float]] = [[1, 1, 0, 0], [0, -1, 1, 0], [-1, 0, -1, 1]]
        let labels = (0..<samples).map { i -> Int32 in
            let scores = directions.map { d in (0..<4).reduce(Float(0)) { $0 + d[$1] * x[i, $1] } }
            return Int32(scores.indices.max { scores[$0] < scores[$1] }!)
        }
        return Dataset(x: x, y: .classes(labels), targetNames: ["a", "b", "c"], source: "blobs", seed: seed)
    }

    /// Largest |a − b| over two equally shaped matrices.
    static func maxDifference(_ a: Matrix, _ b: Matrix) -> Float {
        precondition(a.rows == b.rows && a.cols == b.cols)
        return zip(a.data, b.data).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
    }
}

/// Archives trained for the operator tests (small and fast), encoded and decoded as
/// if read from a file, so they have a sha256.
enum TestArchives {
    static func trained(_ data: Dataset, hidden: [Int], epochs: Int = 5, seed: UInt64 = 1) throws -> ModelArchive {
        var request = TrainingRequest(train: data, genome: Genome(hidden: hidden, learningRate: 3e-3, batchSize: 32, epochs: epochs))
        request.seed = seed
        let archive = try TrainingJob.run(request).archive
        return try ModelArchive.decode(try archive.encode(), name: "parent.nimp")
    }
}
