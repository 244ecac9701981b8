import Foundation
import NimpCore

/// The built-in "expensive calculations": each signal level computed from a 10-feature
/// context in [0, 1]. Deterministic, smooth, non-linear, outputs in (0, 1). The
/// formulas are documented in the README ("Signal generators") and tested against
/// reference values.
public enum SignalGenerator: String, CaseIterable, Sendable {
    case dopamine = "signal/dopamine"
    case cortisol = "signal/cortisol"
    case serotonin = "signal/serotonin"
    case growth = "signal/growth"

    public static let featureNames = [
        "stress_level", "error_frequency", "resource_constraints", "task_complexity",
        "user_interaction_level", "system_load", "memory_usage", "network_activity",
        "learning_rate", "confidence_level",
    ]

    /// The short name, e.g. "dopamine".
    public var signalName: String { String(rawValue.dropFirst("signal/".count)) }

    public init(name: String) throws {
        guard let g = SignalGenerator(rawValue: name) ?? SignalGenerator(rawValue: "signal/" + name) else {
            throw NimpError.usage("unknown generator '\(name)'",
                                  hint: "built-in generators: " + SignalGenerator.allCases.map(\.rawValue).joined(separator: ", "))
        }
        self = g
    }

    /// The level for one context `c` (10 values in [0, 1], in `featureNames` order).
    public func level(_ c: [Double]) -> Double {
        precondition(c.count == 10)
        let (stress, errors, resources, complexity, interaction) = (c[0], c[1], c[2], c[3], c[4])
        let (load, memory, network, lr, confidence) = (c[5], c[6], c[7], c[8], c[9])
        let z: Double
        switch self {
        case .dopamine:
            z = 4 * (0.6 * interaction + 0.5 * confidence * (1 - errors) - 0.4 * stress
                     + 0.3 * sin(.pi * lr) - 0.35)
        case .cortisol:
            z = 5 * (0.5 * stress + 0.4 * errors * errors + 0.3 * resources * load
                     + 0.2 * memory - 0.1 * confidence - 0.45)
        case .serotonin:
            z = 4 * (0.5 * confidence + 0.3 * (1 - abs(load - memory)) - 0.4 * stress * errors
                     + 0.2 * cos(.pi * network) - 0.3)
        case .growth:
            z = 4 * (2.4 * lr * (1 - lr) * complexity + 0.3 * interaction - 0.3 * resources
                     + 0.2 * Foundation.tanh(3 * (confidence - 0.5)) - 0.2)
        }
        return 1 / (1 + exp(-z))
    }

    /// `samples` contexts drawn uniformly from [0, 1]^10 with `seed`, labelled.
    public func generate(samples: Int, seed: UInt64) -> Dataset {
        var d = label(InputSampler.uniform(features: 10, samples: samples, seed: seed))
        d.seed = seed
        return d
    }

    /// The contexts `x` [N, 10] labelled: the rows chosen elsewhere (active sampling).
    public func label(_ x: Matrix) -> Dataset {
        precondition(x.cols == 10)
        var y = Matrix(rows: x.rows, cols: 1)
        var context = [Double](repeating: 0, count: 10)
        for i in 0..<x.rows {
            for j in 0..<10 { context[j] = Double(x[i, j]) }
            y[i, 0] = Float(level(context))
        }
        return Dataset(x: x, y: .values(y), featureNames: Self.featureNames, targetNames: [signalName], source: rawValue)
    }
}
