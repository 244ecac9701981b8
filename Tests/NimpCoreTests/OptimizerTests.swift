import Foundation
import Testing
@testable import NimpCore

/// One or two optimizer steps against values computed by hand (in the comments).
@Suite struct OptimizerTests {
    /// Float arithmetic on values of order 1: a few ulps.
    let tolerance: Float = 1e-6

    func run(_ o: Optimizer, _ w: [Float], _ grads: [[Float]], lr: Float) -> [Float] {
        var w = w
        for g in grads {
            w.withUnsafeMutableBufferPointer { wp in g.withUnsafeBufferPointer { o.update(wp.baseAddress!, grads: $0.baseAddress!, learningRate: lr) } }
        }
        return w
    }

    func assertEqual(_ a: [Float], _ b: [Float], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.count == b.count, sourceLocation: sourceLocation)
        for (x, y) in zip(a, b) { #expect(abs(x - y) <= tolerance * max(1, abs(y)), sourceLocation: sourceLocation) }
    }

    @Test func sgdMomentum() {
        // v1 = g1 = [0.5, -1];  w1 = w0 - 0.1·v1 = [0.95, 2.1]
        // v2 = 0.9·v1 + g2 = [0.45 + 1, -0.9 + 0] = [1.45, -0.9];  w2 = w1 - 0.1·v2 = [0.805, 2.19]
        let o = Optimizer(kind: .sgd, count: 2, momentum: 0.9)
        assertEqual(run(o, [1, 2], [[0.5, -1], [1, 0]], lr: 0.1), [0.805, 2.19])
    }

    @Test func sgdWeightDecayIsL2() {
        // g' = g + 0.1·w = [0.5 + 0.1, -1 + 0.2] = [0.6, -0.8]; w = [1 - 0.06, 2 + 0.08]
        let o = Optimizer(kind: .sgd, count: 2, momentum: 0.9, weightDecay: 0.1)
        assertEqual(run(o, [1, 2], [[0.5, -1]], lr: 0.1), [0.94, 2.08])
    }

    @Test func adamFirstStep() {
        // m = 0.1·g, v = 0.001·g²; m̂ = g, v̂ = g²; w -= lr·g / (|g| + eps) ≈ w - lr·sign(g)
        // g = 0 gives no movement.  eps = 1e-8 shifts the result by lr·eps/|g| < 1e-9.
        let o = Optimizer(kind: .adam, count: 3)
        assertEqual(run(o, [1, 2, 3], [[0.5, -4, 0]], lr: 0.01), [0.99, 2.01, 3])
    }

    @Test func adamSecondStep() {
        // g1 = 1, g2 = 0.5, lr = 0.1, w0 = 0
        // step 1: m = 0.1, v = 0.001, m̂ = 1, v̂ = 1 → w = -0.1
        // step 2: m = 0.09 + 0.05 = 0.14, v = 0.000999 + 0.00025 = 0.001249
        //         m̂ = 0.14 / 0.19 = 0.736842105, v̂ = 0.001249 / 0.001999 = 0.624812406, √v̂ = 0.790450763
        //         w = -0.1 - 0.1 · 0.736842105 / 0.790450763 = -0.1 - 0.093217964 = -0.193217964
        let o = Optimizer(kind: .adam, count: 1)
        assertEqual(run(o, [0], [[1], [0.5]], lr: 0.1), [-0.193_217_964])
    }

    @Test func adamWeightDecayIsL2AndAdamWIsDecoupled() {
        // Adam, wd 0.5: g' = g + 0.5·w = 0.2 + 1 = 1.2 → first step moves by lr·sign(g') = 0.1: w = 1.9
        let adam = Optimizer(kind: .adam, count: 1, weightDecay: 0.5)
        assertEqual(run(adam, [2], [[0.2]], lr: 0.1), [1.9])
        // Adam, wd 0.5, g = -1.2: g' = -1.2 + 1 = -0.2, still negative → w = 2.1
        let adamNeg = Optimizer(kind: .adam, count: 1, weightDecay: 0.5)
        assertEqual(run(adamNeg, [2], [[-1.2]], lr: 0.1), [2.1])
        // AdamW, wd 0.5: w = 2·(1 - 0.1·0.5) = 1.9, then the Adam step on g = -1.2 alone: +0.1 → 2.0
        let adamw = Optimizer(kind: .adamw, count: 1, weightDecay: 0.5)
        assertEqual(run(adamw, [2], [[-1.2]], lr: 0.1), [2.0])
    }

