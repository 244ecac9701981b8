import XCTest

@testable import NimpCore

/// Matrices over memory they do not own (`MappedFloats`) behave like array-backed ones.
final class MatrixStorageTests: XCTestCase {
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

    func testReadsLikeAnArray() {
        let v: [Float] = (0..<12).map { Float($0) * 1.5 }
        let a = Matrix(rows: 4, cols: 3, data: v), m = mapped(4, 3, v)
        XCTAssertTrue(m.isMapped)
        XCTAssertFalse(a.isMapped)
        XCTAssertEqual(m, a)
        XCTAssertEqual(m.data, v)
        XCTAssertEqual(m[2, 1], a[2, 1])
        XCTAssertEqual(m.row(3), a.row(3))
        XCTAssertEqual(m.rows([3, 0]), a.rows([3, 0]))
        XCTAssertEqual(m.withUnsafeBufferPointer { Array($0) }, v)
        XCTAssertEqual(BLAS.matmul(m, m, transB: true), BLAS.matmul(a, a, transB: true))
        XCTAssertNotEqual(m, mapped(4, 3, v.map { $0 + 1 }))
        XCTAssertNotEqual(m, mapped(3, 4, v))
    }

    func testWritesCopyOnce() {
        let v: [Float] = [1, 2, 3, 4]
        let m = mapped(2, 2, v)
        var w = m
        w[1, 1] = 9
        w.data[0] = 7
        XCTAssertFalse(w.isMapped)
        XCTAssertEqual(w.data, [7, 2, 3, 9])
        XCTAssertEqual(m.data, v, "the original is untouched")
        var r = m
        r.data = [5, 6, 7, 8]
        XCTAssertEqual(r, Matrix(rows: 2, cols: 2, data: [5, 6, 7, 8]))
    }

    func testReleaseIsHarmlessOnMemoryThatIsNotAFile() {
        let v = (0..<10_000).map { Float($0) }
        let m = mapped(100, 100, v)
        m.releaseResident(rows: 0..<100)
        XCTAssertEqual(m.data, v)
    }
}
