import Foundation
import NimpCore
import NimpTestSupport
import Testing

@testable import NimpIO

/// Interop with Python's reference safetensors library, both ways, through checked-in
/// files: fixtures/interop/python_* were written by make_fixture.py; nimp_* by nimp's
/// writer (re-record with NIMP_RECORD_FIXTURES=1) and checked by check_nimp_files.py.
extension SafeTensorsTests {
    @Test func readsDatasetWrittenByPython() throws {
        let d = try DatasetIO.load(path: FormatFixtures.path("interop/python_dataset.safetensors"))
        #expect(d.task == .classification)
        #expect(d.x == Matrix(rows: 6, cols: 3, data: (0..<18).map { Float($0) * 0.25 - 2 }))
        #expect(d.y == .classes([0, 2, 1, 1, 0, 2]))
        #expect(d.featureNames == ["sepal length", "sepal width", "petal, length"])
        #expect(d.targetNames == ["setosa", "versicolor", "virginica"])
        #expect(d.source == "python make_fixture.py")
        #expect(d.seed == 7)
    }

    @Test func readsWeightsWrittenByPython() throws {
        let f = try SafeTensorsFile.read(path: FormatFixtures.path("interop/python_weights.safetensors"))
        #expect(f.metadata == ["format": "pt"])
        #expect(f.info("layers.0.weight")?.shape == [4, 3])
        #expect(try f.floats("layers.0.weight") == (0..<12).map { Float($0) / 8 - 0.75 })
        #expect(try f.floats("layers.0.bias") == [0.5, -0.5, 1, -1])
        #expect(f.info("layers.1.weight")?.dtype == .F16)
        #expect(f.info("layers.1.weight")?.shape == [2, 4])
        #expect(try f.floats("layers.1.weight") == (0..<8).map { Float($0) * 0.125 - 0.5 })
        #expect(try f.floats("layers.1.bias") == [0.1, 0.2])
        #expect(try f.int8("layers.2.weight") == [-128, -1, 0, 127])
        #expect(try f.floats("layers.2.weight_scale") == [0.01, 0.02])
        #expect(f.info("layers.2.bias")?.dtype == .F64)
        #expect(try f.floats("layers.2.bias") == [Float(1.0 / 3.0), -2.5])
        #expect(f.tensors.count == 7)
    }

    static func nimpDataset() -> Dataset {
        Dataset(x: Matrix(rows: 4, cols: 2, data: [0.5, -1, 2, 3.25, 1e-7, 4, 5, 6]), y: .classes([1, 0, 1, 0]),
                featureNames: ["a", "b"], targetNames: ["no", "yes"], source: "nimp test", seed: 3)
    }

    static func nimpWeights() -> Data {
        var w = SafeTensorsWriter()
        w.metadata = ["format": "pt"]
        w.add("layers.0.weight", floats: [1, -2, 0.5, 0.25, 0, -0.0], shape: [2, 3])
        w.add("layers.0.bias", f16: [0.5, -65504], shape: [2])
        w.add("layers.1.weight", int8: [-128, 0, 127], shape: [1, 3])
        w.add("steps", int64: [9_007_199_254_740_993], shape: [1])
        w.add("empty", floats: [], shape: [0, 3])
        return w.encode()
    }

    /// nimp's writer output is byte for byte the checked-in files that Python was shown to read.
    @Test func writerMatchesFilesCheckedByPython() throws {
        let files = [
            ("interop/nimp_dataset.safetensors", DatasetIO.encode(Self.nimpDataset(), format: .safetensors)),
            ("interop/nimp_weights.safetensors", Self.nimpWeights()),
        ]
        for (relative, data) in files {
            let path = FormatFixtures.path(relative)
            if ProcessInfo.processInfo.environment["NIMP_RECORD_FIXTURES"] == "1" {
                try data.write(to: URL(fileURLWithPath: path))
            }
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == data, "\(relative) differs from the writer's output")
        }
    }

    /// Runs check_nimp_files.py with Python's safetensors (Python from `TestPython`).
    @Test(.enabled(if: TestPython.usable, TestPython.reason)) func pythonReadsNimpFiles() throws {
        let python = try TestPython.path()
        let check = runProcess(python, [FormatFixtures.path("interop/check_nimp_files.py")])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }
}
