import Foundation
import NimpCore
import NimpIO
import Testing
@testable import NimpOperators

@Suite struct QuantizationTests {
    /// Rounding to the nearest code moves a weight by at most half a step; the division
    /// `w / scale` may itself be off by an ulp, so allow that relative slack.
    static let halfStepSlack: Float = 1 + 1e-5
    /// Quantized (int8) outputs of the fixture models stay within this of the float
    /// outputs: per-weight error ≤ scale/2 ≈ 0.4% of a row's largest weight, which through
    /// two or three layers of fan-in ≤ 32 on inputs in [-1, 1] moves outputs by well
    /// under 0.05; measured about 0.01.
    static let int8OutputTolerance: Float = 0.05
    /// F16 keeps 11 significant bits: relative error ≤ 2^-11 per weight.
    static let f16OutputTolerance: Float = 0.005

    @Test func int8RoundTripErrorIsAtMostHalfAScalePerChannel() {
        let model = OperatorFixtures.model([12, 32, 3], seed: 11)
        for layer in model.layers {
            let q = Int8Weights(quantizing: layer.weight)
            let back = q.dequantized()
            #expect(q.scales.count == layer.weight.rows)
            for r in 0..<layer.weight.rows {
                let rowMax = (0..<layer.weight.cols).map { abs(layer.weight[r, $0]) }.max()!
                #expect(q.scales[r] == rowMax / Int8Weights.limit)
                for c in 0..<layer.weight.cols {
                    let error = abs(layer.weight[r, c] - back[r, c])
                    #expect(error <= q.scales[r] / 2 * Self.halfStepSlack, "row \(r) col \(c): error \(error), scale \(q.scales[r])")
                }
            }
            #expect(q.values.allSatisfy { $0 >= -127 })
        }
    }

    @Test func zeroChannelQuantizesToZeros() {
        let w = Matrix(rows: 2, cols: 3, data: [0, 0, 0, 0.3, -1, 0.25])
        let q = Int8Weights(quantizing: w)
        #expect(q.scales[0] == 0)
        #expect(q.dequantized().row(0) == [0, 0, 0])
        #expect(q.values[3...] == [38, -127, 32])
    }

    /// `nimp optimize --quantize int8` and the archive writer share one codec: the archive
    /// holds exactly the ints and scales of the float weights, and decodes to the floats
    /// that were evaluated.
    @Test func optimizeAndArchiveStoreTheSameInt8Bytes() throws {
        let model = OperatorFixtures.model([10, 24, 3], task: .classification, seed: 13)
        let quantized = try Quantization.quantized(model, to: .int8).model
        let archive = try ModelArchive(model: quantized, manifest: Manifest(model: quantized, lineage: .init(operation: "quantize"))).encode()
        let members = try TarArchive.read(archive, name: "q.nimp")
        let weights = try SafeTensorsFile(data: members[1].data, name: "q.nimp: weights.safetensors")
        for (n, layer) in model.layers.enumerated() {
            let expected = Int8Weights(quantizing: layer.weight)
            #expect(weights.rawBytes("layers.\(n).weight") == Data(expected.values.map { UInt8(bitPattern: $0) }), "layer \(n)")
            #expect(try weights.floats("layers.\(n).weight_scale") == expected.scales, "layer \(n)")
            #expect(quantized.layers[n].weight == expected.dequantized())
        }
        #expect(try ModelArchive.decode(archive, name: "q.nimp").model.layers.map(\.weight) == quantized.layers.map(\.weight))
    }

    @Test func quantizingTwiceChangesNothing() throws {
        let model = OperatorFixtures.model([6, 16, 2], seed: 5)
        let once = try Quantization.quantized(model, to: .int8).model
        let twice = try Quantization.quantized(once, to: .int8)
        #expect(twice.model.layers.map(\.weight) == once.layers.map(\.weight))
        #expect(twice.error.maxAbs == 0)
    }

    @Test func roundTripReportBoundsTheError() throws {
        let model = OperatorFixtures.model([10, 24, 24, 1], seed: 9)
        let (quantized, error) = try Quantization.quantized(model, to: .int8)
        #expect(error.maxErrorOverScale <= 0.5 * Double(Self.halfStepSlack))
        #expect(error.relativeRMS > 0 && error.relativeRMS < 0.01)
        #expect(quantized.layers.allSatisfy { $0.storage == .int8 })
        #expect(quantized.layers.map(\.bias) == model.layers.map(\.bias))
    }

