import Foundation

/// Parameter update rules. Raw values are the names used in flags and files.
public enum OptimizerKind: String, Codable, Sendable, CaseIterable {
    /// SGD with (heavy-ball) momentum, PyTorch's form: v = μ·v + g; w -= lr·v.
    case sgd
    /// Adam (Kingma & Ba) with bias correction; weight decay is L2 added to the gradient.
    case adam
    /// Adam with decoupled weight decay (Loshchilov & Hutter): w -= lr·λ·w before the Adam step.
    case adamw
}

extension OptimizerKind {
    /// As the raw value, but an unknown name is an error that lists the known ones.
    public init(from decoder: any Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        guard let kind = OptimizerKind(rawValue: name) else {
            let known = Self.allCases.map(\.rawValue).joined(separator: ", ")
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "unknown optimizer \(String(reflecting: name)), expected one of: \(known)"))
        }
        self = kind
    }
}

/// How the learning rate changes over a run.
public enum LRSchedule: String, Codable, Sendable, CaseIterable {
    /// The base learning rate at every step.
    case constant
    /// Cosine annealing over the run's total steps T, to 0 without restarts:
    /// lr(t) = lr · ½ · (1 + cos(π · t / T)) for step t = 0 ..< T (so the first step
    /// uses lr and the value would reach 0 at t = T).
    case cosine

    /// The learning rate for 0-based `step` of `totalSteps`.
    public func learningRate(base: Float, step: Int, totalSteps: Int) -> Float {
        switch self {
        case .constant: return base
        case .cosine:
            guard totalSteps > 0 else { return base }
            let progress = Double(min(step, totalSteps)) / Double(totalSteps)
            return Float(Double(base) * 0.5 * (1 + cos(Double.pi * progress)))
        }
    }
}

/// Scales `grads` so their global L2 norm is at most `maxNorm` (PyTorch's
/// `clip_grad_norm_`: factor maxNorm / (norm + 1e-6) when norm exceeds it). Returns the
/// norm before clipping.
@discardableResult
func clipGlobalNorm(_ grads: UnsafeMutablePointer<Float>, count: Int, maxNorm: Float) -> Double {
    let norm = sumOfSquares(grads, count: count).squareRoot()
    if norm > Double(maxNorm) {
        let s = Vec(repeating: Float(Double(maxNorm) / (norm + 1e-6)))
        let full = count & ~(vecWidth &- 1)
        var i = 0
        while i < full {
            store(load(grads + i) * s, grads + i)
            i &+= vecWidth
        }
        for i in full..<count { grads[i] *= s[0] }
    }
    return norm
}

/// An optimizer's state for one parameter vector, allocated once. Weight decay applies to
/// every parameter, biases included, as PyTorch does by default.
final class Optimizer {
    let kind: OptimizerKind
    let count: Int
    let momentum: Float, beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    /// Steps taken so far (Adam's bias correction uses t = step + 1).
    private(set) var step = 0
    /// SGD: velocity. Adam: first moment.
    private let m: UnsafeMutablePointer<Float>
    /// Adam: second moment (unused by SGD).
    private let v: UnsafeMutablePointer<Float>

    init(kind: OptimizerKind, count: Int, momentum: Float = 0.9, beta1: Float = 0.9, beta2: Float = 0.999,
         epsilon: Float = 1e-8, weightDecay: Float = 0) {
        self.kind = kind
        self.count = count
        self.momentum = momentum
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        m = .allocate(capacity: max(count, 1))
        m.initialize(repeating: 0, count: max(count, 1))
        v = .allocate(capacity: max(count, 1))
        v.initialize(repeating: 0, count: max(count, 1))
    }

    convenience init(config: TrainConfig, count: Int) {
        self.init(kind: config.optimizer, count: count, momentum: config.momentum, beta1: config.beta1,
                  beta2: config.beta2, epsilon: config.epsilon, weightDecay: config.weightDecay)
    }

    deinit { m.deallocate(); v.deallocate() }

    /// One update of `params` from `grads` (which SGD and Adam's L2 decay leave untouched).
    func update(_ params: UnsafeMutablePointer<Float>, grads: UnsafePointer<Float>, learningRate lr: Float) {
        step += 1
        switch kind {
        case .sgd: sgd(params, grads, lr)
        case .adam, .adamw: adam(params, grads, lr, decoupled: kind == .adamw)
        }
    }

    private func sgd(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ lr: Float) {
        let mu = Vec(repeating: momentum), wd = Vec(repeating: weightDecay), rate = Vec(repeating: lr)
        forEachChunk { i, n in
            let wi = loadN(w + i, n)
            let gi = loadN(g + i, n) + wd * wi
            let vi = mu * loadN(m + i, n) + gi
            storeN(vi, m + i, n)
            storeN(wi - rate * vi, w + i, n)
        }
    }

    private func adam(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ lr: Float, decoupled: Bool) {
        let t = Double(step)
        let correction1 = 1 - pow(Double(beta1), t)
        let correction2 = 1 - pow(Double(beta2), t)
        // PyTorch's arrangement: w -= (lr / c1) · m / (√v / √c2 + eps)
        let stepSize = Vec(repeating: Float(Double(lr) / correction1))
        let invSqrtC2 = Vec(repeating: Float(1 / correction2.squareRoot()))
        let b1 = Vec(repeating: beta1), b2 = Vec(repeating: beta2)
        let oneMinusB1 = Vec(repeating: 1 - beta1), oneMinusB2 = Vec(repeating: 1 - beta2)
        let eps = Vec(repeating: epsilon)
        let l2 = Vec(repeating: decoupled ? 0 : weightDecay)
        let shrink = Vec(repeating: decoupled ? 1 - lr * weightDecay : 1)
        forEachChunk { i, n in
            var wi = loadN(w + i, n)
            let gi = loadN(g + i, n) + l2 * wi
            wi *= shrink
            let mi = b1 * loadN(m + i, n) + oneMinusB1 * gi
            let vi = b2 * loadN(v + i, n) + oneMinusB2 * gi * gi
            storeN(mi, m + i, n)
            storeN(vi, v + i, n)
            storeN(wi - stepSize * mi / (vsqrt(vi) * invSqrtC2 + eps), w + i, n)
        }
    }

    /// Calls `body(start, n)` over the vector in chunks of 16 (n = 16) and one tail (n < 16).
    @inline(__always)
    private func forEachChunk(_ body: (Int, Int) -> Void) {
        let full = count & ~(vecWidth &- 1)
        var i = 0
        while i < full {
            body(i, vecWidth)
            i &+= vecWidth
        }
        if count > full { body(full, count &- full) }
    }
}

@inline(__always)
func loadN(_ p: UnsafePointer<Float>, _ n: Int) -> Vec {
    n == vecWidth ? load(p) : loadPartial(p, n)
}

@inline(__always)
func storeN(_ v: Vec, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
    if n == vecWidth { store(v, p) } else { storePartial(v, p, n) }
}
