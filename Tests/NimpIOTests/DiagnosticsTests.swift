import Foundation
import NimpCore
import NimpIO
import NimpTestSupport
import Testing

/// The library's warnings go to the sink its caller passes, never to stderr.
@Suite struct DiagnosticsTests {
    let scratch: TemporaryDirectory

    init() throws { scratch = try TemporaryDirectory("diagnostics-tests") }

    @Test func ignoredColumnsAreAWarningTheCallerHears() throws {
        let training = try DatasetIO.decode(Data("a,b,y\n1,2,3\n4,5,6\n".utf8), name: "train.csv", format: .csv, target: ["y"])
        let contract = DataContract(dataset: training, owner: "the model m.nimp")
        let path = scratch.path("more.csv")
        try Data("extra,b,a,y\nx,2,1,3\n".utf8).write(to: URL(fileURLWithPath: path))
        let sink = CollectingSink()
        let d = try DatasetIO.load(path: path, for: contract, diagnostics: sink)
        #expect(d.count == 1)
        #expect(sink.warnings == ["\(path): ignoring 1 column the model does not use: \"extra\""])
        #expect(sink.diagnostics.count == 1)
        // The same read with no sink is silent, and gives the same rows.
        #expect(try DatasetIO.load(path: path, for: contract, diagnostics: DiscardingSink()).x == d.x)
    }

    @Test func trainingReadsReportThroughTheirOptions() throws {
        let sink = CollectingSink()
        _ = try DatasetIO.decode(Data("a,y\n1,\n2,3\n".utf8), name: "t.csv", format: .csv, options: TableOptions(target: ["y"], diagnostics: sink))
        #expect(sink.warnings == ["t.csv: 1 row has no target value and is left out"])
    }

    @Test func progressCarriesTheStepsDone() {
        let sink = CollectingSink()
        let bar = ProgressBar("gate", total: 4, unit: "results", start: Date(timeIntervalSinceNow: -2))
        sink.progress(bar, completed: 4, detail: "done")
        sink.endProgress()
        guard case .progress(let shown) = sink.diagnostics.first, case .progressEnd = sink.diagnostics.last else {
            Issue.record("\(sink.diagnostics)")
            return
        }
        #expect(shown.isDone && shown.detail == "done")
        #expect(shown.line(width: 80).hasPrefix("gate  [==========]  4/4 results  2.0 results/s"))
    }
}
