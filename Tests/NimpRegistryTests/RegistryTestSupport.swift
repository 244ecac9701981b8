import Foundation
import NimpCore
import NimpIO
import NimpTestSupport
@testable import NimpRegistry

/// A fresh registry in a temporary directory, removed when the value goes away.
final class TempRegistry {
    let scratch: TemporaryDirectory
    let registry: Registry

    var dir: String { scratch.path }

    init() throws {
        scratch = try TemporaryDirectory("registry-tests")
        registry = try Registry.create(at: scratch.path + "/reg", diagnostics: DiscardingSink()).registry
    }

    var layout: RegistryLayout { registry.layout }

    /// Adds a regression model with version 1 as champion; data bytes are arbitrary.
    @discardableResult
    func addModel(_ id: String, salt: Float = 1, data: String = "train", eval: String = "eval") throws -> ModelSpec {
        try registry.addModel(id, declaration: ModelDeclaration(task: .regression, targets: ["r2": 0.99]),
                              trainData: Data("\(data)-\(id)".utf8), evalData: Data("\(eval)".utf8),
                              first: Fixtures.archive(salt: salt), heldOut: ["r2": 0.5, "rmse": 0.1])
    }

    func read(_ relative: String) -> String {
        (try? String(contentsOfFile: layout.root + "/" + relative, encoding: .utf8)) ?? ""
    }
}

enum Fixtures {
    /// 3 inputs → 4 relu → 1 output, weights from `salt`.
    static func model(salt: Float = 1) -> Model {
        func layer(_ inputs: Int, _ outputs: Int, _ activation: Activation, _ s: Float) -> DenseLayer {
            DenseLayer(weight: Matrix(rows: outputs, cols: inputs, data: (0..<(inputs * outputs)).map { Float($0 % 7) * 0.1 * s - 0.3 }),
                       bias: (0..<outputs).map { Float($0) * 0.01 * s }, activation: activation)
        }
        return Model(task: .regression, layers: [layer(3, 4, .relu, salt), layer(4, 1, .identity, salt + 1)],
                     normalizer: .identity(features: 3), featureNames: ["a", "b", "c"], targetNames: ["y"])
    }

    static func archive(salt: Float = 1, parent: Int? = nil, operation: String = "train", teacher: String? = nil) -> ModelArchive {
        let lineage = Manifest.Lineage(operation: operation, parent: parent, teacher: teacher, createdAt: "2025-01-01T00:00:00Z")
        return ModelArchive(model: model(salt: salt), manifest: Manifest(model: model(salt: salt), lineage: lineage, metrics: ["r2": 0.5]))
    }
}

/// Runs `body` expecting a NimpError of `kind`; returns it.
func expectNimpError(_ kind: NimpError.Kind, _ body: () throws -> Void) -> NimpError? {
    do {
        try body()
    } catch let error as NimpError {
        return error.kind == kind ? error : { print("unexpected kind \(error.kind): \(error)"); return nil }()
    } catch {
        print("unexpected error \(error)")
        return nil
    }
    return nil
}
