import Foundation
import NimpCore

/// The genomes `evolve` searches over, and the genetic operators on them: random
/// genomes, mutation and crossover. Every operator draws only from the given `RNG`, so
/// a seed reproduces a search.
public struct GenomeSpace: Sendable, Equatable {
    /// Hidden layer widths to choose from, ascending.
    public var widths: [Int] = [4, 8, 12, 16, 24, 32, 48, 64, 96, 128]
    public var depths: ClosedRange<Int> = 1...4
    public var activations: [Activation] = [.relu, .leakyRelu, .tanh, .gelu]
    /// Learning rates are drawn log-uniformly from this range and kept to two
    /// significant digits.
    public var learningRates: ClosedRange<Float> = 1e-4...1e-1
    public var batchSizes: [Int] = [16, 32, 64, 128, 256]
    public var optimizers: [OptimizerKind] = [.adam, .adamw, .sgd]
    /// Training epochs are not searched (more would always look better); every genome
    /// trains this many.
    public var epochs: Int = 20

    public init(epochs: Int = 20) { self.epochs = epochs }

    /// A genome drawn uniformly from the space (log-uniformly for the learning rate).
    public func random(_ rng: inout RNG) -> Genome {
        let depth = depths.lowerBound + rng.int(below: depths.count)
        return Genome(hidden: (0..<depth).map { _ in pick(widths, &rng) }, activation: pick(activations, &rng),
                      learningRate: randomLearningRate(&rng), batchSize: pick(batchSizes, &rng),
                      optimizer: pick(optimizers, &rng), epochs: epochs)
    }

    /// `genome` with one change, chosen uniformly among: resize a layer (one or two steps
    /// along `widths`), add a layer (a copy of a neighbour), remove a layer, another
    /// activation, the learning rate times e^N(0, 0.7), a neighbouring batch size,
    /// another optimizer. Always returns a legal genome different from `genome` when
    /// the space allows one.
    public func mutate(_ genome: Genome, _ rng: inout RNG) -> Genome {
        let start = legal(genome)
        for _ in 0..<8 {
            var g = start
            switch rng.int(below: 7) {
            case 0:
                let layer = rng.int(below: g.hidden.count)
                let steps = (rng.int(below: 2) + 1) * (rng.int(below: 2) == 0 ? -1 : 1)
                let index = max(0, min(widths.count - 1, nearestWidthIndex(g.hidden[layer]) + steps))
                g.hidden[layer] = widths[index]
            case 1 where g.hidden.count < depths.upperBound:
                let at = rng.int(below: g.hidden.count + 1)
                g.hidden.insert(g.hidden[min(at, g.hidden.count - 1)], at: at)
            case 2 where g.hidden.count > depths.lowerBound:
                g.hidden.remove(at: rng.int(below: g.hidden.count))
            case 3:
                g.activation = pick(activations, &rng)
            case 4:
                g.learningRate = clampLearningRate(g.learningRate * Float(exp(0.7 * Double(rng.normal()))))
            case 5:
                let i = batchSizes.firstIndex(of: g.batchSize) ?? batchSizes.count / 2
                g.batchSize = batchSizes[max(0, min(batchSizes.count - 1, i + (rng.int(below: 2) == 0 ? -1 : 1)))]
            case 6:
                g.optimizer = pick(optimizers, &rng)
            default:
                continue
            }
            if g != start { return g }
        }
        return start
    }

    /// A child of `a` and `b`: each scalar gene from either parent with equal chance;
    /// the hidden layers are `a`'s up to a cut point followed by `b`'s after theirs
    /// (one-point crossover), kept within `depths`.
    public func crossover(_ a: Genome, _ b: Genome, _ rng: inout RNG) -> Genome {
        let cutA = rng.int(below: a.hidden.count + 1)
        let cutB = rng.int(below: b.hidden.count + 1)
        var hidden = Array(a.hidden[..<cutA]) + Array(b.hidden[cutB...])
        if hidden.isEmpty { hidden = [rng.int(below: 2) == 0 ? a.hidden[0] : b.hidden[0]] }
        return legal(Genome(
            hidden: Array(hidden.prefix(depths.upperBound)),
            activation: rng.int(below: 2) == 0 ? a.activation : b.activation,
            learningRate: rng.int(below: 2) == 0 ? a.learningRate : b.learningRate,
            batchSize: rng.int(below: 2) == 0 ? a.batchSize : b.batchSize,
            optimizer: rng.int(below: 2) == 0 ? a.optimizer : b.optimizer,
            epochs: epochs))
    }

    /// `genome` moved into the space: depth clipped, widths and batch size kept as given
    /// when positive, the learning rate clamped and rounded, epochs set to `epochs`.
    /// Genomes from `--init` may lie outside `widths`; they stay as they are.
    public func legal(_ genome: Genome) -> Genome {
        var g = genome
        if g.hidden.isEmpty { g.hidden = [widths[widths.count / 2]] }
        g.hidden = Array(g.hidden.prefix(depths.upperBound)).map { max(1, $0) }
        while g.hidden.count < depths.lowerBound { g.hidden.append(g.hidden.last!) }
        g.learningRate = clampLearningRate(g.learningRate)
        if g.batchSize <= 0 { g.batchSize = batchSizes[batchSizes.count / 2] }
        if !optimizers.contains(g.optimizer) { g.optimizer = optimizers[0] }
        g.epochs = epochs
        return g
    }

    /// Parameters of the network a genome builds for `inputs` and `outputs`.
    public static func parameters(of genome: Genome, inputs: Int, outputs: Int) -> Int {
        let sizes = [inputs] + genome.hidden + [outputs]
        return zip(sizes, sizes.dropFirst()).reduce(0) { $0 + ($1.0 + 1) * $1.1 }
    }

    // MARK: Helpers

    func pick<T>(_ options: [T], _ rng: inout RNG) -> T { options[rng.int(below: options.count)] }

    func randomLearningRate(_ rng: inout RNG) -> Float {
        let lo = log(Double(learningRates.lowerBound)), hi = log(Double(learningRates.upperBound))
        return clampLearningRate(Float(exp(lo + (hi - lo) * Double(rng.uniform()))))
    }

    func clampLearningRate(_ lr: Float) -> Float {
        let clamped = max(learningRates.lowerBound, min(learningRates.upperBound, lr.isFinite ? lr : 1e-3))
        return Self.twoSignificantDigits(clamped)
    }

    static func twoSignificantDigits(_ x: Float) -> Float {
        guard x > 0 else { return x }
        let magnitude = pow(10, floor(log10(Double(x))) - 1)
        return Float((Double(x) / magnitude).rounded() * magnitude)
    }

    func nearestWidthIndex(_ width: Int) -> Int {
        widths.indices.min { abs(widths[$0] - width) < abs(widths[$1] - width) } ?? 0
    }
}
