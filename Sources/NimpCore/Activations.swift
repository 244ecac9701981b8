/// The vector type of every element-wise loop: 16 Floats. Scalar Float loops do not
/// vectorize in Swift; SIMD types do (PLATFORM.md).
typealias Vec = SIMD16<Float>
let vecWidth = 16

// MARK: Vector math

/// e^x for 16 lanes: Cephes `expf` (range reduction by ln 2 in two parts, degree-5
/// polynomial), about 2 ulp. Inputs are clamped to [-87.3, 88.3] so 2^n stays a normal float.
@inline(__always)
func vexp(_ x: Vec) -> Vec {
    // Masked selects, not `clamped`: that compiles to a scalar loop per lane.
    var x = x.replacing(with: -87.3, where: x .< -87.3)
    x.replace(with: 88.3, where: x .> 88.3)
    // Round x / ln 2 to nearest with the 1.5 * 2^23 trick: SSE2 has no round instruction.
    let magic = Vec(repeating: 12_582_912)
    let t = x * 1.442_695_04 + magic
    let n = t - magic
    let r = x - n * 0.693_359_375 + n * 2.121_944_40e-4
    var p = Vec(repeating: 1.987_569_150_0e-4)
    p = p * r + 1.398_199_950_7e-3
    p = p * r + 8.333_451_907_3e-3
    p = p * r + 4.166_579_589_4e-2
    p = p * r + 1.666_666_545_9e-1
    p = p * r + 5.000_000_120_1e-1
    p = p * (r * r) + r + 1
    // 2^n: n sits in the low mantissa bits of t.
    let nBits = unsafeBitCast(t, to: SIMD16<Int32>.self) &- unsafeBitCast(magic, to: SIMD16<Int32>.self)
    let scale = unsafeBitCast((nBits &+ 127) &<< 23, to: Vec.self)
    return p * scale
}

/// tanh for 16 lanes: Cephes `tanhf` (odd polynomial for |x| < 0.625, where
/// 1 - 2/(e^2x + 1) would cancel; the exponential form beyond). About 2 ulp.
@inline(__always)
func vtanh(_ x: Vec) -> Vec {
    let ax = x.replacing(with: -x, where: x .< 0)
    let z = x * x
    var p = Vec(repeating: -5.704_988_727_45e-3)
    p = p * z + 2.063_908_879_54e-2
    p = p * z - 5.373_971_555_31e-2
    p = p * z + 1.333_144_220_36e-1
    p = p * z - 3.333_328_194_22e-1
    let small = p * z * x + x
    var large = 1 - 2 / (vexp(ax + ax) + 1)
    large.replace(with: -large, where: x .< 0)
    return small.replacing(with: large, where: ax .>= 0.625)
}

/// √x for 16 lanes, x ≥ 0: x · rsqrt(x), rsqrt from the bit-shift estimate and two
/// Newton steps (relative error 3.4e-3 → 1.7e-5 → 5e-10, below Float rounding), within a
/// few ulp of the exact root.
/// Needed because `SIMD.squareRoot()` compiles to 16 scalar `sqrtf` calls with errno
/// checks on Linux, which made Adam a fifth of training time.
@inline(__always)
func vsqrt(_ x: Vec) -> Vec {
    let bits = unsafeBitCast(x, to: SIMD16<UInt32>.self)
    var y = unsafeBitCast(SIMD16<UInt32>(repeating: 0x5F37_5A86) &- (bits &>> 1), to: Vec.self)
    let half = 0.5 * x
    y = y * (1.5 - half * y * y)
    y = y * (1.5 - half * y * y)
    // x = 0 gives y finite and x · y = 0.
    return x * y
}

@inline(__always)
func vsigmoid(_ x: Vec) -> Vec { 1 / (1 + vexp(-x)) }

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

@inline(__always)
func loadPartial(_ p: UnsafePointer<Float>, _ count: Int) -> Vec {
    var v = Vec(repeating: 0)
    for i in 0..<count { v[i] = p[i] }
    return v
}

@inline(__always)
func storePartial(_ v: Vec, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
    for i in 0..<count { p[i] = v[i] }
}

@inline(__always)
func load(_ p: UnsafePointer<Float>) -> Vec {
    UnsafeRawPointer(p).loadUnaligned(as: Vec.self)
}

@inline(__always)
func store(_ v: Vec, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec.self)
}

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
