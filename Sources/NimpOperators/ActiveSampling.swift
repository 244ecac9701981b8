import Foundation
import NimpCore

/// Where to ask a teacher next (active learning, README "Active sampling"): of a pool of
/// candidate inputs drawn uniformly from [0, 1]^features — free, since only labels cost
/// teacher calls — take the ones where the surrogate is least sure. "Least sure" is the
/// disagreement of a small committee: networks of the surrogate's shape trained on
/// bootstrap resamples of the labelled rows, next to the surrogate itself. A fraction of
/// the rows stays uniform, so no region is starved when the committee agrees wrongly.
/// Deterministic for a seed.
public enum ActiveSampling {
    public struct Options: Sendable {
        /// Rows to choose.
        public var samples: Int
        /// Candidates to choose from (default: 20 per chosen row, at least 2,000).
        public var pool: Int?
        /// Part of the rows drawn uniformly, whatever the committee says (0.25 did a little
        /// worse than 0.1 in bench/active_learning.py).
        public var uniformFraction = 0.1
        /// Networks trained on bootstrap resamples, besides the surrogate (6 did a little
        /// better than 4).
        public var committee = 6
        /// A candidate's weight is its disagreement to this power: 4 leans harder to the
        /// unsure rows than the variance (2) and took fewer teacher calls in the bench.
        public static let weightPower = 4.0
        /// Each member sees at most this many rows…
        public static let memberRows = 4096
        /// …and at most this many sample-steps (rows × epochs), so a committee costs about as
        /// much as a short training run, not a full one per member.
        public static let memberSteps = 200_000
        public static let maxPool = 1_000_000
        public var seed: UInt64

        public init(samples: Int, pool: Int? = nil, seed: UInt64) {
            self.samples = samples
            self.pool = pool
            self.seed = seed
        }

        var poolSize: Int { pool ?? min(Self.maxPool, max(2000, 20 * samples)) }
    }

    /// What `choose` did, for lineage and for the user.
    public struct Choice: Sendable {
        public var x: Matrix
        /// Rows taken for the committee's disagreement, and uniformly.
        public var disagreement: Int
        public var uniform: Int
        public var pool: Int
        /// Mean disagreement (in units of the targets' standard deviation) of the chosen rows
        /// and of the whole pool: how far the choice leans to where the surrogate is unsure.
        public var chosenScore: Double
        public var poolScore: Double
    }

    /// Why `surrogate` and `labelled` cannot drive a choice over `features` inputs, or nil.
    /// `surrogateName` and `labelledName` name them in the message (files, a registry model).
    public static func problem(surrogate: Model, surrogateName: String, labelled: Dataset, labelledName: String, features: Int) -> NimpError? {
        if let p = problem(surrogate: surrogate, surrogateName: surrogateName, features: features) { return p }
        guard labelled.features == features else {
            return .data(labelledName, nil, "\(labelled.features) features; the teacher takes \(features)")
        }
        guard case .values = labelled.y, labelled.outputs == surrogate.outputs else {
            return .data(labelledName, nil, "\(labelled.outputs) target column(s) (\(labelled.task.rawValue)); the surrogate \(surrogateName) predicts \(surrogate.outputs) values")
        }
        guard labelled.count >= 2 else {
            return .data(labelledName, nil, "\(labelled.count) labelled row(s); active sampling needs at least 2 to train a committee on")
        }
        return nil
    }

    /// Why `surrogate` cannot stand for a teacher of `features` inputs, or nil.
    public static func problem(surrogate: Model, surrogateName: String, features: Int) -> NimpError? {
        guard surrogate.task == .regression else {
            return .data(surrogateName, nil, "is a classifier; active sampling needs a regression surrogate of the teacher")
        }
        guard surrogate.inputs == features else {
            return .data(surrogateName, nil, "expects \(surrogate.inputs) inputs; the teacher takes \(features)",
                         hint: "use a surrogate of this teacher, or give --features \(surrogate.inputs)")
        }
        return nil
    }

