import Foundation
import NimpCore
import NimpTestSupport
import Testing

@testable import NimpIO

@Suite struct SafeTensorsTests {
    let scratch: TemporaryDirectory

    init() throws {
        scratch = try TemporaryDirectory("io-tests")
    }

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

    @Test func roundTrip() throws {
        let file = try SafeTensorsFile(data: sample().encode(), name: "mem")
        #expect(file.metadata == ["task": "regression", "note": "quote \" and \\ and é"])
        #expect(try file.floats("layers.0.weight") == [1, -2.5, 3, 0.1, .greatestFiniteMagnitude, -0.0])
        #expect(file.info("layers.0.weight")?.shape == [2, 3])
        #expect(file.info("layers.0.bias")?.dtype == .F16)
        // F16: 1e-7 rounds to the subnormal 2^-24 × 2 (nearest of 5.96e-8 steps).
        #expect(try file.floats("layers.0.bias") == [0.5, -65504, Half.float(Half.bits(1e-7))])
        #expect(try file.int8("q") == [-128, 0, 127])
        #expect(try file.int64("ids") == [0, -1, Int64.max])
        #expect(file.info("empty")?.byteRange.count == 0)
        #expect(try file.floats("empty") == [])
        #expect(file.rawBytes("q") == Data([0x80, 0x00, 0x7F]))
        #expect(file.info("missing") == nil)
    }

    @Test func encodingIsDeterministicAndAligned() throws {
        let a = sample().encode()
        #expect(a == sample().encode())
        let headerLength = a.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(headerLength % 8 == 0)
        let header = String(decoding: a[8..<(8 + headerLength)], as: UTF8.self)
        #expect(header.hasPrefix("{\"__metadata__\":{\"note\":"), "\(header)")
        let names = ["empty", "ids", "layers.0.bias", "layers.0.weight", "q"]
        let positions = names.map { header.range(of: "\"\($0)\":")!.lowerBound }
        #expect(positions == positions.sorted())
        // Data in name order: the tensors' offsets follow the same order.
        let file = try SafeTensorsFile(data: a, name: "mem")
        #expect(file.tensors.filter { !$0.byteRange.isEmpty }.map(\.name) == ["ids", "layers.0.bias", "layers.0.weight", "q"])
    }

    @Test func wrongAccessorsAreDataErrors() throws {
        let file = try SafeTensorsFile(data: sample().encode(), name: "w.safetensors")
        assertNimpError(.dataError, ["w.safetensors", "tensor \"q\"", "dtype I8"]) { try file.floats("q") }
        assertNimpError(.dataError, ["tensor \"nope\"", "no such tensor"]) { try file.floats("nope") }
        assertNimpError(.dataError, ["tensor \"ids\"", "expected I8"]) { try file.int8("ids") }
    }

    @Test func halfConversionIsExactForEveryHalf() {
        for bits in UInt16.min...UInt16.max {
            let f = Half.float(bits)
            if f.isNaN { #expect(Half.float(Half.bits(f)).isNaN); continue }
            #expect(Half.bits(f) == bits, "half bits \(bits)")
        }
    }

    #if !(os(macOS) && arch(x86_64))
    @Test func halfRoundingMatchesFloat16() {
        var state: UInt32 = 12345
        for _ in 0..<200_000 {
            state = state &* 1_664_525 &+ 1_013_904_223
            let f = Float(bitPattern: state)
            if f.isNaN { continue }
            #expect(Half.bits(f) == Float16(f).bitPattern, "\(f)")
        }
        for f: Float in [65519, 65520, 1e-8, 2.9802322e-08, 2.9802326e-08, 6.1035156e-05, -0.0] {
            #expect(Half.bits(f) == Float16(f).bitPattern, "\(f)")
        }
    }
    #endif

    @Test func bFloat16() {
        #expect(Half.bfloat16(Half.bfloat16Bits(1.0)) == 1.0)
        #expect(Half.bfloat16Bits(1.00390625) == 0x3F80)  // tie → even
        #expect(Half.bfloat16Bits(1.01171875) == 0x3F82)  // tie → even (up)
        #expect(Half.bfloat16(Half.bfloat16Bits(.nan)).isNaN)
    }
}

/// The checked-in corpus of broken safetensors files (fixtures/broken/st_*, made by
/// make_broken.py): each is exit 65 with a message naming the place.
extension SafeTensorsTests {
    static let brokenFiles: [(file: String, fragments: [String])] = [
        ("st_too_short.safetensors", ["byte 0", "file is 3 bytes"]),
        ("st_header_2pow40.safetensors", ["header: ", "says 1099511627776 bytes", "only 8 bytes follow"]),
        ("st_header_2pow64m1.safetensors", ["header: ", "says 18446744073709551615 bytes"]),
        ("st_header_longer_than_file.safetensors", ["header: ", "says 200 bytes, but only 64 bytes follow"]),
        ("st_header_not_utf8.safetensors", ["header", "not valid UTF-8"]),
        ("st_header_not_object.safetensors", ["header", "JSON object"]),
        ("st_header_not_json.safetensors", ["header byte", "not valid JSON"]),
        ("st_duplicate_names.safetensors", ["header", "\"a\" appears twice"]),
        ("st_overlapping_offsets.safetensors", ["tensor \"b\"", "overlap tensor \"a\""]),
        ("st_reversed_offsets.safetensors", ["tensor \"a\"", "reversed"]),
        ("st_offsets_out_of_range.safetensors", ["tensor \"a\"", "past the end of the data (8 bytes)"]),
        ("st_gap_in_data.safetensors", ["tensor \"a\"", "unused"]),
        ("st_trailing_data.safetensors", ["data", "cover 4 bytes", "8 bytes"]),
        ("st_shape_overflow_to_zero.safetensors", ["tensor \"a\"", "more elements than a 64-bit count"]),
        ("st_shape_bytes_overflow.safetensors", ["tensor \"a\"", "more bytes than a 64-bit size"]),
        ("st_size_mismatch.safetensors", ["tensor \"a\"", "needs 12 bytes", "hold 8"]),
        ("st_unknown_dtype.safetensors", ["tensor \"a\"", "unknown dtype \"Q4_K\""]),
        ("st_negative_dim.safetensors", ["tensor \"a\"", "shape entry -2"]),
        ("st_metadata_not_strings.safetensors", ["__metadata__ key \"seed\"", "expected a string"]),
        ("st_pickle.pt", ["byte 0", "this looks like a PyTorch pickle", "not safetensors"]),
        ("st_zip.pt", ["byte 0", "zip archive"]),
    ]

