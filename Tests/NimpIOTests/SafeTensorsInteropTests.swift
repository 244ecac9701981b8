import Foundation
import NimpCore
import NimpTestSupport
import XCTest

@testable import NimpIO

/// Interop with Python's reference safetensors library, both ways, through checked-in
/// files: fixtures/interop/python_* were written by make_fixture.py; nimp_* by nimp's
/// writer (re-record with NIMP_RECORD_FIXTURES=1) and checked by check_nimp_files.py.
extension SafeTensorsTests {
    func testReadsDatasetWrittenByPython() throws {
        let d = try DatasetIO.load(path: FormatFixtures.path("interop/python_dataset.safetensors"))
        XCTAssertEqual(d.task, .classification)
        XCTAssertEqual(d.x, Matrix(rows: 6, cols: 3, data: (0..<18).map { Float($0) * 0.25 - 2 }))
        XCTAssertEqual(d.y, .classes([0, 2, 1, 1, 0, 2]))
        XCTAssertEqual(d.featureNames, ["sepal length", "sepal width", "petal, length"])
        XCTAssertEqual(d.targetNames, ["setosa", "versicolor", "virginica"])
        XCTAssertEqual(d.source, "python make_fixture.py")
        XCTAssertEqual(d.seed, 7)
    }

    func testReadsWeightsWrittenByPython() throws {
        let f = try SafeTensorsFile.read(path: FormatFixtures.path("interop/python_weights.safetensors"))
        XCTAssertEqual(f.metadata, ["format": "pt"])
        XCTAssertEqual(f.info("layers.0.weight")?.shape, [4, 3])
        XCTAssertEqual(try f.floats("layers.0.weight"), (0..<12).map { Float($0) / 8 - 0.75 })
        XCTAssertEqual(try f.floats("layers.0.bias"), [0.5, -0.5, 1, -1])
        XCTAssertEqual(f.info("layers.1.weight")?.dtype, .F16)
        XCTAssertEqual(f.info("layers.1.weight")?.shape, [2, 4])
        XCTAssertEqual(try f.floats("layers.1.weight"), (0..<8).map { Float($0) * 0.125 - 0.5 })
        XCTAssertEqual(try f.floats("layers.1.bias"), [0.1, 0.2])
        XCTAssertEqual(try f.int8("layers.2.weight"), [-128, -1, 0, 127])
        XCTAssertEqual(try f.floats("layers.2.weight_scale"), [0.01, 0.02])
        XCTAssertEqual(f.info("layers.2.bias")?.dtype, .F64)
        XCTAssertEqual(try f.floats("layers.2.bias"), [Float(1.0 / 3.0), -2.5])
        XCTAssertEqual(f.tensors.count, 7)
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
    func testWriterMatchesFilesCheckedByPython() throws {
        let files = [
            ("interop/nimp_dataset.safetensors", DatasetIO.encode(Self.nimpDataset(), format: .safetensors)),
            ("interop/nimp_weights.safetensors", Self.nimpWeights()),
        ]
        for (relative, data) in files {
            let path = FormatFixtures.path(relative)
            if ProcessInfo.processInfo.environment["NIMP_RECORD_FIXTURES"] == "1" {
                try data.write(to: URL(fileURLWithPath: path))
            }
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), data, "\(relative) differs from the writer's output")
        }
    }

    /// Runs check_nimp_files.py with Python's safetensors (Python from `TestPython`).
    func testPythonReadsNimpFiles() throws {
        let python = try TestPython.path()
        let check = Process()
        check.executableURL = URL(fileURLWithPath: python)
        check.arguments = [FormatFixtures.path("interop/check_nimp_files.py")]
        let pipe = Pipe()
        check.standardOutput = pipe
        check.standardError = pipe
        try check.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        check.waitUntilExit()
        XCTAssertEqual(check.terminationStatus, 0, output)
    }
}
