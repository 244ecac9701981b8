import Foundation
import NimpCore
import Testing
@testable import NimpOperators

@Suite struct GeneratorTests {
    /// Reference levels computed by hand from the README's formulas (Python, float64).
    @Test func referenceValues() {
        let mid = [Double](repeating: 0.5, count: 10)
        // dopamine: z = 4 (0.3 + 0.125 - 0.2 + 0.3 - 0.35) = 0.7
        #expect(abs(SignalGenerator.dopamine.level(mid) - 1 / (1 + exp(-0.7))) <= 1e-12)
        // cortisol: z = 5 (0.25 + 0.1 + 0.075 + 0.1 - 0.05 - 0.45) = 0.125
        #expect(abs(SignalGenerator.cortisol.level(mid) - 1 / (1 + exp(-0.125))) <= 1e-12)
        // serotonin: z = 4 (0.25 + 0.3 - 0.1 + 0.2 cos(π/2) - 0.3) = 0.6
        #expect(abs(SignalGenerator.serotonin.level(mid) - 1 / (1 + exp(-0.6))) <= 1e-12)
        // growth: z = 4 (2.4·0.25·0.5 + 0.15 - 0.15 + 0 - 0.2) = 0.4
        #expect(abs(SignalGenerator.growth.level(mid) - 1 / (1 + exp(-0.4))) <= 1e-12)
    }

    @Test func outputsInUnitIntervalAndDeterministic() {
        for g in SignalGenerator.allCases {
            let a = g.generate(samples: 500, seed: 7)
            let b = g.generate(samples: 500, seed: 7)
            let c = g.generate(samples: 500, seed: 8)
            #expect(a == b)
            #expect(a.x != c.x)
            guard case .values(let y) = a.y else { Issue.record("regression expected"); return }
            #expect(y.data.allSatisfy { $0 > 0 && $0 < 1 })
            #expect(a.x.data.allSatisfy { $0 >= 0 && $0 < 1 })
            #expect(a.featureNames == SignalGenerator.featureNames)
            #expect(a.source == g.rawValue)
            // Non-trivial spread: a constant would make a useless surrogate target.
            let mean = y.data.reduce(0, +) / Float(y.data.count)
            let variance = y.data.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(y.data.count)
            #expect(variance > 0.005, "\(g.rawValue) is nearly constant")
        }
    }

    @Test func unknownGeneratorIsUsageError() throws {
        if let error = #expect(throws: (any Error).self, performing: { try SignalGenerator(name: "signal/adrenaline") }) {
            #expect((error as? NimpError)?.kind == .usage)
        }
        #expect(try SignalGenerator(name: "cortisol") == .cortisol)
    }

    @Test func commandTeacherLabelsEachLine() throws {
        // awk doubles the sum of each JSON array of inputs.
        let teacher = CommandTeacher(command: #"awk -F'[][,]' '{ s = 0; for (i = 2; i < NF; i++) s += $i; printf "[%g]\n", 2 * s }'"#)
        var x = Matrix(rows: 3, cols: 2)
        x.data = [1, 2, 3, 4, 0.5, 0.25]
        let y = try teacher.run(x)
        #expect(y.rows == 3)
        #expect(y.data == [6, 14, 1.5])
    }

    @Test func failingCommandShowsItsStderr() {
        let teacher = CommandTeacher(command: "echo 'model file missing' >&2; exit 3")
        if let error = #expect(throws: (any Error).self, performing: { try teacher.run(Matrix(rows: 2, cols: 1)) }) {
            let e = error as? NimpError
            #expect(e?.kind == .dataError)
            #expect(e?.message.contains("status 3") == true, "\(e?.message ?? "")")
            #expect(e?.message.contains("model file missing") == true)
        }
    }

    @Test func misbehavingCommandOutputIsDataError() {
        for (command, expected) in [
            ("head -n 1", "1 output lines for 2 input lines"),
            ("sed 's/.*/not json/'", "line 1"),
            ("awk 'NR == 1 { print \"[1]\" } NR == 2 { print \"[1, 2]\" }'", "output line 2: 2 values, expected 1"),
        ] {
            if let error = #expect(throws: (any Error).self, "\(command)", performing: { try CommandTeacher(command: command).run(Matrix(rows: 2, cols: 1)) }) {
                let e = error as? NimpError
                #expect(e?.kind == .dataError, "\(command)")
                #expect(e?.message.contains(expected) == true, "\(command): \(e?.message ?? "")")
            }
        }
    }
}