    @Test func longVectorsUseTheSameRuleAsShortOnes() {
        // 37 values: two 16-lane chunks and a 5-value tail must agree with one-by-one updates.
        var rng = RNG(seed: 1)
        let w = (0..<37).map { _ in rng.normal() }
        let g = (0..<37).map { _ in rng.normal() }
        for kind in OptimizerKind.allCases {
            let whole = run(Optimizer(kind: kind, count: 37, weightDecay: 0.01), w, [g, g], lr: 0.01)
            for i in 0..<37 {
                let single = run(Optimizer(kind: kind, count: 1, weightDecay: 0.01), [w[i]], [[g[i]], [g[i]]], lr: 0.01)
                #expect(whole[i] == single[0], "\(kind) index \(i)")
            }
        }
    }

    @Test func cosineSchedule() {
        // lr · ½(1 + cos(π t / T)), T = 4
        let expected: [Float] = [1, 0.853_553_4, 0.5, 0.146_446_6, 0]
        for (t, e) in expected.enumerated() {
            #expect(abs(LRSchedule.cosine.learningRate(base: 1, step: t, totalSteps: 4) - e) <= 1e-6)
        }
        #expect(LRSchedule.constant.learningRate(base: 0.3, step: 3, totalSteps: 4) == 0.3)
    }

    @Test func clipping() {
        var g: [Float] = [3, 4]  // norm 5
        let norm = g.withUnsafeMutableBufferPointer { clipGlobalNorm($0.baseAddress!, count: 2, maxNorm: 1) }
        #expect(abs(norm - 5) <= 1e-9)
        #expect(abs(g[0] - 0.6) <= 1e-6)  // 3 · 1 / (5 + 1e-6)
        #expect(abs(g[1] - 0.8) <= 1e-6)
        var small: [Float] = [0.3, 0.4]
        small.withUnsafeMutableBufferPointer { _ = clipGlobalNorm($0.baseAddress!, count: 2, maxNorm: 1) }
        #expect(small == [0.3, 0.4])
        // Global: the norm spans all 20 values (two chunks' worth), each 1 → norm √20.
        var many = [Float](repeating: 1, count: 20)
        many.withUnsafeMutableBufferPointer { _ = clipGlobalNorm($0.baseAddress!, count: 20, maxNorm: 2) }
        #expect(abs(many[19] - 2 / (20 as Float).squareRoot()) <= 1e-6)
    }
}

@Suite struct GenomeJSONTests {
    @Test func optimizerIsWrittenAsItsName() throws {
        let genome = Genome(hidden: [8], optimizer: .adamw)
        let object = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(genome)) as? [String: Any]
        #expect(object?["optimizer"] as? String == "adamw")
        #expect(try JSONDecoder().decode(Genome.self, from: try JSONEncoder().encode(genome)) == genome)
    }

    @Test func unknownOptimizerNamesTheAllowedOnes() {
        let json = #"{"hidden": [8], "activation": "relu", "learning_rate": 0.01, "batch_size": 32, "optimizer": "lbfgs", "epochs": 3}"#
        if let error = #expect(throws: (any Error).self, performing: { try JSONDecoder().decode(Genome.self, from: Data(json.utf8)) }) {
            guard case .dataCorrupted(let context) = error as? DecodingError else { Issue.record("\(error)"); return }
            #expect(context.codingPath.map(\.stringValue) == ["optimizer"])
            #expect(context.debugDescription == #"unknown optimizer "lbfgs", expected one of: sgd, adam, adamw"#)
        }
    }
}
