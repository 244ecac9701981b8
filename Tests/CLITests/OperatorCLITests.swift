import Foundation
import NimpCore
import NimpIO
import NimpTestSupport
import Testing

/// `nimp optimize`, `distill` and `evolve` run as a user runs them: the built binary,
/// exit statuses, JSON lines on stdout, archives read back.
@Suite(.serialized) final class OperatorCLITests {
    let scratch: TemporaryDirectory
    let dir: URL
    let train: String, validation: String, parent: String

    init() throws {
        scratch = try TemporaryDirectory("operators")
        dir = scratch.url
        train = dir.appendingPathComponent("train.safetensors").path
        validation = dir.appendingPathComponent("validation.safetensors").path
        parent = dir.appendingPathComponent("parent.nimp").path
        try OperatorCLI.expectOK(["gen-data", "--generator", "signal/dopamine", "--samples", "600", "--seed", "1", "-o", train])
        try OperatorCLI.expectOK(["gen-data", "--generator", "signal/dopamine", "--samples", "200", "--seed", "2", "-o", validation])
        try OperatorCLI.expectOK(["train", "--data", train, "--hidden", "16,16", "--epochs", "5", "--learning-rate", "0.003",
                                  "--metrics", dir.appendingPathComponent("curve.jsonl").path, "-o", parent])
    }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    @Test func quantizeInt8WritesASmallArchiveThatEvaluates() throws {
        let out = path("int8.nimp")
        let run = try OperatorCLI.expectOK(["optimize", parent, "--quantize", "int8", "--no-calibrate", "--data", validation,
                                            "--latency-samples", "50", "-o", out])
        let line = try OperatorCLI.lastJSON(run.stdout)
        #expect(line["operation"] as? String == "quantize")
        // A 16-16 network is so small that the per-channel scales weigh in: 0.33 of the
        // float weights (a 64-64 one: 0.28).
        #expect((line["weight_bytes_ratio"] as? Double ?? 1) <= 0.35)
        let roundTrip = try #require(line["round_trip"] as? [String: Any])
        #expect((roundTrip["max_error_over_scale"] as? Double ?? 1) <= 0.5 + 1e-4)
        let archive = try ModelArchive.read(path: out)
        #expect(archive.manifest.quantization == "int8")
        #expect(archive.manifest.lineage.operation == "quantize")
        #expect(archive.manifest.lineage.parentSha256 == (try SHA256.hex(file: parent)))
        try OperatorCLI.expectOK(["evaluate", out, "--data", validation, "--latency-samples", "20"])
        let calibrated = try OperatorCLI.expectOK(["optimize", parent, "--quantize", "int8", "--data", train, "--validation", validation,
                                                   "--latency-samples", "50", "-o", path("calibrated.nimp")])
        #expect(try OperatorCLI.lastJSON(calibrated.stdout)["quality_change"] is Double)
        #expect(try ModelArchive.read(path: path("calibrated.nimp")).manifest.quantization == "int8")
    }

    @Test func pruneNeuronsShrinksTheLayers() throws {
        let out = path("pruned.nimp")
        let run = try OperatorCLI.expectOK(["optimize", parent, "--prune-neurons", "0.5", "--data", train, "--epochs", "1",
                                            "--validation", validation, "--latency-samples", "50", "-o", out])
        let line = try OperatorCLI.lastJSON(run.stdout)
        #expect((line["flops_ratio"] as? Double ?? 1) < 0.5)
        let archive = try ModelArchive.read(path: out)
        #expect(archive.model.hidden == [8, 8])
        #expect(archive.manifest.pruning?.kind == "neurons")
        #expect(archive.manifest.lineage.parameters?["prune_neurons"] == "0.5")
    }

    @Test func qualityBudgetPrintsOneLinePerStep() throws {
        let out = path("budget.nimp")
        let run = try OperatorCLI.expectOK(["optimize", parent, "--prune-neurons", "0.75", "--data", train, "--epochs", "1",
                                            "--steps", "3", "--max-quality-drop", "1", "--latency-samples", "50", "-o", out])
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        let steps = try lines.dropLast().map { try OperatorCLI.json($0) }
        #expect(steps.map { $0["step"] as? Int } == [1, 2, 3])
        #expect(steps.allSatisfy { $0["within_budget"] as? Bool == true })
        #expect(try ModelArchive.read(path: out).model.hidden == [4, 4])
    }

