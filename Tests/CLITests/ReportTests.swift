import Foundation
import NimpTestSupport
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// `nimp registry report` and `nimp train --plot`: self-contained pages and pictures
/// (no scripts, nothing fetched), every SVG well-formed, the charts the issue asks for.
/// scripts/check-report renders the page in headless Chromium for a person to look at.
@Suite(.serialized) struct ReportTests {
    let scratch: TemporaryDirectory

    init() throws {
        scratch = try TemporaryDirectory("report")
    }

    /// A registry with two models, one of them improved by a cycle's promotions.
    func makeRegistry(in work: URL) throws -> String {
        let reg = work.appendingPathComponent("reg").path
        let data = work.appendingPathComponent("d.safetensors").path
        let eval = work.appendingPathComponent("e.safetensors").path
        let small = work.appendingPathComponent("small.nimp").path
        let big = work.appendingPathComponent("big.nimp").path
        for args in [["gen-data", "--generator", "signal/dopamine", "--samples", "600", "-o", data, "-q"],
                     ["gen-data", "--generator", "signal/dopamine", "--samples", "300", "--seed", "2", "-o", eval, "-q"],
                     ["train", "--data", data, "--epochs", "1", "--hidden", "4", "--metrics", "/dev/null", "-o", small, "-q"],
                     ["train", "--data", data, "--epochs", "6", "--hidden", "16,16", "--metrics", "/dev/null", "-o", big, "-q"],
                     ["registry", "--registry", reg, "init"],
                     ["registry", "--registry", reg, "add", "alpha", small, "--data", data, "--eval", eval, "--target", "r2=0.999"],
                     ["registry", "--registry", reg, "add", "alpha", big],
                     ["registry", "--registry", reg, "add", "beta", small, "--data", data],
                     ["cycle", "--registry", reg, "--force", "--budget-seconds", "20", "-q"]] {
            let r = runNimp(args)
            #expect(r.status == 0, "nimp \(args.joined(separator: " ")): \(r.stderr)")
        }
        return reg
    }

    @Test func reportIsOneSelfContainedPageWithTheCharts() throws {
        let work = scratch.url
        let reg = try makeRegistry(in: work)
        let file = work.appendingPathComponent("report.html").path
        let r = runNimp(["registry", "--registry", reg, "report", "-o", file])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "", "with -o, nothing on stdout")
        let page = try String(contentsOfFile: file, encoding: .utf8)

        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.hasSuffix("</html>\n"))
        #expect(!page.lowercased().contains("<script"), "no JavaScript")
        for needle in ["src=", "<link", "@import", "url("] {
            #expect(!page.contains(needle), "nothing to fetch: found \(needle)")
        }
        let urls = page.components(separatedBy: "http").dropFirst().map { "http" + $0.prefix(30) }
        #expect(urls.allSatisfy { $0.hasPrefix("http://www.w3.org/2000/svg") }, "only the SVG namespace: \(urls)")

        let svgs = Self.svgElements(page)
        // Signals and cycle gains, then per model: quality, task gains, size and latency trade-offs.
        #expect(svgs.count == 2 + 2 * 4, "charts")
        for svg in svgs { #expect(Self.xmlError(svg) == nil, "an SVG is not well-formed XML: \(Self.xmlError(svg) ?? "")") }
        for title in ["Signal levels over cycles", "Gain promoted per cycle", "Quality over versions", "Task gains over cycles",
                      "Quality vs size", "Quality vs latency", "Pareto front", "id=\"model-alpha\"", "id=\"model-beta\"",
                      "target 0.999", "dopamine", "cortisol"] {
            #expect(page.contains(title), "the page lacks \(title)")
        }
        #expect(page.contains("On the Pareto front of quality, size and latency: v"), "alpha's front is named")

        let stdout = runNimp(["registry", "--registry", reg, "report"])
        #expect(stdout.status == 0, "\(stdout.stderr)")
        #expect(stdout.stdout.hasPrefix("<!DOCTYPE html>"), "without -o the page goes to stdout")
    }

    @Test func reportOfAnEmptyRegistrySaysSo() throws {
        let work = scratch.url
        let reg = work.appendingPathComponent("reg").path
        #expect(runNimp(["registry", "--registry", reg, "init"]).status == 0)
        let r = runNimp(["registry", "--registry", reg, "report"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("no models yet"))
        #expect(Self.svgElements(r.stdout).count == 2)
        #expect(runNimp(["registry", "--registry", work.appendingPathComponent("none").path, "report"]).status == 66)
    }

    @Test func trainPlotsTheLearningCurve() throws {
        let work = scratch.url
        let data = work.appendingPathComponent("d.safetensors").path
        let plot = work.appendingPathComponent("curve.svg").path
        #expect(runNimp(["gen-data", "--generator", "signal/growth", "--samples", "400", "-o", data, "-q"]).status == 0)
        let r = runNimp(["train", "--data", data, "--validation-split", "0.2", "--epochs", "4", "--hidden", "8",
                         "--metrics", "/dev/null", "--plot", plot, "-o", work.appendingPathComponent("m.nimp").path])
        #expect(r.status == 0, "\(r.stderr)")
        let svg = try String(contentsOfFile: plot, encoding: .utf8)
        #expect(svg.hasPrefix("<?xml"))
        #expect(Self.xmlError(svg) == nil)
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 2, "training and validation loss")
        #expect(svg.contains("training loss") && svg.contains("validation loss") && svg.contains("best validation"))
        #expect(svg.components(separatedBy: "epoch 4: training loss").count - 1 == 1, "one point per epoch")
    }

    // MARK: Helpers

    static func svgElements(_ page: String) -> [String] {
        page.components(separatedBy: "<svg ").dropFirst().map { "<svg " + ($0.components(separatedBy: "</svg>").first ?? "") + "</svg>" }
    }

    /// The parser's complaint, or nil when `text` is well-formed XML.
    static func xmlError(_ text: String) -> String? {
        let parser = XMLParser(data: Data(text.utf8))
        return parser.parse() ? nil : (parser.parserError.map { "\($0)" } ?? "unknown error")
    }
}
