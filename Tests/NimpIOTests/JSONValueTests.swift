import Foundation
import NimpCore
import Testing

@testable import NimpIO

@Suite struct JSONValueTests {
    func parse(_ text: String) throws -> JSONValue { try JSONValue(parsing: Data(text.utf8)) }

    func syntaxError(_ text: String) -> JSONSyntaxError? {
        do { _ = try parse(text) } catch let e as JSONSyntaxError { return e } catch { Issue.record("\(error)") }
        return nil
    }

    @Test func objectsKeepTheirOrder() throws {
        let value = try parse(#"{"b": 1, "a": {"z": true, "y": null}, "c": [1, 2]}"#)
        #expect(value.members?.keys == ["b", "a", "c"])
        #expect(value["a"]?.members?.keys == ["z", "y"])
        let literal: JSONValue = ["z": 1, "a": 2, "m": 3]
        #expect(literal.members?.keys == ["z", "a", "m"])
        #expect(JSONValue.object(["z": .int(1), "a": .int(2)]).members?.keys == ["z", "a"])
        // A dictionary has no order of its own: its keys are sorted.
        let dictionary: [String: JSONValue] = ["z": 1, "a": 2]
        #expect(JSONValue.object(dictionary).members?.keys == ["a", "z"])
        #expect(JSONValue.metrics(["r2": 0.5, "mae": 1]).members?.keys == ["mae", "r2"])
    }

    @Test func objectsReadLikeDictionaries() throws {
        var o: JSONObject = ["a": 1, "b": 2]
        o["c"] = 3
        o["a"] = 10
        o["b"] = nil
        #expect(o.keys == ["a", "c"])
        #expect(o["a"] == 10)
        #expect(o.mapValues { _ in .null }.keys == ["a", "c"])
        #expect(Array(o.map(\.key)) == ["a", "c"])
        // Equality ignores order, as JSON objects do.
        #expect(JSONObject(["x": 1, "y": 2] as [String: JSONValue]) == ["y": 2, "x": 1])
        // Past the scan limit lookups go through an index; it stays right after removals.
        var big = JSONObject()
        for k in 0..<100 { big["k\(k)"] = .int(k) }
        big["k5"] = nil
        #expect(big["k99"] == 99)
        #expect(big["k5"] == nil)
        #expect(big.count == 99)
        let inserted = big.insertNew("k42", .null)
        #expect(!inserted)
    }

    @Test func duplicateKeysAreRefused() throws {
        let e = try #require(syntaxError(#"{"a": 1, "b": {"c": 1, "c": 2}}"#))
        #expect(e.kind == .duplicateKey)
        #expect(e.offset == 23)
        #expect(e.explanation == "the key \"c\" appears twice in one object")
        let many = (0..<50).map { "\"k\($0)\": \($0)" }.joined(separator: ", ")
        #expect(syntaxError("{\(many), \"k7\": 0}")?.kind == .duplicateKey)
        if let error = #expect(throws: (any Error).self, performing: { try JSONCoding.parse(Data(#"{"a":1,"a":2}"#.utf8), file: "f.json") }) {
            #expect("\(error)" == "f.json: byte 7: the key \"a\" appears twice in one object")
        }
    }

    @Test func integersUpTo2Pow64AreExact() throws {
        #expect(try parse("18446744073709551615") == .unsigned(UInt64.max))
        #expect(try parse("18446744073709551615").summary == "18446744073709551615")
        #expect(try parse("9223372036854775807") == .int(Int.max))
        #expect(try parse("-9223372036854775808") == .int(Int.min))
        #expect(try parse("18446744073709551616") == .number(18446744073709551616))
        #expect(try parse("12").nonNegativeInt == 12)
        #expect(try parse("-0").nonNegativeInt == nil)
        #expect(try parse("1e2").nonNegativeInt == nil)
        #expect(try parse("18446744073709551615").int == nil)
        #expect(try parse("3.0").int == 3)
        #expect(try JSONCoding.line(JSONValue.unsigned(.max)) == "18446744073709551615")
        #expect(try JSONCoding.line(["offsets": [0, UInt64.max]] as [String: [UInt64]]) == #"{"offsets":[0,18446744073709551615]}"#)
    }

