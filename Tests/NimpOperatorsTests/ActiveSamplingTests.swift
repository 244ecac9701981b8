import Foundation
import NimpCore
import Testing
@testable import NimpOperators

/// Active sampling chooses where the surrogate is unsure, the same way for the same seed
/// (README, "Active sampling").
@Suite struct ActiveSamplingTests {
    /// The truth: 0.3 + 0.4 x1 over [0, 1]².
    static func truth(_ x0: Float, _ x1: Float) -> Float { 0.3 + 0.4 * x1 }

    static func labelled(_ n: Int, seed: UInt64) -> Dataset {
        let x = InputSampler.uniform(features: 2, samples: n, seed: seed)
        var y = Matrix(rows: n, cols: 1)
        for i in 0..<n { y[i, 0] = truth(x[i, 0], x[i, 1]) }
        return Dataset(x: x, y: .values(y), targetNames: ["y"])
    }

    /// A surrogate exact where x0 < 0.5 and wrong beyond: 0.3 + 0.4 relu(x1) + 2 relu(x0 − 0.5).
    static let halfWrong: Model = {
        var hidden = Matrix(rows: 2, cols: 2)
        hidden.data = [0, 1, 1, 0]
        var out = Matrix(rows: 1, cols: 2)
        out.data = [0.4, 2]
        return Model(task: .regression, layers: [DenseLayer(weight: hidden, bias: [0, -0.5], activation: .relu),
                                                 DenseLayer(weight: out, bias: [0.3], activation: .identity)],
                     normalizer: .identity(features: 2), featureNames: ["x0", "x1"], targetNames: ["y"])
    }()

    @Test func theSurrogateIsWhatTheTestSays() {
        var x = Matrix(rows: 2, cols: 2)
        x.data = [0.2, 0.7, 0.9, 0.7]
        let p = Self.halfWrong.predict(x)
        #expect(abs(p[0, 0] - Self.truth(0.2, 0.7)) < 1e-6)
        #expect(abs(p[1, 0] - Self.truth(0.9, 0.7) - 0.8) < 1e-5)
    }

    @Test func mostChosenRowsLieWhereTheSurrogateIsWrong() throws {
        let choice = try ActiveSampling.choose(surrogate: Self.halfWrong, surrogateName: "half", labelled: Self.labelled(400, seed: 1),
                                               labelledName: "rows", features: 2, options: .init(samples: 200, seed: 3))
        #expect(choice.x.rows == 200)
        #expect(choice.uniform + choice.disagreement == 200)
        #expect(choice.x.data.allSatisfy { $0 >= 0 && $0 < 1 })
        let wrongHalf = (0..<200).filter { choice.x[$0, 0] > 0.5 }.count
        // Uniform would put half there; the uniform quarter alone puts about 25 of 50 there.
        #expect(wrongHalf >= 160, "\(wrongHalf) of 200 chosen rows where the surrogate is wrong")
        #expect(choice.chosenScore > 1.5 * choice.poolScore)
    }

    @Test func theSameSeedChoosesTheSameRows() throws {
        let rows = Self.labelled(300, seed: 2)
        func choose(_ seed: UInt64) throws -> Matrix {
            try ActiveSampling.choose(surrogate: Self.halfWrong, surrogateName: "half", labelled: rows, labelledName: "rows",
                                      features: 2, options: .init(samples: 50, pool: 1000, seed: seed)).x
        }
        #expect(try choose(5) == choose(5))
        #expect(try choose(5) != choose(6))
    }

    @Test func aSurrogateOfAnotherShapeIsBadData() {
        let rows = Self.labelled(100, seed: 1)
        let wrongInputs = ActiveSampling.problem(surrogate: Self.halfWrong, surrogateName: "half.nimp", labelled: rows, labelledName: "rows",
                                                 features: 3)
        #expect(wrongInputs?.kind == .dataError)
        #expect(wrongInputs?.message.contains("half.nimp") == true && wrongInputs?.message.contains("expects 2 inputs") == true)
        var classes = rows
        classes.y = .classes([Int32](repeating: 0, count: rows.count))
        #expect(ActiveSampling.problem(surrogate: Self.halfWrong, surrogateName: "half", labelled: classes, labelledName: "rows.csv",
                                       features: 2)?.message.contains("rows.csv") == true)
        #expect(ActiveSampling.problem(surrogate: Self.halfWrong, surrogateName: "half", labelled: rows, labelledName: "rows", features: 2)?.message == nil)
    }
}
