import Foundation
import Testing
import NimpCore
@testable import NimpCycle

/// The paired evidence measures exactly the metric it names: its effect equals the change
/// `evaluateQuality` reports between the two models, on real forward passes.
@Suite struct PairedComparisonTests {
    func model(_ task: Task, inputs: Int, outputs: Int, seed: UInt64) -> Model {
        var rng = RNG(seed: seed)
        return Model.initialized(task: task, inputs: inputs, hidden: [6], outputs: outputs, activation: .tanh,
                                 normalizer: .identity(features: inputs), featureNames: (0..<inputs).map { "x\($0)" },
                                 targetNames: (0..<outputs).map { "y\($0)" }, rng: &rng)
    }

    func data(_ task: Task, rows: Int, inputs: Int, outputs: Int) -> Dataset {
        var rng = RNG(seed: 99)
        let x = Matrix(rows: rows, cols: inputs, data: (0..<(rows * inputs)).map { _ in rng.normal() })
        switch task {
        case .regression:
            // Outputs on very different scales, so R² weighs them unlike MSE does.
            let y = Matrix(rows: rows, cols: outputs, data: (0..<(rows * outputs)).map { i in rng.normal() * Float(1 + 9 * (i % outputs)) })
            return Dataset(x: x, y: .values(y), targetNames: (0..<outputs).map { "y\($0)" })
        case .classification:
            return Dataset(x: x, y: .classes((0..<rows).map { _ in Int32(rng.int(below: outputs)) }), targetNames: (0..<outputs).map { "c\($0)" })
        }
    }

    @Test func effectsEqualTheMetricChanges() {
        for task in [Task.regression, .classification] {
            let outputs = task == .regression ? 3 : 4
            let d = data(task, rows: 500, inputs: 5, outputs: outputs)
            let old = model(task, inputs: 5, outputs: outputs, seed: 1), new = model(task, inputs: 5, outputs: outputs, seed: 2)
            let before = evaluateQuality(old, on: d).metrics, after = evaluateQuality(new, on: d).metrics
            let comparison = PairedComparison(champion: sampleOutcomes(old, on: d), candidate: sampleOutcomes(new, on: d))
            let metrics = task == .regression ? ["r2", "mse", "mae"] : ["accuracy", "log_loss", "macro_f1"]
            for metric in metrics {
                let e = MetricEvidence(metric: metric, evidence: comparison.evidence(metric, confidence: 0.95)!)
                #expect(abs(e.change - (after[metric]! - before[metric]!)) <= 1e-9, "\(task) \(metric)")
                #expect(e.interval.0 <= e.change, "\(metric)")
                #expect(e.interval.1 >= e.change, "\(metric)")
            }
            #expect(comparison.evidence("latency_p50_us", confidence: 0.95) == nil)
        }
    }

    /// A model against itself: no effect, and nothing significant either way.
    @Test func aModelIsNotBetterThanItself() {
        let d = data(.classification, rows: 200, inputs: 5, outputs: 3)
        let m = model(.classification, inputs: 5, outputs: 3, seed: 4)
        let same = PairedComparison(champion: sampleOutcomes(m, on: d), candidate: sampleOutcomes(m, on: d))
        for metric in ["accuracy", "log_loss", "macro_f1"] {
            let e = same.evidence(metric, confidence: 0.95)!
            #expect(abs(e.effect) <= 1e-12)
            #expect(!(e.significantlyBetter || e.significantlyWorse), "\(metric)")
        }
    }
}
