import Foundation
import NimpCore
import Testing

@testable import NimpIO

@Suite struct JSONLTests {
    func read(_ text: String, target: [String] = ["y"], task: Task? = nil) throws -> Dataset {
        try JSONLReader.read(data: Data(text.utf8), name: "t.jsonl", target: target, task: task)
    }

    /// fixtures/broken/jsonl_*: exit 65 and the line each message names.
    static let expectations: [(file: String, fragments: [String])] = [
        ("jsonl_torn_last_line.jsonl", ["line 3", "the last line is cut short"]),
        ("jsonl_bad_utf8.jsonl", ["line 2, byte 20", "not valid UTF-8"]),
        ("jsonl_nan_literal.jsonl", ["line 2, column 6", "NaN and Infinity are not JSON numbers"]),
        ("jsonl_infinity_literal.jsonl", ["line 2, column 12", "-Infinity is not a JSON number"]),
        ("jsonl_not_object.jsonl", ["line 2", "expected a JSON object, found an array"]),
        ("jsonl_missing_key.jsonl", ["line 2", "missing key \"b\""]),
        ("jsonl_extra_key.jsonl", ["line 2", "unexpected key \"c\""]),
        ("jsonl_duplicate_key.jsonl", ["line 2", "\"b\" appears twice"]),
        ("jsonl_deep_nesting.jsonl", ["line 1", "nesting deeper than 128"]),
        ("jsonl_syntax_error.jsonl", ["line 2, column 8", "expected ',' or '}'"]),
    ]

    @Test func brokenFixtures() {
        for (file, fragments) in Self.expectations {
            let path = FormatFixtures.path("broken/" + file)
            assertNimpError(.dataError, [path + ": "] + fragments) { try DatasetIO.load(path: path, target: ["y"]) }
        }
    }

    @Test func corpusIsComplete() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: FormatFixtures.path("broken"))
        let listed = Set(Self.expectations.map(\.file))
        for name in names where name.hasPrefix("jsonl_") {
            #expect(listed.contains(name), "\(name) has no expectation")
        }
    }

    @Test func keysInAnyOrderAndCRLF() throws {
        let d = try read("{\"a\":1,\"b\":2,\"y\":3}\r\n{\"y\":6,\"b\":5,\"a\":4}\r\n\n")
        #expect(d.featureNames == ["a", "b"])
        #expect(d.x.data == [1, 2, 4, 5])
        #expect(d.y == .values(Matrix(rows: 2, cols: 1, data: [3, 6])))
    }

    @Test func stringTargetsAreClasses() throws {
        let d = try read("{\"a\":1,\"y\":\"dog\"}\n{\"a\":2,\"y\":\"cat\"}\n{\"a\":3,\"y\":\"dog\"}")
        #expect(d.targetNames == ["cat", "dog"])
        #expect(d.y == .classes([1, 0, 1]))
    }

    @Test func unicodeEscapesInKeysAndLabels() throws {
        let d = try read("{\"\\u00e9t\\u00e9\":1,\"y\":\"\\ud83d\\ude00\"}\n")
        #expect(d.featureNames == ["été"])
        #expect(d.targetNames == ["😀"])
    }

    @Test func emptyFile() {
        assertNimpError(.dataError, ["t.jsonl", "file is empty"]) { try read("\n  \n") }
    }

    @Test func missingTargetKey() {
        assertNimpError(.dataError, ["line 1", "no column named \"y\""]) { try read("{\"a\":1}\n") }
    }

    @Test func hugeNumberIsOutOfRange() {
        assertNimpError(.dataError, ["line 1, column 6", "the number 1e999 is beyond the range of a Double"]) { try read("{\"a\":1e999,\"y\":1}\n") }
        assertNimpError(.dataError, ["line 1, key \"a\"", "1e+39 is outside the Float32 range"]) { try read("{\"a\":1e39,\"y\":1}\n") }
    }

    @Test func numberArrayLines() throws {
        #expect(try JSONLReader.parseNumberArrayLine("[1, -2.5e1, 0]", file: "out", line: 1) == [1, -25, 0])
        #expect(try JSONLReader.parseNumberArrayLine(" 0.5 ", file: "out", line: 1) == [0.5])
        #expect(try JSONLReader.parseNumberArrayLine("[]", file: "out", line: 1) == [])
        assertNimpError(.dataError, ["teacher stdout: line 7, element 2", "expected a number, found the string \"x\""]) {
            try JSONLReader.parseNumberArrayLine("[1,\"x\"]", file: "teacher stdout", line: 7)
        }
        assertNimpError(.dataError, ["out: line 3", "NaN"]) { try JSONLReader.parseNumberArrayLine("[NaN]", file: "out", line: 3) }
        assertNimpError(.dataError, ["out: line 4", "expected a JSON array of numbers, found an object"]) {
            try JSONLReader.parseNumberArrayLine("{\"a\":1}", file: "out", line: 4)
        }
        assertNimpError(.dataError, ["out: line 5"]) { try JSONLReader.parseNumberArrayLine("[1, 2", file: "out", line: 5) }
        assertNimpError(.dataError, ["out: line 6, element 1", "outside the Float32 range"]) {
            try JSONLReader.parseNumberArrayLine("[1e300]", file: "out", line: 6)
        }
    }

    /// Round trip at scale; speed is measured by the benchmark suite, not here.
    @Test func loads100kRows() throws {
        let d = DatasetIOTests.regression(rows: 100_000, features: 10)
        let data = DatasetIO.encode(d, format: .jsonl)
        let start = Date()
        let back = try JSONLReader.read(data: data, name: "big.jsonl", target: ["y"], task: nil)
        let seconds = Date().timeIntervalSince(start)
        print(String(format: "JSONL: 100k rows x 11 keys (%.1f MB) loaded in %.3f s", Double(data.count) / 1e6, seconds))
        assertSameSamples(back, d)
    }
}

extension JSONLTests {
    @Test func mutatedInputsNeverCrash() {
        var mutator = Mutator(seed: 0x150)
        let seeds = [DatasetIO.encode(DatasetIOTests.classification(), format: .jsonl),
                     DatasetIO.encode(DatasetIOTests.regression(rows: 4, features: 3), format: .jsonl),
                     Data("{\"\\u00e9\":[1,{\"a\":null}],\"y\":true}\n".utf8)]
        let result = mutator.check(seeds, alphabet: "{}[]\":,\\u0123456789.-eE \nNaInfy", count: 3000) { data in
            for task in [nil, Task.classification, .regression] {
                do { _ = try JSONLReader.read(data: data, name: "m.jsonl", target: ["label"], task: task) } catch let e as NimpError where e.kind == .dataError {}
            }
            _ = try? JSONLReader.parseNumberArrayLine(String(decoding: data, as: UTF8.self), file: "m", line: 1)
        }
        #expect(result.rejected == 0)
    }
}
