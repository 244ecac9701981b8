import Foundation
import NimpCore
import Testing

@testable import NimpIO

@Suite struct CSVTests {
    func read(_ text: String, target: [String] = ["y"], task: Task? = nil) throws -> Dataset {
        try CSVReader.read(data: Data(text.utf8), name: "t.csv", target: target, task: task)
    }

    /// fixtures/broken/csv_*: kind of failure and the place each message names.
    static let expectations: [(file: String, target: [String], kind: NimpError.Kind, fragments: [String])] = [
        ("csv_empty.csv", ["y"], .dataError, ["file is empty", "header"]),
        ("csv_header_only.csv", ["y"], .dataError, ["only a header line"]),
        ("csv_ragged.csv", ["y"], .dataError, ["line 3", "4 fields, expected 3"]),
        ("csv_ragged_first_row.csv", ["y"], .dataError, ["line 2", "2 fields, expected 3"]),
        ("csv_inf_cell.csv", ["y"], .dataError, ["line 3, column 3 (\"y\")", "\"-inf\" is not a finite number"]),
        ("csv_out_of_range.csv", ["y"], .dataError, ["line 3, column 2 (\"b\")", "outside the Float32 range"]),
        ("csv_unterminated_quote.csv", ["y"], .dataError, ["line 3, column 2", "never closed"]),
        ("csv_text_after_quote.csv", ["y"], .dataError, ["line 2, column 2", "after a closing quote"]),
        ("csv_pandas_index.csv", ["y"], .dataError, ["line 1, column 1", "empty column name"]),
        ("csv_duplicate_column.csv", ["y"], .dataError, ["line 1, column 2", "\"a\" appears twice"]),
        ("csv_missing_target.csv", ["y"], .dataError, ["line 1", "no column named \"y\""]),
        ("csv_label_not_utf8.csv", ["label"], .dataError, ["line 3, column 3 (\"label\")", "not valid UTF-8"]),
        ("csv_stray_word_in_target.csv", ["y"], .dataError, ["line 4, column 3 (\"y\")", "\"oops\" is not a number"]),
    ]

    @Test func brokenFixtures() {
        for (file, target, kind, fragments) in Self.expectations {
            let path = FormatFixtures.path("broken/" + file)
            assertNimpError(kind, [path + ": "] + fragments) { try DatasetIO.load(path: path, target: target) }
        }
    }