    @Test func everyBrokenFileIsExit65NamingThePlace() {
        for (file, fragments) in Self.brokenFiles {
            let path = FormatFixtures.path("broken/" + file)
            assertNimpError(.dataError, [path + ": "] + fragments) { try SafeTensorsFile.read(path: path) }
        }
    }

    @Test func brokenCorpusIsComplete() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: FormatFixtures.path("broken"))
        let listed = Set(Self.brokenFiles.map(\.file))
        for name in names where name.hasPrefix("st_") {
            #expect(listed.contains(name), "\(name) has no expectation")
        }
    }

    @Test func missingFileIsExit66() {
        assertNimpError(.noInput, ["/nonexistent/w.safetensors", "no such file"]) { try SafeTensorsFile.read(path: "/nonexistent/w.safetensors") }
    }

    @Test func directoryAndFIFOAreRefusedBeforeReading() throws {
        let dir = try scratch.subdirectory()
        assertNimpError(.noInput, ["is a directory"]) { try SafeTensorsFile.read(path: dir) }
        let fifo = dir + "/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        assertNimpError(.noInput, ["not a regular file"]) { try SafeTensorsFile.read(path: fifo) }
    }

    /// Every prefix of a valid file is rejected cleanly (never a crash, never accepted).
    @Test func everyTruncationIsRejected() {
        var w = SafeTensorsWriter()
        w.metadata = ["k": "v"]
        w.add("a", floats: [1, 2, 3], shape: [3])
        w.add("b", int8: [1, 2], shape: [1, 2])
        let data = w.encode()
        for length in 0..<data.count {
            assertNimpError(.dataError, ["cut: "]) { try SafeTensorsFile(data: data.prefix(length), name: "cut") }
        }
    }

    /// A 128-byte header starts the file with 0x80, the pickle opcode: still safetensors.
    @Test func headerOf128BytesIsNotMistakenForAPickle() throws {
        var w = SafeTensorsWriter()
        w.add(String(repeating: "n", count: 70), floats: [1], shape: [1])
        let data = w.encode()
        #expect(data.first == 0x80)
        #expect(try SafeTensorsFile(data: data, name: "m").floats(String(repeating: "n", count: 70)) == [1])
    }

    @Test func dataSliceWithNonZeroStartIndex() throws {
        var w = SafeTensorsWriter()
        w.add("a", floats: [4, 5], shape: [2])
        let padded = Data([9, 9, 9]) + w.encode()
        let file = try SafeTensorsFile(data: padded.dropFirst(3), name: "slice")
        #expect(try file.floats("a") == [4, 5])
    }
}

extension SafeTensorsTests {
    @Test func mutatedFilesNeverCrash() {
        var mutator = Mutator(seed: 0x5AFE)
        let seeds = [sample().encode(), DatasetIO.encode(DatasetIOTests.classification(), format: .safetensors),
                     DatasetIO.encode(DatasetIOTests.regression(rows: 3, features: 2), format: .safetensors)]
        let result = mutator.check(seeds, alphabet: "{}[]\":,0123456789-eE. F32I64", count: 3000) { data in
            let file = try SafeTensorsFile(data: data, name: "m")
            for t in file.tensors {
                if t.dtype.isFloat { _ = try file.floats(t.name) }
                if t.dtype.isInteger { _ = try file.int64(t.name) }
                _ = file.rawBytes(t.name)
            }
            _ = try DatasetIO.decode(data, name: "m", format: .safetensors)
        }
        #expect(result.rejected > 0)
    }
}