    @Test func usageErrorsExit64() throws {
        #expect(try OperatorCLI.run(["optimize", parent, "-o", path("x.nimp")]).status == 64)
        #expect(try OperatorCLI.run(["optimize", parent, "--prune-neurons", "0.5", "--max-quality-drop", "0.01", "-o", path("x.nimp")]).status == 64)
        #expect(try OperatorCLI.run(["optimize", parent, "--prune-weights", "1.5", "-o", path("x.nimp")]).status == 64)
        #expect(try OperatorCLI.run(["evolve", "--data", train, "-o", path("x.nimp")]).status == 64)
        #expect(try OperatorCLI.run(["optimize", path("missing.nimp"), "--quantize", "int8", "-o", path("x.nimp")]).status == 66)
        #expect(!FileManager.default.fileExists(atPath: path("x.nimp")))
    }

    @Test func distillWritesAStudentWithLineage() throws {
        let out = path("student.nimp")
        let run = try OperatorCLI.expectOK(["distill", "--teacher", parent, "--data", train, "--validation", validation,
                                            "--hidden", "4", "--epochs", "3", "--augment", "200", "--latency-samples", "50", "-o", out])
        let line = try OperatorCLI.lastJSON(run.stdout)
        #expect(line["operation"] as? String == "distill")
        #expect(line["teacher_distance"] is Double)
        let archive = try ModelArchive.read(path: out)
        #expect(archive.model.hidden == [4])
        #expect(archive.manifest.lineage.operation == "distill")
        #expect(archive.manifest.lineage.teacher == parent)
    }

    @Test func evolveWithASeedRepeatsItself() throws {
        let genome = path("genome.json")
        try Data(#"{"hidden": [8], "activation": "tanh", "learning_rate": 0.003, "batch_size": 32, "optimizer": "adam", "epochs": 1}"#.utf8)
            .write(to: URL(fileURLWithPath: genome))
        func evolve(_ name: String) throws -> (lines: [[String: Any]], archive: ModelArchive) {
            let run = try OperatorCLI.expectOK(["evolve", "--data", train, "--validation", validation, "--population", "3",
                                                "--generations", "2", "--epochs", "1", "--seed", "5", "--init", genome,
                                                "--latency-samples", "20", "-o", path(name)])
            let lines = try run.stdout.split(separator: "\n").map { try OperatorCLI.json(String($0)) }
            return (lines, try ModelArchive.read(path: path(name)))
        }
        let a = try evolve("a.nimp"), b = try evolve("b.nimp")
        #expect(a.lines.count == 3)
        let generations = { (lines: [[String: Any]]) in
            try lines.dropLast().map { line in
                var timeless = line
                timeless["elapsed_s"] = nil
                return String(decoding: try JSONSerialization.data(withJSONObject: timeless, options: .sortedKeys), as: UTF8.self)
            }
        }
        #expect(try generations(a.lines) == generations(b.lines))
        #expect(a.archive.model == b.archive.model)
        #expect(a.archive.manifest.genome != nil)
        #expect(a.archive.manifest.lineage.operation == "evolve")
    }
}

/// `runNimp` with checks and JSON parsing for the operator tests.
enum OperatorCLI {
    typealias Run = ProcessResult

    static func run(_ arguments: [String]) throws -> Run { runNimp(arguments) }

    @discardableResult
    static func expectOK(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> Run {
        let result = try run(arguments)
        #expect(result.status == 0, "nimp \(arguments.joined(separator: " ")): \(result.stderr)", sourceLocation: sourceLocation)
        return result
    }

    static func json(_ line: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    static func lastJSON(_ stdout: String) throws -> [String: Any] {
        try json(String(try #require(stdout.split(separator: "\n").last)))
    }
}
