import Foundation
import NimpCore
import NimpIO
import NimpTestSupport
import Testing

/// Helpers shared by the archive tests (namespaced so other test files cannot clash).
enum ArchiveTestSupport {
    /// `fixtures/archives` of the repository.
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fixtures/archives")

    /// Asserts that `expression` throws a NimpError with exit 65 whose message contains `expected`.
    static func assertDataError<T>(_ expression: @autoclosure () throws -> T, contains expected: String,
                                   sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try expression()
            Issue.record("expected a data error containing \(String(reflecting: expected))", sourceLocation: sourceLocation)
        } catch let error as NimpError {
            #expect(error.kind == .dataError, "\(error.description)", sourceLocation: sourceLocation)
            #expect(error.description.contains(expected), "\(String(reflecting: error.description)) does not contain \(String(reflecting: expected))", sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected a NimpError, got \(error)", sourceLocation: sourceLocation)
        }
    }

    /// Writes `data` to `name` in a fresh subdirectory of `scratch`; its path.
    static func temporaryFile(_ data: Data, name: String = "archive.nimp", in scratch: TemporaryDirectory) throws -> String {
        let path = try scratch.subdirectory() + "/" + name
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Runs a program and returns its stdout; throws when it exits non-zero.
    static func run(_ program: String, _ arguments: [String]) throws -> String {
        let result = runProcess(program, arguments)
        guard result.status == 0 else {
            throw NimpError(.failure, "\(program) \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)")
        }
        return result.stdout
    }
}

/// Small models built directly from values (no training), exactly representable so
/// that golden files do not depend on libm.
enum ArchiveTestModels {
    /// Deterministic weights in [-1, 1] with steps of 1/8, none of them zero.
    static func matrix(_ rows: Int, _ cols: Int, salt: Int) -> Matrix {
        Matrix(rows: rows, cols: cols, data: (0..<(rows * cols)).map { i in
            let v = Float((i * 37 + salt * 11) % 17 - 8) / 8
            return v == 0 ? 0.125 : v
        })
    }

    static func bias(_ count: Int, salt: Int) -> [Float] {
        (0..<count).map { Float(($0 * 5 + salt) % 7 - 3) / 16 }
    }

    static func layer(_ inputs: Int, _ outputs: Int, _ activation: Activation, salt: Int,
                      storage: WeightStorage = .f32) -> DenseLayer {
        DenseLayer(weight: matrix(outputs, inputs, salt: salt), bias: bias(outputs, salt: salt), activation: activation, storage: storage)
    }

    /// 3 inputs → 4 relu → 2 outputs.
    static func regression() -> Model {
        Model(task: .regression,
              layers: [layer(3, 4, .relu, salt: 1), layer(4, 2, .identity, salt: 2)],
              normalizer: Normalizer(mean: [0.5, -1, 2], std: [1, 0.25, 4]),
              featureNames: ["stress_level", "system_load", "memory_usage"], targetNames: ["dopamine", "cortisol"])
    }

    /// 5 inputs → 8 tanh → 6 gelu → 3 classes.
    static func classification(storages: [WeightStorage] = [.f32, .f32, .f32]) -> Model {
        Model(task: .classification,
              layers: [layer(5, 8, .tanh, salt: 3, storage: storages[0]), layer(8, 6, .gelu, salt: 4, storage: storages[1]),
                       layer(6, 3, .identity, salt: 5, storage: storages[2])],
              normalizer: .identity(features: 5),
              featureNames: (0..<5).map { "x\($0)" }, targetNames: ["low", "medium", "high"])
    }

    static func lineage(_ operation: String = "train") -> Manifest.Lineage {
        Manifest.Lineage(operation: operation, datasetSha256: String(repeating: "ab", count: 32), seed: 42,
                         commandLine: ["nimp", "train", "--data", "train.safetensors", "-o", "model.nimp"],
                         createdAt: "2025-01-01T00:00:00Z", parameters: ["epochs": "20"])
    }

    static func archive(_ model: Model, operation: String = "train") -> ModelArchive {
        let manifest = Manifest(model: model, lineage: lineage(operation), id: "fixture", version: 1,
                                genome: Genome(hidden: model.hidden), metrics: ["r2": 0.5, "mse": 0.125])
        return ModelArchive(model: model, manifest: manifest,
                            metricsJSONL: Data("{\"epoch\":1,\"loss\":0.5}\n{\"epoch\":2,\"loss\":0.25}\n".utf8))
    }
}
