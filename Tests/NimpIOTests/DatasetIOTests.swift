import Foundation
import NimpCore
import NimpTestSupport
import Testing

@testable import NimpIO

/// Asserts two datasets hold the same samples and names (source and seed aside).
func assertSameSamples(_ a: Dataset, _ b: Dataset, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.x == b.x, "x", sourceLocation: sourceLocation)
    #expect(a.y == b.y, "y", sourceLocation: sourceLocation)
    #expect(a.featureNames == b.featureNames, "feature names", sourceLocation: sourceLocation)
    #expect(a.targetNames == b.targetNames, "target names", sourceLocation: sourceLocation)
}

@Suite struct DatasetIOTests {
    let scratch: TemporaryDirectory

    init() throws {
        scratch = try TemporaryDirectory("io-tests")
    }

    /// Deterministic values that exercise the shortest-form number printing.
    static func value(_ k: Int) -> Float {
        let u = Float(UInt32(truncatingIfNeeded: k &* 2_654_435_761) >> 8) / Float(1 << 24)
        return (u - 0.5) * [1, 1e-6, 1e6, 3][k % 4]
    }

    static func regression(rows: Int, features: Int, outputs: Int = 1) -> Dataset {
        let x = Matrix(rows: rows, cols: features, data: (0..<(rows * features)).map(value))
        let y = Matrix(rows: rows, cols: outputs, data: (0..<(rows * outputs)).map { value($0 + 7) })
        return Dataset(x: x, y: .values(y), featureNames: (0..<features).map { "f\($0)" },
                       targetNames: outputs == 1 ? ["y"] : (0..<outputs).map { "y\($0)" }, source: "test", seed: 42)
    }

    static func classification() -> Dataset {
        let x = Matrix(rows: 5, cols: 2, data: [0.5, -1, 2, 3.25, 1e-7, 4, 5, 6, 7, 8])
        return Dataset(x: x, y: .classes([2, 0, 1, 2, 0]), featureNames: ["length, cm", "wïdth \"w\""],
                       targetNames: ["Iris setosa", "Iris versicolor", "Iris, virginica"], source: "iris")
    }

    @Test func safetensorsRoundTrip() throws {
        for d in [Self.regression(rows: 20, features: 3, outputs: 2), Self.classification()] {
            let data = DatasetIO.encode(d, format: .safetensors)
            let back = try DatasetIO.decode(data, name: "mem", format: .safetensors)
            #expect(back == d)  // source and seed too
        }
    }

    @Test func csvRoundTrip() throws {
        let r = Self.regression(rows: 50, features: 4, outputs: 2)
        assertSameSamples(try DatasetIO.decode(DatasetIO.encode(r, format: .csv), name: "m.csv", format: .csv, target: ["y0", "y1"]), r)
        let c = Self.classification()
        let back = try DatasetIO.decode(DatasetIO.encode(c, format: .csv), name: "m.csv", format: .csv, target: ["label"])
        assertSameSamples(back, c)
    }

    @Test func jsonlRoundTrip() throws {
        let r = Self.regression(rows: 50, features: 4, outputs: 2)
        assertSameSamples(try DatasetIO.decode(DatasetIO.encode(r, format: .jsonl), name: "m.jsonl", format: .jsonl, target: ["y0", "y1"]), r)
        let c = Self.classification()
        assertSameSamples(try DatasetIO.decode(DatasetIO.encode(c, format: .jsonl), name: "m.jsonl", format: .jsonl, target: ["label"]), c)
    }

    @Test func encodingIsDeterministic() {
        for format in DatasetFormat.allCases {
            #expect(DatasetIO.encode(Self.classification(), format: format) == DatasetIO.encode(Self.classification(), format: format))
        }
    }

    @Test func safetensorsLayout() throws {
        let file = try SafeTensorsFile(data: DatasetIO.encode(Self.classification(), format: .safetensors), name: "m")
        #expect(file.info("x")?.dtype == .F32)
        #expect(file.info("x")?.shape == [5, 2])
        #expect(file.info("y")?.dtype == .I64)
        #expect(file.info("y")?.shape == [5])
        #expect(file.metadata["task"] == "classification")
        #expect(file.metadata["classes"] == "[\"Iris setosa\",\"Iris versicolor\",\"Iris, virginica\"]")
        #expect(file.metadata["feature_names"] == "[\"length, cm\",\"wïdth \\\"w\\\"\"]")
        #expect(file.metadata["source"] == "iris")
        #expect(file.metadata["seed"] == nil)
        let r = try SafeTensorsFile(data: DatasetIO.encode(Self.regression(rows: 3, features: 2), format: .safetensors), name: "r")
        #expect(r.info("y")?.shape == [3, 1])
        #expect(r.metadata["target_names"] == "[\"y\"]")
        #expect(r.metadata["seed"] == "42")
    }