    /// `options.samples` inputs in [0, 1]^features to label next. Throws `problem`'s error.
    public static func choose(surrogate: Model, surrogateName: String, labelled: Dataset, labelledName: String,
                              features: Int, options: Options) throws -> Choice {
        if let p = problem(surrogate: surrogate, surrogateName: surrogateName, labelled: labelled, labelledName: labelledName, features: features) {
            throw p
        }
        let pool = max(options.poolSize, options.samples)
        let candidates = InputSampler.uniform(features: features, samples: pool, seed: options.seed ^ 0xAC71_E5A3_9001)
        let uniform = min(options.samples, Int((Double(options.samples) * options.uniformFraction).rounded()))
        let scores = disagreement(surrogate: surrogate, labelled: labelled, at: candidates, committee: options.committee, seed: options.seed)
        // The first `uniform` candidates are a uniform sample already; the rest are drawn by
        // weight (Efraimidis–Spirakis keys), the weight growing with the disagreement. Drawn,
        // not the top scores: the top of a batch crowds into one corner, a draw spreads it.
        var rng = RNG(seed: options.seed ^ 0x5E1E_C7ED)
        var keyed: [(key: Double, index: Int)] = []
        keyed.reserveCapacity(pool - uniform)
        // Relative to the largest, so tiny disagreements do not all underflow to one weight.
        let top = Double(scores.max() ?? 0) > 0 ? Double(scores.max()!) : 1
        for i in uniform..<pool {
            let w = max(pow(Double(scores[i]) / top, Options.weightPower), 1e-300)
            keyed.append((log(max(rng.uniformDouble(), 1e-300)) / w, i))
        }
        keyed.sort { $0.key > $1.key || ($0.key == $1.key && $0.index < $1.index) }
        let picked = Array(0..<uniform) + keyed.prefix(options.samples - uniform).map(\.index)
        var x = Matrix(rows: picked.count, cols: features)
        for (r, i) in picked.enumerated() {
            for j in 0..<features { x[r, j] = candidates[i, j] }
        }
        let mean = { (ix: [Int]) in ix.isEmpty ? 0 : ix.reduce(0.0) { $0 + Double(scores[$1]) } / Double(ix.count) }
        return Choice(x: x, disagreement: picked.count - uniform, uniform: uniform, pool: pool,
                      chosenScore: mean(picked), poolScore: mean(Array(0..<pool)))
    }

    /// Per candidate: the standard deviation of the committee's predictions (the surrogate
    /// and networks trained on bootstrap resamples of `labelled`), per output in units of
    /// the targets' standard deviation, averaged over outputs.
    static func disagreement(surrogate: Model, labelled: Dataset, at x: Matrix, committee: Int, seed: UInt64) -> [Float] {
        guard case .values(let y) = labelled.y else { return [Float](repeating: 0, count: x.rows) }
        var predictions = [surrogate.predict(x)]
        let n = labelled.count, rows = min(n, Options.memberRows)
        let activation = surrogate.layers.first?.activation ?? .relu
        let hidden = surrogate.hidden.isEmpty ? [16] : surrogate.hidden
        for m in 0..<committee {
            var rng = RNG(seed: seed &+ 0xC0_33_17 &* UInt64(m + 1))
            let sample = (0..<rows).map { _ in rng.int(below: n) }
            let data = labelled.subset(sample)
            var member = Model.initialized(task: .regression, inputs: labelled.features, hidden: hidden, outputs: labelled.outputs,
                                           activation: activation, normalizer: fitNormalizer(data.x), featureNames: labelled.featureNames,
                                           targetNames: labelled.targetNames, rng: &rng)
            member.initializeOutputs(for: data.y)
            let epochs = max(5, min(200, Options.memberSteps / rows))
            let config = TrainConfig(epochs: epochs, batchSize: 32, learningRate: 3e-3, optimizer: .adam, schedule: .cosine, seed: rng.next())
            // A member that diverges is left out; the others and the surrogate still disagree.
            guard let fit = try? Trainer(config: config).fit(member, x: data.x, targets: TrainingJob.trainingTargets(data), validation: nil,
                                                             onEpoch: { _ in }) else { continue }
            predictions.append(fit.model.predict(x))
        }
        let outputs = labelled.outputs
        let scale = (0..<outputs).map { j -> Float in
            var mean: Float = 0, sq: Float = 0
            for i in 0..<n { mean += y[i, j] }
            mean /= Float(n)
            for i in 0..<n { sq += (y[i, j] - mean) * (y[i, j] - mean) }
            let s = (sq / Float(n)).squareRoot()
            return s > 0 && s.isFinite ? s : 1
        }
        let k = Float(predictions.count)
        var scores = [Float](repeating: 0, count: x.rows)
        for i in 0..<x.rows {
            var total: Float = 0
            for j in 0..<outputs {
                var mean: Float = 0
                for p in predictions { mean += p[i, j] }
                mean /= k
                var v: Float = 0
                for p in predictions { v += (p[i, j] - mean) * (p[i, j] - mean) }
                total += (v / k).squareRoot() / scale[j]
            }
            let s = total / Float(outputs)
            scores[i] = s.isFinite ? s : 0
        }
        return scores
    }
}