    @Test func f16RoundsEachWeightToElevenBits() throws {
        let w = Matrix(rows: 1, cols: 4, data: [1, 1 + 0x1p-12, 3.14159, -0.001])
        let r = try Quantization.roundedToF16(w)
        #expect(r.data[0] == 1)
        #expect(r.data[1] == 1)  // halfway between 1 and 1 + 2^-10 rounds to even
        for (a, b) in zip(w.data, r.data) { #expect(abs(a - b) <= abs(a) * 0x1p-11) }
        #expect(throws: NimpError.self) { try Quantization.roundedToF16(Matrix(rows: 1, cols: 1, data: [70000])) }
    }

    @Test func quantizedOutputsStayNearTheFloatOutputs() throws {
        let x = OperatorFixtures.inputs(rows: 200, cols: 10)
        for seed: UInt64 in [1, 2, 3] {
            let model = OperatorFixtures.model([10, 32, 32, 2], seed: seed)
            let float = model.predict(x)
            let int8 = try Quantization.quantized(model, to: .int8).model.predict(x)
            let f16 = try Quantization.quantized(model, to: .f16).model.predict(x)
            #expect(OperatorFixtures.maxDifference(float, int8) <= Self.int8OutputTolerance)
            #expect(OperatorFixtures.maxDifference(float, f16) <= Self.f16OutputTolerance)
        }
    }

    @Test func prunedWeightsStayZeroWhenQuantized() throws {
        let pruned = Pruner.pruneWeights(OperatorFixtures.model([8, 16, 16, 1]), sparsity: 0.5)
        let quantized = try Quantization.quantized(pruned, to: .int8).model
        for (a, b) in zip(pruned.layers, quantized.layers) {
            for (w, q) in zip(a.weight.data, b.weight.data) where w == 0 { #expect(q == 0) }
        }
    }

    @Test func quantizedModelsSurviveTheArchiveExactly() throws {
        let model = OperatorFixtures.model([10, 24, 3], task: .classification, seed: 12)
        let x = OperatorFixtures.inputs(rows: 500, cols: 10)
        for quantized in [try Quantization.quantized(model, to: .int8).model, try Quantization.quantized(model, to: .f16).model,
                          try CompensatingQuantizer.best(model, inputs: x).model] {
            let archive = ModelArchive(model: quantized, manifest: Manifest(model: quantized, lineage: .init(operation: "quantize")))
            let decoded = try ModelArchive.decode(try archive.encode(), name: "quantized.nimp")
            #expect(decoded.model.layers.map(\.weight) == quantized.layers.map(\.weight))
            #expect(decoded.model.predict(x) == quantized.predict(x))
        }
    }

    @Test func calibratedRoundingKeepsOutputsCloserThanPlainRounding() throws {
        let model = OperatorFixtures.model([10, 32, 32, 1], seed: 4)
        let calibration = OperatorFixtures.inputs(rows: 2000, cols: 10, seed: 9)
        let fresh = OperatorFixtures.inputs(rows: 2000, cols: 10, seed: 10)
        func distance(_ m: Model, _ x: Matrix) -> Float {
            zip(m.predict(x).data, model.predict(x).data).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        }
        let plain = try Quantization.quantized(model, to: .int8).model
        let compensated = try CompensatingQuantizer.quantized(model, calibration: calibration).model
        let best = try CompensatingQuantizer.best(model, inputs: calibration).model
        #expect(distance(compensated, fresh) < distance(plain, fresh))
        #expect(distance(best, calibration) <= distance(plain, calibration))
        #expect(best.layers.allSatisfy { $0.storage == .int8 })
    }

    @Test func choleskyFactorInvertsTheHessian() throws {
        let x = OperatorFixtures.inputs(rows: 50, cols: 4, seed: 2)
        let u = try #require(CompensatingQuantizer.inverseHessianFactor(x))
        // (UᵀU)(XᵀX + λI) = I
        var h = [Double](repeating: 0, count: 16)
        for r in 0..<50 { for i in 0..<4 { for j in 0..<4 { h[i * 4 + j] += Double(x[r, i]) * Double(x[r, j]) } } }
        let damp = CompensatingQuantizer.dampening * (0..<4).reduce(0.0) { $0 + h[$1 * 4 + $1] } / 4
        for i in 0..<4 { h[i * 4 + i] += damp }
        for i in 0..<4 {
            for j in 0..<4 {
                var v = 0.0
                for k in 0..<4 {
                    var inv = 0.0
                    for m in 0..<4 { inv += u[m * 4 + i] * u[m * 4 + k] }
                    v += inv * h[k * 4 + j]
                }
                #expect(abs(v - (i == j ? 1 : 0)) < 1e-9)
            }
        }
    }
}