    @Test func writeAndLoadEveryFormatByExtension() throws {
        let dir = try scratch.subdirectory()
        let d = Self.classification()
        for (ext, format) in [("safetensors", DatasetFormat.safetensors), ("csv", .csv), ("jsonl", .jsonl)] {
            let path = dir + "/d." + ext
            try DatasetIO.write(d, to: path)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == DatasetIO.encode(d, format: format))
            assertSameSamples(try DatasetIO.load(path: path, target: ["label"], task: .classification), d)
        }
        // No telling extension: safetensors is written, and the contents are sniffed back.
        try DatasetIO.write(d, to: dir + "/d.bin")
        #expect(try DatasetIO.load(path: dir + "/d.bin") == d)
        try DatasetIO.write(d, to: dir + "/d.txt", format: .jsonl)
        assertSameSamples(try DatasetIO.load(path: dir + "/d.txt", target: ["label"]), d)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp-") }
        #expect(leftovers == [])
    }

    @Test func formatInference() {
        #expect(DatasetFormat.infer(path: "a/b.SafeTensors") == .safetensors)
        #expect(DatasetFormat.infer(path: "b.csv") == .csv)
        #expect(DatasetFormat.infer(path: "b.ndjson") == .jsonl)
        #expect(DatasetFormat.infer(path: "b.jsonl") == .jsonl)
        #expect(DatasetFormat.infer(path: "b.dat") == nil)
    }

    @Test func missingFileIsExit66() {
        assertNimpError(.noInput, ["/nonexistent/d.csv"]) { try DatasetIO.load(path: "/nonexistent/d.csv", target: ["y"]) }
    }

    @Test func targetSelectsRegressionOutputs() throws {
        let d = Self.regression(rows: 4, features: 2, outputs: 3)
        let data = DatasetIO.encode(d, format: .safetensors)
        let picked = try DatasetIO.decode(data, name: "m", format: .safetensors, target: ["y2", "y0"])
        #expect(picked.targetNames == ["y2", "y0"])
        guard case .values(let all) = d.y, case .values(let some) = picked.y else { Issue.record(); return }
        #expect(some.data == (0..<4).flatMap { [all[$0, 2], all[$0, 0]] })
        assertNimpError(.dataError, ["tensor \"y\"", "no target named \"nope\""]) {
            try DatasetIO.decode(data, name: "m", format: .safetensors, target: ["nope"])
        }
    }

    @Test func regressionReadAsClassification() throws {
        let x = Matrix(rows: 3, cols: 1, data: [1, 2, 3])
        let d = Dataset(x: x, y: .values(Matrix(rows: 3, cols: 1, data: [2, 0, 2])), targetNames: ["y"])
        let c = try DatasetIO.decode(DatasetIO.encode(d, format: .safetensors), name: "m", format: .safetensors, task: .classification)
        #expect(c.targetNames == ["0", "2"])
        #expect(c.y == .classes([1, 0, 1]))
        let back = DatasetIO.encode(Self.classification(), format: .safetensors)
        assertNimpError(.dataError, ["cannot be read as a regression"]) {
            try DatasetIO.decode(back, name: "m", format: .safetensors, task: .regression)
        }
    }

    /// Files written by other tools: no metadata, y as [N] F64, labels as I32.
    @Test func safetensorsWithoutMetadata() throws {
        var w = SafeTensorsWriter()
        w.add("x", floats: [1, 2, 3, 4], shape: [2, 2])
        w.add("y", dtype: .I32, shape: [2], bytes: [Int32(1), 0].withUnsafeBytes { Data($0) })
        let c = try DatasetIO.decode(w.encode(), name: "m", format: .safetensors)
        #expect(c.targetNames == ["0", "1"])
        #expect(c.featureNames == ["x0", "x1"])
        #expect(c.y == .classes([1, 0]))
        var r = SafeTensorsWriter()
        r.add("x", floats: [1, 2], shape: [2, 1])
        r.add("y", dtype: .F64, shape: [2], bytes: [0.25, -1.5].withUnsafeBytes { Data($0) })
        let d = try DatasetIO.decode(r.encode(), name: "m", format: .safetensors)
        #expect(d.y == .values(Matrix(rows: 2, cols: 1, data: [0.25, -1.5])))
        #expect(d.targetNames == ["y"])
    }

    @Test func hugeUnlistedClassIdIsRejectedBeforeAllocating() throws {
        var w = SafeTensorsWriter()
        w.add("x", floats: [1], shape: [1, 1])
        w.add("y", int64: [1 << 40], shape: [1])
        assertNimpError(.dataError, ["tensor \"y\"", "class id 1099511627776", "no \"classes\" list"]) {
            try DatasetIO.decode(w.encode(), name: "m", format: .safetensors)
        }
    }

    static let brokenDatasets: [(file: String, fragments: [String])] = [
        ("ds_class_id_out_of_range.safetensors", ["tensor \"y\", sample 2", "class id 5, expected 0..<2"]),
        ("ds_shape_mismatch.safetensors", ["tensor \"y\"", "F32 [4, 1]", "x has 3 samples"]),
        ("ds_missing_y.safetensors", ["tensor \"y\"", "no such tensor"]),
        ("ds_nan_in_x.safetensors", ["tensor \"x\", sample 1, column 1", "nan is not a finite number"]),
        ("ds_task_mismatch.safetensors", ["tensor \"y\"", "does not fit task classification"]),
    ]

    @Test func brokenDatasetFixtures() throws {
        for (file, fragments) in Self.brokenDatasets {
            let path = FormatFixtures.path("broken/" + file)
            assertNimpError(.dataError, [path + ": "] + fragments) { try DatasetIO.load(path: path) }
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: FormatFixtures.path("broken"))
        let listed = Set(Self.brokenDatasets.map(\.file))
        for name in names where name.hasPrefix("ds_") {
            #expect(listed.contains(name), "\(name) has no expectation")
        }
    }

    /// Reports the load time; meaningful in release (`swift test -c release --filter DatasetIOTests`).
    @Test func loads100kRowSafetensorsQuickly() throws {
        let dir = try scratch.subdirectory()
        let d = Self.regression(rows: 100_000, features: 10)
        try DatasetIO.write(d, to: dir + "/big.safetensors")
        let start = Date()
        let back = try DatasetIO.load(path: dir + "/big.safetensors")
        print(String(format: "safetensors: 100k rows x 11 columns loaded in %.3f s", Date().timeIntervalSince(start)))
        #expect(back == d)
    }
}

