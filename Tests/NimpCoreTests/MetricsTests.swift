import Foundation
import Testing
@testable import NimpCore

/// Metrics against values worked out by hand (and matching scikit-learn's definitions).
@Suite struct MetricsTests {
    let predictions: [Int32] = [0, 1, 1, 2, 2, 2, 0, 1]
    let labels: [Int32] = [0, 1, 2, 2, 2, 1, 1, 1]

    @Test func accuracyMetric() {
        #expect(accuracy(predictions: predictions, labels: labels) == 5.0 / 8)  // positions 0, 1, 3, 4, 7
    }

    @Test func macroF1Metric() {
        // class 0: tp 1, fp 1, fn 0 → 2/3;  class 1: tp 2, fp 1, fn 2 → 4/7;  class 2: tp 2, fp 1, fn 1 → 4/6
        let expected = (2.0 / 3 + 4.0 / 7 + 4.0 / 6) / 3
        #expect(abs(macroF1(predictions: predictions, labels: labels, classes: 3) - expected) <= 1e-12)
        // A class that occurs nowhere (3 of 4) is left out of the mean, as scikit-learn does.
        #expect(abs(macroF1(predictions: predictions, labels: labels, classes: 4) - expected) <= 1e-12)
    }

    @Test func logLossMetric() {
        let p = Matrix([[0.8, 0.2], [0.4, 0.6], [0, 1]])
        // -(ln 0.8 + ln 0.6 + ln 1e-15) / 3
        let expected = -(log(0.8) + log(0.6) + log(1e-15)) / 3
        #expect(abs(logLoss(probabilities: p, labels: [0, 1, 0]) - expected) <= 1e-6)
    }

    @Test func regressionMetrics() {
        let y = Matrix([[1, 10], [2, 20], [3, 30], [4, 40]])
        let p = Matrix([[1.5, 10], [2, 22], [2, 30], [4, 40]])
        // errors: col0 [0.5, 0, -1, 0], col1 [0, 2, 0, 0]; squared sum 1.25 + 4 = 5.25 over 8
        #expect(abs(mse(predictions: p, targets: y) - 5.25 / 8) <= 1e-12)
        #expect(abs(rmse(predictions: p, targets: y) - (5.25 / 8).squareRoot()) <= 1e-12)
        #expect(abs(mae(predictions: p, targets: y) - 3.5 / 8) <= 1e-12)
        // SST col0 = 5, col1 = 500; R² = mean(1 - 1.25/5, 1 - 4/500) = mean(0.75, 0.992)
        #expect(abs(r2(predictions: p, targets: y) - (0.75 + 0.992) / 2) <= 1e-12)
    }

    @Test func argmaxOfEachRow() {
        #expect(argmaxRows(Matrix([[0, 3, 1], [5, 5, 1], [-1, -2, -0.5]])) == [1, 0, 2])
    }

    @Test func evaluateQualityClassification() {
        // A one-layer model with identity normalizer whose logits are the inputs.
        let m = identityModel(.classification, width: 3)
        let x = Matrix([[2, 0, 0], [0, 1, 0], [0, 0, 3], [1, 0, 0], [0, 2, 0]])
        let labels: [Int32] = [0, 1, 2, 1, 0]
        let q = evaluateQuality(m, on: Dataset(x: x, y: .classes(labels), targetNames: ["a", "b", "c"]))
        #expect(q.task == .classification)
        #expect(q.samples == 5)
        #expect(abs(q.accuracy! - 3.0 / 5) <= 1e-12)
        #expect(abs(q.macroF1! - macroF1(predictions: [0, 1, 2, 0, 1], labels: labels, classes: 3)) <= 1e-12)
        let ref = zip(x.doubleRows, labels).reduce(0.0) { $0 - referenceLogSoftmax($1.0)[Int($1.1)] } / 5
        #expect(abs(q.logLoss! - ref) <= 1e-6)
        #expect(q.mse == nil)
    }

    @Test func evaluateQualityRegressionStreamsChunks() {
        let m = identityModel(.regression, width: 2)
        var rng = RNG(seed: 1)
        let x = randomMatrix(2500, 2, &rng)  // three 1024-row chunks
        let y = randomMatrix(2500, 2, &rng)
        let q = evaluateQuality(m, on: Dataset(x: x, y: .values(y), targetNames: ["a", "b"]))
        #expect(abs(q.mse! - mse(predictions: x, targets: y)) <= 1e-9)
        #expect(abs(q.mae! - mae(predictions: x, targets: y)) <= 1e-9)
        #expect(abs(q.r2! - r2(predictions: x, targets: y)) <= 1e-9)
        #expect(abs(q.rmse! - q.mse!.squareRoot()) <= 1e-12)
        #expect(q.accuracy == nil)
    }

    @Test func qualityReportJSONKeys() throws {
        let q = QualityReport(task: .classification, samples: 3, accuracy: 1, macroF1: 1, logLoss: 0.1)
        let json = String(decoding: try JSONEncoder().encode(q), as: UTF8.self)
        #expect(json.contains("\"macro_f1\"") && json.contains("\"log_loss\""), "\(json)")
        #expect(try JSONDecoder().decode(QualityReport.self, from: Data(json.utf8)) == q)
    }

    private func identityModel(_ task: Task, width: Int) -> Model {
        var w = Matrix(rows: width, cols: width)
        for i in 0..<width { w[i, i] = 1 }
        let layer = DenseLayer(weight: w, bias: [Float](repeating: 0, count: width), activation: .identity)
        return Model(task: task, layers: [layer], normalizer: .identity(features: width),
                     featureNames: (0..<width).map { "x\($0)" }, targetNames: (0..<width).map { "y\($0)" })
    }
}
