import Foundation
import Testing

@testable import NimpCore

/// Matrices over memory they do not own (`MappedFloats`) behave like array-backed ones.
@Suite struct MatrixStorageTests {
    final class Owner {
        let values: UnsafeMutablePointer<Float>
        let count: Int
        init(_ v: [Float]) {
            count = v.count
            values = .allocate(capacity: v.count)
            values.initialize(from: v, count: v.count)
        }
        deinit { values.deallocate() }
    }

    func mapped(_ rows: Int, _ cols: Int, _ values: [Float]) -> Matrix {
        let owner = Owner(values)
        return Matrix(rows: rows, cols: cols, mapped: MappedFloats(base: owner.values, count: owner.count, owner: owner))
    }

    @Test func readsLikeAnArray() {
        let v: [Float] = (0..<12).map { Float($0) * 1.5 }
        let a = Matrix(rows: 4, cols: 3, data: v), m = mapped(4, 3, v)
        #expect(m.isMapped)
        #expect(!a.isMapped)
        #expect(m == a)
        #expect(m.data == v)
        #expect(m[2, 1] == a[2, 1])
        #expect(m.row(3) == a.row(3))
        #expect(m.rows([3, 0]) == a.rows([3, 0]))
        #expect(m.withUnsafeBufferPointer { Array($0) } == v)
        #expect(BLAS.matmul(m, m, transB: true) == BLAS.matmul(a, a, transB: true))
        #expect(m != mapped(4, 3, v.map { $0 + 1 }))
        #expect(m != mapped(3, 4, v))
    }

    @Test func writesCopyOnce() {
        let v: [Float] = [1, 2, 3, 4]
        let m = mapped(2, 2, v)
        var w = m
        w[1, 1] = 9
        w.data[0] = 7
        #expect(!w.isMapped)
        #expect(w.data == [7, 2, 3, 9])
        #expect(m.data == v, "the original is untouched")
        var r = m
        r.data = [5, 6, 7, 8]
        #expect(r == Matrix(rows: 2, cols: 2, data: [5, 6, 7, 8]))
    }

    @Test func releaseIsHarmlessOnMemoryThatIsNotAFile() {
        let v = (0..<10_000).map { Float($0) }
        let m = mapped(100, 100, v)
        m.releaseResident(rows: 0..<100)
        #expect(m.data == v)
    }
}