    @Test func corpusIsComplete() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: FormatFixtures.path("broken"))
        let listed = Set(Self.expectations.map(\.file) + ["csv_bom_crlf.csv"])
        for name in names where name.hasPrefix("csv_") {
            #expect(listed.contains(name), "\(name) has no expectation")
        }
    }

    /// A BOM is stripped, CRLF accepted, quoted fields keep commas, quotes and line breaks.
    @Test func bomCRLFAndQuotesAreAccepted() throws {
        let d = try DatasetIO.load(path: FormatFixtures.path("broken/csv_bom_crlf.csv"), target: ["label"])
        #expect(d.featureNames == ["a", "b"])
        #expect(d.task == .classification)
        #expect(d.targetNames == ["cat, black", "dog", "say \"hi\"\r\nthere"])
        #expect(d.x.data == [1, 2, 3, 4, 5, 6])
        #expect(d.y == .classes([0, 1, 2]))
    }

    @Test func regressionWithSeveralTargetsAndSpaces() throws {
        let d = try read("a, y, b, z\n1, 2, 3, 4\n5,6,7,8", target: ["z", "y"])
        #expect(d.featureNames == ["a", "b"])
        #expect(d.targetNames == ["z", "y"])
        #expect(d.x.data == [1, 3, 5, 7])
        #expect(d.y == .values(Matrix(rows: 2, cols: 2, data: [4, 2, 8, 6])))
    }

    @Test func numericClassesSortNumerically() throws {
        let d = try read("a,y\n1,10\n2,2\n3,1.0\n4,2\n", task: .classification)
        #expect(d.targetNames == ["1", "2", "10"])
        #expect(d.y == .classes([2, 1, 0, 1]))
    }

    @Test func textClassesSortByBytes() throws {
        let d = try read("a,y\n1,zebra\n2,Ant\n3,ant\n")
        #expect(d.targetNames == ["Ant", "ant", "zebra"])
        #expect(d.y == .classes([2, 0, 1]))
    }

    @Test func blankLinesAndMissingFinalNewline() throws {
        let d = try read("a,y\n\n1,2\r\n\r\n3,4")
        #expect(d.x.data == [1, 3])
    }

    @Test func trailingCommaIsAnEmptyCell() {
        assertNimpError(.dataError, ["line 2", "3 fields, expected 2"]) { try read("a,y\n1,2,\n") }
    }

    @Test func classificationTakesOneTarget() {
        assertNimpError(.usage, ["one target column"]) { try read("a,y,z\n1,b,c\n", target: ["y", "z"], task: .classification) }
    }

    @Test func regressionRejectsLabels() {
        assertNimpError(.dataError, ["line 2, column 2 (\"y\")", "\"cat\" is not a number"]) { try read("a,y\n1,cat\n", task: .regression) }
    }

    @Test func targetIsRequired() {
        assertNimpError(.usage, ["t.csv", "target column"]) { try read("a,y\n1,2\n", target: []) }
        // The library names the parameter; the command line adds its flag.
        do {
            _ = try read("a,y\n1,2\n", target: [])
        } catch let error as NimpError {
            #expect(error.parameters == [.targetColumn])
            #expect(!error.description.contains("--"), "\(error.description)")
        } catch {
            Issue.record("\(error)")
        }
    }

    /// 10 million columns on one line: stopped at the column cap, without allocating for them all.
    @Test func tenMillionColumnLineIsCapped() {
        var bytes = [UInt8](repeating: UInt8(ascii: ","), count: 10_000_000)
        bytes += Array("\n1\n".utf8)
        assertNimpError(.dataError, ["line 1", "more than 100000 columns"]) {
            try CSVReader.read(data: Data(bytes), name: "wide.csv", target: ["y"], task: nil)
        }
        var header = Array("a,y\n".utf8)
        header += [UInt8](repeating: UInt8(ascii: "1"), count: 1) + [UInt8](repeating: UInt8(ascii: ","), count: 10_000_000) + [0x0A]
        assertNimpError(.dataError, ["line 2", "more than 100000 columns"]) {
            try CSVReader.read(data: Data(header), name: "wide.csv", target: ["y"], task: nil)
        }
    }

    @Test func hugeCellIsNotANumber() {
        let cell = String(repeating: "9", count: 1_000_000)
        assertNimpError(.dataError, ["line 2, column 1 (\"a\")", "outside the Float32 range"]) { try read("a,y\n\(cell),1\n") }
    }

    /// Round trip at scale; speed is measured by the benchmark suite, not here.
    @Test func loads100kRows() throws {
        let d = DatasetIOTests.regression(rows: 100_000, features: 10)
        let data = DatasetIO.encode(d, format: .csv)
        let start = Date()
        let back = try CSVReader.read(data: data, name: "big.csv", target: ["y"], task: nil)
        let seconds = Date().timeIntervalSince(start)
        print(String(format: "CSV: 100k rows x 11 columns (%.1f MB) loaded in %.3f s", Double(data.count) / 1e6, seconds))
        assertSameSamples(back, d)
    }
}

extension CSVTests {
    @Test func mutatedInputsNeverCrash() {
        var mutator = Mutator(seed: 0xC5F)
        let seeds = [DatasetIO.encode(DatasetIOTests.classification(), format: .csv),
                     DatasetIO.encode(DatasetIOTests.regression(rows: 4, features: 3), format: .csv),
                     try! Data(contentsOf: URL(fileURLWithPath: FormatFixtures.path("broken/csv_bom_crlf.csv")))]
        let result = mutator.check(seeds, alphabet: ",\"\r\n0123456789.-e naN", count: 3000) { data in
            for target in [["label"], ["y"], ["a"]] {
                for task in [nil, Task.classification, .regression] {
                    do { _ = try CSVReader.read(data: data, name: "m.csv", target: target, task: task) } catch let e as NimpError where e.kind == .dataError {}
                }
            }
        }
        #expect(result.rejected == 0, "every failure above is caught per target")
        #expect(result.accepted > 0)
    }
}

extension CSVTests {
    @Test func semicolonSeparatedFileGetsAHint() {
        do {
            _ = try read("a;b;y\n1;2;3\n")
            Issue.record("accepted")
        } catch let e as NimpError {
            #expect(e.kind == .dataError)
            #expect(e.description.contains("one column holding \";\""), "\(e.description)")
        } catch { Issue.record("\(error)") }
    }

    @Test func targetAloneIsNotADataset() {
        assertNimpError(.dataError, ["line 1", "no feature columns besides the target y"]) { try read("y\n1\n2\n") }
    }
}