    @Test func nonFiniteNumbersAreRefusedOnInput() {
        #expect(syntaxError("[NaN]")?.kind == .nonFinite)
        #expect(syntaxError("-Infinity")?.kind == .nonFinite)
        let huge = syntaxError(#"{"a": 1e400}"#)
        #expect(huge?.kind == .outOfRange)
        #expect(huge?.offset == 6)
    }

    struct Sample: Codable, Equatable {
        var name: String
        var loss: Double
        var rate: Float
        var counts: [Int]
        var note: String?
        var metrics: [String: Double]
    }

    @Test func naNAndInfinityAreWrittenAsNull() throws {
        let s = Sample(name: "a/b", loss: .nan, rate: .infinity, counts: [1, 2], note: nil, metrics: ["r2": -.infinity, "mae": 0.25])
        #expect(try JSONCoding.line(s) == #"{"counts":[1,2],"loss":null,"metrics":{"mae":0.25,"r2":null},"name":"a/b","rate":null}"#)
        #expect(try JSONCoding.line(JSONValue.array([.number(1.5), .number(.nan)])) == "[1.5,null]")
        let pretty = String(decoding: try JSONCoding.pretty(JSONValue.metrics(["x": .nan])), as: UTF8.self)
        #expect(pretty.contains("null") && pretty.hasSuffix("}\n"), "\(pretty)")
    }

    @Test func encodingMatchesJSONEncoderForFiniteValues() throws {
        let s = Sample(name: "n", loss: 0.1, rate: 0.1, counts: [], note: "x", metrics: ["a": 1e-7, "b": 3])
        let reference = JSONEncoder()
        reference.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(try JSONCoding.line(s) == String(decoding: try reference.encode(s), as: UTF8.self))
        #expect(try JSONCoding.decode(Sample.self, from: try JSONCoding.data(s), file: "s.json") == s)
        // Encoding order is kept until the writer sorts.
        #expect(try JSONValue(encoding: s).members?.keys == ["name", "loss", "rate", "counts", "note", "metrics"])
    }

    /// nimp's own compact writer against Foundation's JSONEncoder (what it replaces), byte
    /// for byte: random doubles over the whole range, integers, keys that sort differently
    /// by bytes, numbers or case, every control character, non-ASCII text, nesting.
    @Test func compactWriterWritesWhatJSONEncoderWrites() throws {
        let reference = JSONCoding.encoder()
        var rng = RNG(seed: 5)
        var numbers: [JSONValue] = [0.0, -0.0, 1, -3, 0.1, 1e15, 1e16, 1e21, 1e-5, 5e-324, 1.7976931348623157e308, Double(Float(0.1))].map { .number($0) }
        for _ in 0..<2000 {
            let d = Double(bitPattern: rng.next())
            if d.isFinite { numbers.append(.number(d)) }
            numbers.append(.number(Double(rng.normal()) * pow(10, Double(rng.next() % 40) - 20)))
        }
        numbers += [.int(0), .int(-7), .int(.max), .int(.min), .unsigned(.max), .bool(true), .bool(false), .null]
        let text = String((0..<0x20).map { Character(Unicode.Scalar($0)!) }) + "\"\\/\u{7f}é😀\u{2028}e\u{301}"
        let keys = ["a10", "a2", "B", "a", "_", "é", "Z", "a-b", "", "x\n\"/y", "e\u{301}", "f", "ß", "😀", "A"]
        let object = JSONValue.object(JSONObject(keys.enumerated().map { ($1, numbers[$0 % numbers.count]) }))
        let values: [JSONValue] = numbers + [.string(text), .array(numbers), object, .array([object, .array([]), .object([:])]),
                                              .object(["nested": object, "list": .array([.string(text), .null])])]
        for value in values {
            let expected = String(decoding: try reference.encode(value), as: UTF8.self)
            #expect(try JSONCoding.line(value) == expected)
        }
    }

    @Test func decodingErrorsNameFileKeyAndExpectation() {
        let bad = #"{"name": "n", "loss": 1, "rate": 1, "counts": [1, "x"], "metrics": {}}"#
        if let error = #expect(throws: (any Error).self, performing: { try JSONCoding.decode(Sample.self, from: Data(bad.utf8), file: "s.json") }) {
            #expect("\(error)" == "s.json: key \"counts[1]\": expected an integer, found the string \"x\"")
        }
        let missing = #"{"name": "n", "rate": 1, "counts": [], "metrics": {}}"#
        if let error = #expect(throws: (any Error).self, performing: { try JSONCoding.decode(Sample.self, from: Data(missing.utf8), file: "s.json") }) {
            #expect("\(error)" == "s.json: key \"loss\": missing")
        }
        if let error = #expect(throws: (any Error).self, performing: { try JSONCoding.decode(Sample.self, from: Data("[1]".utf8), file: "s.json") }) {
            #expect("\(error)" == "s.json: is an array, expected a JSON object")
        }
        let member: JSONValue = ["inner": ["name": 3]]
        if let error = #expect(throws: (any Error).self, performing: { try JSONCoding.decode(Sample.self, from: member["inner"]!, file: "m.json", path: "inner") }) {
            #expect("\(error)" == "m.json: key \"inner.name\": expected a string, found 3")
        }
    }
}
