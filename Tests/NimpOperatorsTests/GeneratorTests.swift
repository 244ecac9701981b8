import NimpCore
import XCTest
@testable import NimpOperators

final class GeneratorTests: XCTestCase {
    /// Reference levels computed by hand from the README's formulas (Python, float64).
    func testReferenceValues() {
        let mid = [Double](repeating: 0.5, count: 10)
        // dopamine: z = 4 (0.3 + 0.125 - 0.2 + 0.3 - 0.35) = 0.7
        XCTAssertEqual(SignalGenerator.dopamine.level(mid), 1 / (1 + exp(-0.7)), accuracy: 1e-12)
        // cortisol: z = 5 (0.25 + 0.1 + 0.075 + 0.1 - 0.05 - 0.45) = 0.125
        XCTAssertEqual(SignalGenerator.cortisol.level(mid), 1 / (1 + exp(-0.125)), accuracy: 1e-12)
        // serotonin: z = 4 (0.25 + 0.3 - 0.1 + 0.2 cos(π/2) - 0.3) = 0.6
        XCTAssertEqual(SignalGenerator.serotonin.level(mid), 1 / (1 + exp(-0.6)), accuracy: 1e-12)
        // growth: z = 4 (2.4·0.25·0.5 + 0.15 - 0.15 + 0 - 0.2) = 0.4
        XCTAssertEqual(SignalGenerator.growth.level(mid), 1 / (1 + exp(-0.4)), accuracy: 1e-12)
    }

    func testOutputsInUnitIntervalAndDeterministic() {
        for g in SignalGenerator.allCases {
            let a = g.generate(samples: 500, seed: 7)
            let b = g.generate(samples: 500, seed: 7)
            let c = g.generate(samples: 500, seed: 8)
            XCTAssertEqual(a, b)
            XCTAssertNotEqual(a.x, c.x)
            guard case .values(let y) = a.y else { return XCTFail("regression expected") }
            XCTAssertTrue(y.data.allSatisfy { $0 > 0 && $0 < 1 })
            XCTAssertTrue(a.x.data.allSatisfy { $0 >= 0 && $0 < 1 })
            XCTAssertEqual(a.featureNames, SignalGenerator.featureNames)
            XCTAssertEqual(a.source, g.rawValue)
            // Non-trivial spread: a constant would make a useless surrogate target.
            let mean = y.data.reduce(0, +) / Float(y.data.count)
            let variance = y.data.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(y.data.count)
            XCTAssertGreaterThan(variance, 0.005, "\(g.rawValue) is nearly constant")
        }
    }

    func testUnknownGeneratorIsUsageError() {
        XCTAssertThrowsError(try SignalGenerator(name: "signal/adrenaline")) { error in
            XCTAssertEqual((error as? NimpError)?.status, .usage)
        }
        XCTAssertEqual(try SignalGenerator(name: "cortisol"), .cortisol)
    }

    func testCommandTeacherLabelsEachLine() throws {
        // awk doubles the sum of each JSON array of inputs.
        let teacher = CommandTeacher(command: #"awk -F'[][,]' '{ s = 0; for (i = 2; i < NF; i++) s += $i; printf "[%g]\n", 2 * s }'"#)
        var x = Matrix(rows: 3, cols: 2)
        x.data = [1, 2, 3, 4, 0.5, 0.25]
        let y = try teacher.run(x)
        XCTAssertEqual(y.rows, 3)
        XCTAssertEqual(y.data, [6, 14, 1.5])
    }

    func testFailingCommandShowsItsStderr() {
        let teacher = CommandTeacher(command: "echo 'model file missing' >&2; exit 3")
        XCTAssertThrowsError(try teacher.run(Matrix(rows: 2, cols: 1))) { error in
            let e = error as? NimpError
            XCTAssertEqual(e?.status, .dataError)
            XCTAssertTrue(e?.message.contains("status 3") == true, e?.message ?? "")
            XCTAssertTrue(e?.message.contains("model file missing") == true)
        }
    }

    func testMisbehavingCommandOutputIsDataError() {
        for (command, expected) in [
            ("head -n 1", "1 output lines for 2 input lines"),
            ("sed 's/.*/not json/'", "line 1"),
            ("awk 'NR == 1 { print \"[1]\" } NR == 2 { print \"[1, 2]\" }'", "output line 2: 2 values, expected 1"),
        ] {
            XCTAssertThrowsError(try CommandTeacher(command: command).run(Matrix(rows: 2, cols: 1)), command) { error in
                let e = error as? NimpError
                XCTAssertEqual(e?.status, .dataError, command)
                XCTAssertTrue(e?.message.contains(expected) == true, "\(command): \(e?.message ?? "")")
            }
        }
    }
}
