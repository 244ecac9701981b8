import Foundation
import NimpCore
import NimpTestSupport
import Testing

@testable import NimpIO

/// Safetensors datasets read in place from the mapped file.
@Suite struct MappedDatasetTests {
    let scratch: TemporaryDirectory

    init() throws {
        scratch = try TemporaryDirectory("io-tests")
    }

    @Test func safetensorsFileIsReadInPlace() throws {
        for d in [DatasetIOTests.regression(rows: 300, features: 7, outputs: 2), DatasetIOTests.classification()] {
            let path = try ArchiveTestSupport.temporaryFile(DatasetIO.encode(d, format: .safetensors), name: "d.safetensors", in: scratch)
            let back = try DatasetIO.load(path: path)
            #expect(back.x.isMapped, "x is read in place")
            if case .values(let y) = back.y { #expect(y.isMapped, "a regression's y is read in place") }
            #expect(back.x == d.x)
            #expect(back.y == d.y)
            #expect(back.x.data == d.x.data)
            #expect(back.x.row(3) == d.x.row(3))
            #expect(back.x.rows([4, 1, 4]) == d.x.rows([4, 1, 4]))
            #expect(back.x[2, 1] == d.x[2, 1])
        }
    }

    @Test func writingAMappedMatrixCopiesIt() throws {
        let d = DatasetIOTests.regression(rows: 50, features: 3)
        let path = try ArchiveTestSupport.temporaryFile(DatasetIO.encode(d, format: .safetensors), name: "d.safetensors", in: scratch)
        let loaded = try DatasetIO.load(path: path)
        var x = loaded.x
        x[0, 0] = 12345
        #expect(!x.isMapped)
        #expect(x[0, 0] == 12345)
        #expect(loaded.x[0, 0] == d.x[0, 0], "the file's values are untouched")
        #expect(try DatasetIO.load(path: path).x == d.x)
        #expect(x != loaded.x)
    }

    @Test func releasingPagesKeepsTheValues() throws {
        let d = DatasetIOTests.regression(rows: 20_000, features: 10)
        let path = try ArchiveTestSupport.temporaryFile(DatasetIO.encode(d, format: .safetensors), name: "d.safetensors", in: scratch)
        let loaded = try DatasetIO.load(path: path)
        loaded.x.releaseResident(rows: 0..<loaded.x.rows)
        #expect(loaded.x == d.x)
    }

    @Test func trainingOnAMappedDatasetMatchesInMemory() throws {
        var d = DatasetIOTests.regression(rows: 500, features: 4)
        d.y = .values(Matrix(rows: 500, cols: 1, data: (0..<500).map { Float($0 % 7) / 7 }))
        let path = try ArchiveTestSupport.temporaryFile(DatasetIO.encode(d, format: .safetensors), name: "d.safetensors", in: scratch)
        let mapped = try DatasetIO.load(path: path)
        var rng = RNG(seed: 3)
        let model = Model.initialized(task: .regression, inputs: 4, hidden: [8], outputs: 1, activation: .tanh,
                                      normalizer: fitNormalizer(mapped.x), featureNames: d.featureNames, targetNames: ["y"], rng: &rng)
        #expect(fitNormalizer(mapped.x) == fitNormalizer(d.x))
        let config = TrainConfig(epochs: 3, batchSize: 32, seed: 5)
        guard case .values(let ym) = mapped.y, case .values(let y) = d.y else { Issue.record("regression"); return }
        let a = try Trainer(config: config).fit(model, x: mapped.x, targets: .values(ym), validation: (mapped.x, .values(ym))) { _ in }
        let b = try Trainer(config: config).fit(model, x: d.x, targets: .values(y), validation: (d.x, .values(y))) { _ in }
        #expect(a.model == b.model)
        #expect(evaluateQuality(a.model, on: mapped) == evaluateQuality(b.model, on: d))
    }

    @Test func nonFiniteValuesInAMappedFileAreReported() throws {
        var d = DatasetIOTests.regression(rows: 100_000, features: 2)
        d.x[70_001, 1] = .nan
        let path = try ArchiveTestSupport.temporaryFile(DatasetIO.encode(d, format: .safetensors), name: "d.safetensors", in: scratch)
        if let error = #expect(throws: (any Error).self, performing: { try DatasetIO.load(path: path) }) {
            #expect("\(error)".contains("sample 70001, column 1"), "\(error)")
        }
    }
}

/// Data above `TrainConfig.windowedAboveBytes` trains with the windowed shuffle.
@Suite struct WindowedTrainingTests {
    let scratch: TemporaryDirectory

    init() throws {
        scratch = try TemporaryDirectory("io-tests")
    }

    @Test func windowedShuffleTrainsAMappedDataset() throws {
        var rng = RNG(seed: 8)
        let n = 4000
        var x = Matrix(rows: n, cols: 2), y = Matrix(rows: n, cols: 1)
        for r in 0..<n {
            x[r, 0] = rng.uniform() * 4 - 2
            x[r, 1] = rng.uniform() * 4 - 2
            y[r, 0] = sin(x[r, 0]) + 0.5 * x[r, 1]
        }
        let d = Dataset(x: x, y: .values(y), targetNames: ["y"])
        let path = try ArchiveTestSupport.temporaryFile(DatasetIO.encode(d, format: .safetensors), name: "d.safetensors", in: scratch)
        let mapped = try DatasetIO.load(path: path)
        guard case .values(let ym) = mapped.y else { Issue.record("regression"); return }
        var m = Model.initialized(task: .regression, inputs: 2, hidden: [16, 16], outputs: 1, activation: .tanh,
                                  normalizer: fitNormalizer(mapped.x), featureNames: ["a", "b"], targetNames: ["y"], rng: &rng)
        m.initializeOutputs(for: mapped.y)
        var config = TrainConfig(epochs: 30, batchSize: 32, learningRate: 0.01, seed: 1)
        config.windowedAboveBytes = 0
        config.shuffleBlockBytes = 8 * 64  // 64 rows per block
        config.shuffleWindowBytes = 8 * 256  // 4 blocks per window
        var full = config
        full.windowedAboveBytes = .max
        let windowed = try Trainer(config: config).fit(m, x: mapped.x, targets: .values(ym), validation: nil) { _ in }
        let whole = try Trainer(config: full).fit(m, x: mapped.x, targets: .values(ym), validation: nil) { _ in }
        #expect(windowed.model != whole.model, "a different order")
        #expect(windowed.epochs.count == 30)
        let qw = evaluateQuality(windowed.model, on: mapped), qf = evaluateQuality(whole.model, on: mapped)
        #expect(qw.r2! > 0.98)
        #expect(qf.r2! > 0.98)
        #expect(mapped.x == d.x, "the file's values are unchanged after releases")
    }
}
