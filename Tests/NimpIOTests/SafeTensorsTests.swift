import Foundation
import NimpCore
import XCTest

@testable import NimpIO

final class SafeTensorsTests: XCTestCase {
    func sample() -> SafeTensorsWriter {
        var w = SafeTensorsWriter()
        w.metadata = ["task": "regression", "note": "quote \" and \\ and é"]
        w.add("layers.0.weight", floats: [1, -2.5, 3, 0.1, .greatestFiniteMagnitude, -0.0], shape: [2, 3])
        w.add("layers.0.bias", f16: [0.5, -65504, 1e-7], shape: [3])
        w.add("q", int8: [-128, 0, 127], shape: [3])
        w.add("ids", int64: [0, -1, Int64.max], shape: [3, 1])
        w.add("empty", floats: [], shape: [0, 4])
        return w
    }

    func testRoundTrip() throws {
        let file = try SafeTensorsFile(data: sample().encode(), name: "mem")
        XCTAssertEqual(file.metadata, ["task": "regression", "note": "quote \" and \\ and é"])
        XCTAssertEqual(try file.floats("layers.0.weight"), [1, -2.5, 3, 0.1, .greatestFiniteMagnitude, -0.0])
        XCTAssertEqual(file.info("layers.0.weight")?.shape, [2, 3])
        XCTAssertEqual(file.info("layers.0.bias")?.dtype, .F16)
        // F16: 1e-7 rounds to the subnormal 2^-24 × 2 (nearest of 5.96e-8 steps).
        XCTAssertEqual(try file.floats("layers.0.bias"), [0.5, -65504, Half.float(Half.bits(1e-7))])
        XCTAssertEqual(try file.int8("q"), [-128, 0, 127])
        XCTAssertEqual(try file.int64("ids"), [0, -1, Int64.max])
        XCTAssertEqual(file.info("empty")?.byteRange.count, 0)
        XCTAssertEqual(try file.floats("empty"), [])
        XCTAssertEqual(file.rawBytes("q"), Data([0x80, 0x00, 0x7F]))
        XCTAssertNil(file.info("missing"))
    }

    func testEncodingIsDeterministicAndAligned() throws {
        let a = sample().encode()
        XCTAssertEqual(a, sample().encode())
        let headerLength = a.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        XCTAssertEqual(headerLength % 8, 0)
        let header = String(decoding: a[8..<(8 + headerLength)], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{\"__metadata__\":{\"note\":"), header)
        let names = ["empty", "ids", "layers.0.bias", "layers.0.weight", "q"]
        let positions = names.map { header.range(of: "\"\($0)\":")!.lowerBound }
        XCTAssertEqual(positions, positions.sorted())
        // Data in name order: the tensors' offsets follow the same order.
        let file = try SafeTensorsFile(data: a, name: "mem")
        XCTAssertEqual(file.tensors.filter { !$0.byteRange.isEmpty }.map(\.name), ["ids", "layers.0.bias", "layers.0.weight", "q"])
    }

    func testWrongAccessorsAreDataErrors() throws {
        let file = try SafeTensorsFile(data: sample().encode(), name: "w.safetensors")
        assertNimpError(.dataError, ["w.safetensors", "tensor \"q\"", "dtype I8"]) { try file.floats("q") }
        assertNimpError(.dataError, ["tensor \"nope\"", "no such tensor"]) { try file.floats("nope") }
        assertNimpError(.dataError, ["tensor \"ids\"", "expected I8"]) { try file.int8("ids") }
    }

    func testHalfConversionIsExactForEveryHalf() {
        for bits in UInt16.min...UInt16.max {
            let f = Half.float(bits)
            if f.isNaN { XCTAssertTrue(Half.float(Half.bits(f)).isNaN); continue }
            XCTAssertEqual(Half.bits(f), bits, "half bits \(bits)")
        }
    }

    #if !(os(macOS) && arch(x86_64))
    func testHalfRoundingMatchesFloat16() {
        var state: UInt32 = 12345
        for _ in 0..<200_000 {
            state = state &* 1_664_525 &+ 1_013_904_223
            let f = Float(bitPattern: state)
            if f.isNaN { continue }
            XCTAssertEqual(Half.bits(f), Float16(f).bitPattern, "\(f)")
        }
        for f: Float in [65519, 65520, 1e-8, 2.9802322e-08, 2.9802326e-08, 6.1035156e-05, -0.0] {
            XCTAssertEqual(Half.bits(f), Float16(f).bitPattern, "\(f)")
        }
    }
    #endif

    func testBFloat16() {
        XCTAssertEqual(Half.bfloat16(Half.bfloat16Bits(1.0)), 1.0)
        XCTAssertEqual(Half.bfloat16Bits(1.00390625), 0x3F80)  // tie → even
        XCTAssertEqual(Half.bfloat16Bits(1.01171875), 0x3F82)  // tie → even (up)
        XCTAssertTrue(Half.bfloat16(Half.bfloat16Bits(.nan)).isNaN)
    }
}
