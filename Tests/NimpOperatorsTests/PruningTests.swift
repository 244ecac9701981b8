import NimpCore
import Testing
@testable import NimpOperators

@Suite struct PruningTests {
    /// A pruned network and its masked twin compute the same sums in a different order
    /// (sgemm blocks differ with the width), so allow float rounding, nothing more.
    static let sameFunctionTolerance: Float = 1e-5

    @Test func importanceIsIncomingNormTimesOutgoingNorm() {
        let first = DenseLayer(weight: Matrix(rows: 2, cols: 2, data: [3, 4, 0, 1]), bias: [0, 0], activation: .relu)
        let second = DenseLayer(weight: Matrix(rows: 1, cols: 2, data: [2, -5]), bias: [0], activation: .identity)
        let model = Model(task: .regression, layers: [first, second], normalizer: .identity(features: 2),
                          featureNames: ["a", "b"], targetNames: ["y"])
        #expect(Pruner.neuronImportance(model) == [[10, 5]])
        #expect(Pruner.unitsToKeep(importance: [[10, 5]], fraction: 0.5) == [[0]])
    }

    @Test func keepsTheMostImportantUnitsInOrder() {
        // 3 × 0.5 = 1.5 rounds away from zero: two of three go, ties keep the lower index.
        let keep = Pruner.unitsToKeep(importance: [[0.5, 3, 1, 2], [1, 1, 1]], fraction: 0.5)
        #expect(keep == [[1, 3], [0]])
        #expect(Pruner.unitsToKeep(importance: [[1, 2]], fraction: 0.9) == [[1]])  // never empty
    }

    @Test func prunedLayersReallyShrink() {
        let model = OperatorFixtures.model([10, 64, 64, 1])
        let (pruned, kept) = Pruner.pruneNeurons(model, fraction: 0.5)
        #expect(pruned.hidden == [32, 32])
        #expect(kept.map(\.count) == [32, 32])
        #expect(pruned.layers.map(\.weight.rows) == [32, 32, 1])
        #expect(pruned.layers.map(\.weight.cols) == [10, 32, 32])
        #expect(pruned.layers.map(\.bias.count) == [32, 32, 1])
        #expect(pruned.parameterCount == (10 + 1) * 32 + (32 + 1) * 32 + 33)
        #expect(Double(pruned.flops) <= Double(model.flops) / 2)
    }

    @Test func prunedModelComputesWhatTheMaskedModelComputes() {
        let x = OperatorFixtures.inputs(rows: 100, cols: 10)
        for activation in [Activation.relu, .tanh, .gelu] {
            let model = OperatorFixtures.model([10, 48, 24, 3], activation: activation, seed: 21)
            let (pruned, kept) = Pruner.pruneNeurons(model, fraction: 0.4)
            let masked = Pruner.maskingUnits(model, keep: kept)
            #expect(pruned.hidden.count == 2 && pruned.hidden[0] < 48 && pruned.hidden[1] < 24)
            #expect(masked.hidden == model.hidden)
            let difference = OperatorFixtures.maxDifference(pruned.predict(x), masked.predict(x))
            #expect(difference <= Self.sameFunctionTolerance, "\(activation): \(difference)")
        }
    }

    @Test func dataBasedPruningFoldsRemovedMeansIntoTheNextBias() throws {
        let x = OperatorFixtures.inputs(rows: 300, cols: 10, seed: 8)
        let model = OperatorFixtures.model([10, 40, 2], seed: 31)
        let (pruned, kept) = Pruner.pruneNeurons(model, fraction: 0.5, data: x)
        #expect(pruned.hidden == [20])
        let means = Pruner.activationStatistics(model, layer: 0, on: x).mean
        let masked = Pruner.maskingUnits(model, keep: kept, meanActivations: [means])
        #expect(OperatorFixtures.maxDifference(pruned.predict(x), masked.predict(x)) <= Self.sameFunctionTolerance)
        // The correction keeps the mean output: removing units changes it far less than without.
        let plain = Pruner.removingUnits(model, keep: kept)
        func meanOutput(_ m: Model) -> Float { m.predict(x).data.reduce(0, +) / Float(x.rows * 2) }
        #expect(abs(meanOutput(pruned) - meanOutput(model)) < abs(meanOutput(plain) - meanOutput(model)))
    }