/// fixtures/datasets: small valid datasets in each format, for these tests and the CLI's.
extension DatasetIOTests {
    @Test func tinyFixtures() throws {
        let r = try DatasetIO.load(path: FormatFixtures.path("datasets/tiny_regression.csv"), target: ["dopamine"])
        #expect(r.task == .regression)
        #expect(r.featureNames == ["stress_level", "error_frequency", "confidence_level"])
        #expect(r.count == 6)
        #expect(r.y == .values(Matrix(rows: 6, cols: 1, data: [0.71, 0.42, 0.13, 0.66, 0.29, 0.38])))
        let c = try DatasetIO.load(path: FormatFixtures.path("datasets/tiny_classification.jsonl"), target: ["species"])
        #expect(c.task == .classification)
        #expect(c.targetNames == ["setosa", "versicolor", "virginica"])
        #expect(c.y == .classes([0, 1, 2, 0, 1, 2]))
        #expect(c.x.row(1) == [7.0, 3.2, 4.7, 1.4])
        // The safetensors versions are the writer's output for the same samples.
        for (name, d) in [("tiny_regression", r), ("tiny_classification", c)] {
            var d = d
            d.source = name
            d.table = nil  // the plain numeric layout, as any writer of safetensors has it
            let path = FormatFixtures.path("datasets/\(name).safetensors")
            let data = DatasetIO.encode(d, format: .safetensors)
            if ProcessInfo.processInfo.environment["NIMP_RECORD_FIXTURES"] == "1" {
                try data.write(to: URL(fileURLWithPath: path))
            }
            #expect(try DatasetIO.load(path: path) == d)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == data)
        }
    }

    /// Missing values are filled with the column's median; a text cell makes a column categorical.
    @Test func rawTables() throws {
        for name in ["nan_cell.csv", "empty_cell.csv", "null_value.jsonl"] {
            let d = try DatasetIO.load(path: FormatFixtures.path("datasets/raw/" + name), target: ["y"])
            #expect(d.x.data == [1, 2, 4, 2], "\(name)")
            #expect(d.table?.columns[1].encoding == .numeric(fill: 2), "\(name)")
        }
        for name in ["text_cell.csv", "text_value.jsonl"] {
            let d = try DatasetIO.load(path: FormatFixtures.path("datasets/raw/" + name), target: ["y"])
            #expect(d.featureNames == ["a", "b=2", "b=five"], "\(name)")
            #expect(d.x.data == [1, 1, 0, 4, 0, 1], "\(name)")
        }
    }
}
