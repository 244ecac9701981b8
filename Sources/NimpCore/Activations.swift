/// √(2/π) and the cubic coefficient of GELU's tanh approximation.
let geluC: Float = 0.797_884_560_8
let geluK: Float = 0.044_715

// MARK: Activations

extension Activation {
    /// f(z) for 16 lanes.
    ///
    /// gelu is the tanh approximation used by BERT/GPT-2 and PyTorch's
    /// `gelu(approximate="tanh")`: 0.5·z·(1 + tanh(√(2/π)·(z + 0.044715·z³))).
    /// leaky_relu has slope 0.01 below zero.
    @inline(__always)
    func apply(_ z: Vec) -> Vec {
        switch self {
        case .relu: return z.replacing(with: 0, where: z .< 0)
        case .leakyRelu: return z.replacing(with: z * 0.01, where: z .< 0)
        case .tanh: return vtanh(z)
        case .sigmoid: return vsigmoid(z)
        case .gelu: return 0.5 * z * (1 + vtanh(geluC * (z + geluK * z * z * z)))
        case .identity: return z
        }
    }

    /// f'(z), given the pre-activation `z` and the output `a = f(z)` (whichever is cheaper).
    /// At a kink (z = 0) relu's derivative is 0 and leaky_relu's 0.01, as in PyTorch.
    @inline(__always)
    func derivative(z: Vec, a: Vec) -> Vec {
        switch self {
        case .relu: return Vec(repeating: 0).replacing(with: 1, where: z .> 0)
        case .leakyRelu: return Vec(repeating: 0.01).replacing(with: 1, where: z .> 0)
        case .tanh: return 1 - a * a
        case .sigmoid: return a * (1 - a)
        case .gelu:
            let z2 = z * z
            let t = vtanh(geluC * (z + geluK * z2 * z))
            let inner: Vec = geluC * (1 + 3 * geluK * z2)
            let slope: Vec = 0.5 * z * (1 - t * t)
            return 0.5 * (1 + t) + slope * inner
        case .identity: return Vec(repeating: 1)
        }
    }

    /// f(z) for one value, through the same vector code so results agree bit for bit.
    public func callAsFunction(_ z: Float) -> Float { apply(Vec(repeating: z))[0] }

    /// f'(z) for one value.
    public func derivative(_ z: Float) -> Float {
        let v = Vec(repeating: z)
        return derivative(z: v, a: apply(v))[0]
    }
}

// MARK: Kernels

/// Fused bias and activation, in place on the pre-activation:
/// z [rows, cols] += bias [cols]; a [rows, cols] = f(z). `a` may equal `z` when the
/// pre-activation is not needed afterwards.
func biasActivate(_ z: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, into a: UnsafeMutablePointer<Float>,
                  rows: Int, cols: Int, activation: Activation) {
    if cols < vecWidth {
        // Narrow layers (the output layer): add the bias row by row, then activate the
        // whole block as one flat vector instead of a partial vector per row.
        for r in 0..<rows {
            let zr = z + r &* cols
            for c in 0..<cols { zr[c] += bias[c] }
        }
        activate(z, into: a, count: rows &* cols, activation: activation)
        return
    }
    let full = cols & ~(vecWidth &- 1)
    let tail = cols &- full
    for r in 0..<rows {
        let zr = z + r &* cols
        let ar = a + r &* cols
        var c = 0
        while c < full {
            let v = load(zr + c) + load(bias + c)
            store(v, zr + c)
            store(activation.apply(v), ar + c)
            c &+= vecWidth
        }
        if tail > 0 {
            let v = loadPartial(zr + full, tail) + loadPartial(bias + full, tail)
            storePartial(v, zr + full, tail)
            storePartial(activation.apply(v), ar + full, tail)
        }
    }
}

/// a [count] = f(z [count]); `a` may equal `z`.
func activate(_ z: UnsafePointer<Float>, into a: UnsafeMutablePointer<Float>, count: Int, activation: Activation) {
    if activation == .identity {
        if UnsafePointer(a) != z { a.update(from: z, count: count) }
        return
    }
    let full = count & ~(vecWidth &- 1)
    var i = 0
    while i < full {
        store(activation.apply(load(z + i)), a + i)
        i &+= vecWidth
    }
    if count > full { storePartial(activation.apply(loadPartial(z + full, count &- full)), a + full, count &- full) }
}

/// Back through the activation: d [count] *= f'(z), with a = f(z).
func activationBackward(_ d: UnsafeMutablePointer<Float>, z: UnsafePointer<Float>, a: UnsafePointer<Float>,
                        count: Int, activation: Activation) {
    if activation == .identity { return }
    let full = count & ~(vecWidth &- 1)
    var i = 0
    while i < full {
        store(load(d + i) * activation.derivative(z: load(z + i), a: load(a + i)), d + i)
        i &+= vecWidth
    }
    let tail = count &- full
    if tail > 0 {
        let v = loadPartial(d + full, tail) * activation.derivative(z: loadPartial(z + full, tail), a: loadPartial(a + full, tail))
        storePartial(v, d + full, tail)
    }
}