    @Test func surgeryCarriesMasksAlong() throws {
        let sparse = Pruner.pruneWeights(OperatorFixtures.model([6, 12, 12, 2]), sparsity: 0.3)
        let (pruned, _) = Pruner.pruneNeurons(sparse, fraction: 0.5)
        for layer in pruned.layers.dropLast() {
            let mask = try #require(layer.mask)
            #expect(mask.rows == layer.weight.rows && mask.cols == layer.weight.cols)
            for (w, m) in zip(layer.weight.data, mask.data) where m == 0 { #expect(w == 0) }
        }
    }

    @Test func magnitudePruningZeroesTheSmallestWeights() {
        let model = OperatorFixtures.model([10, 20, 20, 1])
        let pruned = Pruner.pruneWeights(model, sparsity: 0.6)
        for (before, after) in zip(model.layers.dropLast(), pruned.layers) {
            let zeros = after.weight.data.filter { $0 == 0 }.count
            #expect(zeros == Int((Double(before.weight.data.count) * 0.6).rounded()))
            let largestRemoved = zip(before.weight.data, after.weight.data).filter { $1 == 0 }.map { abs($0.0) }.max() ?? 0
            let smallestKept = after.weight.data.filter { $0 != 0 }.map(abs).min() ?? .infinity
            #expect(largestRemoved <= smallestKept)
            #expect(after.mask?.data.filter { $0 == 0 }.count == zeros)
        }
        #expect(pruned.layers.last == model.layers.last)  // the output layer stays dense
        #expect(Pruner.nonzeroParameters(pruned) < model.parameterCount)
    }

    @Test func dataBasedWeightPruningWeighsByInputSizeAndKeepsTheMean() {
        // Two inputs, one on a scale 100 times the other: the small weight on the large
        // input outranks the large weight on the small input.
        var rng = RNG(seed: 5)
        var x = Matrix(rows: 400, cols: 2)
        for r in 0..<400 {
            x[r, 0] = 0.01 * rng.normal()
            x[r, 1] = 5 + rng.normal()
        }
        let hidden = DenseLayer(weight: Matrix(rows: 1, cols: 2, data: [1, 0.1]), bias: [0], activation: .identity)
        let output = DenseLayer(weight: Matrix(rows: 1, cols: 1, data: [1]), bias: [0], activation: .identity)
        let model = Model(task: .regression, layers: [hidden, output], normalizer: .identity(features: 2),
                          featureNames: ["small", "large"], targetNames: ["y"])
        let pruned = Pruner.pruneWeights(model, sparsity: 0.5, data: x)
        #expect(pruned.layers[0].weight.data == [0, 0.1])
        #expect(Pruner.pruneWeights(model, sparsity: 0.5).layers[0].weight.data == [1, 0])
        // The removed input's mean contribution (1 × mean of x₀ ≈ 0) moved into the bias.
        let mean = (0..<400).reduce(Float(0)) { $0 + x[$1, 0] } / 400
        #expect(abs(pruned.layers[0].bias[0] - mean) < 1e-6)
    }

    @Test func sparsityIsKeptThroughFineTuning() throws {
        let data = OperatorFixtures.signal(400, seed: 4)
        var request = OptimizeRequest(parent: try TestArchives.trained(data, hidden: [16, 16]))
        request.pruneWeights = 0.5
        request.train = data
        request.epochs = 3
        request.latencySamples = 20
        let result = try ModelOptimizer.run(request)
        let model = result.archive.model
        #expect(Pruner.sparsity(model) >= 0.4)
        for layer in model.layers.dropLast() {
            let mask = try #require(layer.mask)
            for (w, m) in zip(layer.weight.data, mask.data) where m == 0 { #expect(w == 0) }
        }
        #expect(result.archive.manifest.lineage.operation == "prune-weights")
    }

    @Test func qualityBudgetKeepsTheMostCompressedStepWithinBudget() throws {
        let data = OperatorFixtures.signal(2000, seed: 5)
        let validation = OperatorFixtures.signal(500, seed: 6)
        let parent = try TestArchives.trained(data, hidden: [32, 32], epochs: 40)
        var request = OptimizeRequest(parent: parent)
        request.pruneNeurons = 0.8
        request.train = data
        request.validation = validation
        request.epochs = 2
        request.steps = 4
        request.maxQualityDrop = 0.02
        request.latencySamples = 20
        var lines: [OptimizeStep] = []
        let result = try ModelOptimizer.run(request) { lines.append($0) }
        #expect(lines == result.steps)
        let chosen = try #require(result.chosenStep)
        #expect(result.steps[chosen].withinBudget)
        #expect(result.steps[..<chosen].allSatisfy { $0.withinBudget })
        if chosen + 1 < result.steps.count { #expect(!result.steps[chosen + 1].withinBudget) }
        #expect(result.archive.model.hidden == result.steps[chosen].hidden)
        let drop = try #require(result.comparison.qualityChange)
        #expect(-drop <= 0.02 + 1e-9)
        #expect(result.archive.manifest.pruning?.kind == "neurons")
        #expect(result.archive.manifest.lineage.parentSha256 == parent.sha256)
    }
}
