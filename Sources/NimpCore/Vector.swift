/// The vector type of every element-wise loop: 16 Floats. Scalar Float loops do not
/// vectorize in Swift; SIMD types do (measured).
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

// MARK: Loads and stores

/// `count` zeroed floats at a cache-line (64-byte) boundary: small products on aligned
/// buffers run up to twice as fast (OpenBLAS SkylakeX, 1x64x32 TN: 91 against 57 GFLOP/s
/// at malloc's 16 bytes). Free with `deallocate()`.
func alignedFloats(_ count: Int) -> UnsafeMutablePointer<Float> {
    let n = max(count, 1)
    let p = UnsafeMutableRawPointer.allocate(byteCount: n * MemoryLayout<Float>.stride, alignment: 64)
        .bindMemory(to: Float.self, capacity: n)
    p.initialize(repeating: 0, count: n)
    return p
}

/// `n` rounded up to whole cache lines of floats, so that the next buffer in one
/// allocation starts aligned too.
func cacheLinePadded(_ n: Int) -> Int { (n + 15) & ~15 }

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

// MARK: Element-wise helpers

/// out [cols] = Σ over rows of m [rows, cols].
func columnSums(_ m: UnsafePointer<Float>, rows: Int, cols: Int, into out: UnsafeMutablePointer<Float>) {
    out.initialize(repeating: 0, count: cols)
    let full = cols & ~(vecWidth &- 1)
    var c = 0
    while c < full {
        var acc = Vec(repeating: 0)
        for r in 0..<rows { acc += load(m + (r &* cols &+ c)) }
        store(acc, out + c)
        c &+= vecWidth
    }
    for c in full..<cols {
        var acc: Float = 0
        for r in 0..<rows { acc += m[r &* cols &+ c] }
        out[c] = acc
    }
}

/// p [count] *= q [count].
func multiply(_ p: UnsafeMutablePointer<Float>, by q: UnsafePointer<Float>, count: Int) {
    let full = count & ~(vecWidth &- 1)
    var i = 0
    while i < full {
        store(load(p + i) * load(q + i), p + i)
        i &+= vecWidth
    }
    for i in full..<count { p[i] *= q[i] }
}

/// Σ p[i]², Float lanes summed in Double.
func sumOfSquares(_ p: UnsafePointer<Float>, count: Int) -> Double {
    let full = count & ~(vecWidth &- 1)
    var acc = Vec(repeating: 0)
    var i = 0
    while i < full {
        let v = load(p + i)
        acc += v * v
        i &+= vecWidth
    }
    var total = 0.0
    for lane in 0..<vecWidth { total += Double(acc[lane]) }
    for i in full..<count { total += Double(p[i]) * Double(p[i]) }
    return total
}

/// True when every value is finite.
func allFinite(_ p: UnsafePointer<Float>, count: Int) -> Bool {
    // x - x is 0 for finite x and NaN for ±Inf and NaN; a NaN in the sum makes it NaN.
    let full = count & ~(vecWidth &- 1)
    var acc = Vec(repeating: 0)
    var i = 0
    while i < full {
        let v = load(p + i)
        acc += v - v
        i &+= vecWidth
    }
    for i in full..<count where !p[i].isFinite { return false }
    for lane in 0..<vecWidth where acc[lane] != 0 { return false }
    return true
}
