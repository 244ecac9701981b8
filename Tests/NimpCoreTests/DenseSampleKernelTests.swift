import CKernels
import Foundation
import Testing
@testable import NimpCore

/// The single-sample layer kernel in each instruction-set build this CPU can run, against
/// the sum in Double: wide and narrow layers, inputs not a multiple of four.
@Suite struct DenseSampleKernelTests {
    static let flags = BLASKernel.cpuFlags(environment: [:])

    func check(_ kernel: Predictor.DenseSampleKernel) {
        var rng = RNG(seed: 41)
        for (inputs, outputs) in [(1, 16), (3, 16), (10, 64), (64, 64), (7, 80), (33, 144), (64, 16), (5, 128)] {
            let wt = (0..<(inputs * outputs)).map { _ in rng.normal() }
            let b = (0..<outputs).map { _ in rng.normal() }
            let x = (0..<inputs).map { _ in 2 * rng.normal() }
            var z = [Float](repeating: .nan, count: outputs)
            kernel(x, inputs, wt, b, outputs, &z)
            for o in 0..<outputs {
                var sum = Double(b[o])
                for i in 0..<inputs { sum += Double(x[i]) * Double(wt[i * outputs + o]) }
                #expect(abs(Double(z[o]) - sum) <= 1e-5 * max(1, abs(sum)), "\(inputs)x\(outputs) output \(o)")
            }
        }
    }

    @Test func baselineBuild() { check(nimp_dense_sample_baseline) }

    @Test(.enabled(if: flags.contains("avx2") && flags.contains("fma"), "this CPU has no AVX2 and FMA"))
    func avx2Build() { check(nimp_dense_sample_avx2) }

    @Test(.enabled(if: flags.contains("avx512f"), "this CPU has no AVX-512"))
    func avx512Build() { check(nimp_dense_sample_avx512) }

    @Test func theWidestBuildTheFlagsAllowIsChosen() {
        func address(_ k: Predictor.DenseSampleKernel) -> UnsafeRawPointer { unsafeBitCast(k, to: UnsafeRawPointer.self) }
        let avx512 = address(nimp_dense_sample_avx512), avx2 = address(nimp_dense_sample_avx2)
        let baseline = address(nimp_dense_sample_baseline)
        #expect(address(Predictor.kernel(forCPUFlags: ["avx", "avx2", "fma", "avx512f"])) == avx512)
        #expect(address(Predictor.kernel(forCPUFlags: ["avx", "avx2", "fma"])) == avx2)
        #expect(address(Predictor.kernel(forCPUFlags: ["avx", "avx2"])) == baseline)
        #expect(address(Predictor.kernel(forCPUFlags: [])) == baseline)
    }
}
