import Foundation
import NimpIO
import NimpTestSupport
import Testing

/// Faults at every step of `nimp train -o` (issue 7): the metrics file, the archive and
/// the learning curve are each written through a temporary and a rename. After an I/O
/// error or a kill at any step, the output is the previous file or a complete new one,
/// never a torn one; the next `train -o` leaves no temporaries; a second kill during
/// that next run changes nothing of this.
@Suite(.serialized) final class TrainFaultTests {
    let scratch: TemporaryDirectory
    let dir: String
    let out: String
    let previous: Data

    init() throws {
        scratch = try TemporaryDirectory("train-fault")
        dir = scratch.path
        out = dir + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let data = runNimp(["gen-data", "--generator", "signal/dopamine", "--samples", "200", "--seed", "1", "-o", dir + "/train.safetensors", "-q"])
        guard data.status == 0 else { throw NimpTestError("gen-data: \(data.stderr)") }
        // The file a kill must never damage: a model trained before.
        let first = runNimp(Self.trainArgs(dir: dir, out: out))
        guard first.status == 0 else { throw NimpTestError("train: \(first.stderr)") }
        previous = try Data(contentsOf: URL(fileURLWithPath: out + "/model.nimp"))
    }

    var trainArgs: [String] { Self.trainArgs(dir: dir, out: out) }

    static func trainArgs(dir: String, out: String) -> [String] {
        ["train", "--data", dir + "/train.safetensors", "--hidden", "4", "--epochs", "2", "--seed", "7", "-q",
         "-o", out + "/model.nimp", "--metrics", out + "/metrics.jsonl", "--plot", out + "/curve.svg"]
    }

    /// Leftovers in the output directory.
    func leftovers() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).filter { $0.contains(".tmp-") }
    }

    /// The archive is the previous one or a complete new one.
    func checkOutput(_ label: String, _ f: Failures) {
        let path = out + "/model.nimp"
        guard let now = FileManager.default.contents(atPath: path) else { return f.fail("\(label): model.nimp is gone") }
        if now != previous {
            f.expect((try? ModelArchive.decode(now, name: path)) != nil, "\(label): model.nimp is neither the previous archive nor a complete new one")
        }
        for file in ["metrics.jsonl", "curve.svg"] {
            if let text = FileManager.default.contents(atPath: out + "/" + file) {
                f.expect(file == "curve.svg" ? String(decoding: text, as: UTF8.self).hasSuffix("</svg>\n") : text.last == 0x0A,
                         "\(label): \(file) is torn")
            }
        }
    }

    func reset() throws {
        try? FileManager.default.removeItem(atPath: out)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try previous.write(to: URL(fileURLWithPath: out + "/model.nimp"))
    }

    func steps() throws -> [String] {
        try reset()
        let steps = failpointSteps(trainArgs, in: dir)
        for expected in ["metrics.rename@1", "archive.rename@1", "plot.rename@1"] {
            #expect(steps.contains(expected), "train -o does not reach \(expected): \(steps)")
        }
        return steps
    }

    @Test func ioErrorAtEveryStep() throws {
        let steps = try steps()
        for action in ["eio", "enospc"] {
            var passed = 0
            for step in steps {
                try reset()
                let f = Failures()
                let label = "train \(step) \(action)"
                let r = runNimp(trainArgs, env: ["NIMP_FAILPOINT": Reliability.failpoint(step, action)])
                f.expect(r.status == 74, "\(label): \(r.status) \(r.stderr)")
                f.expect(r.stderr.contains("(failpoint \(step.split(separator: "@")[0]))"), "\(label): \(r.stderr)")
                f.expect(leftovers().isEmpty, "\(label): left \(leftovers())")
                checkOutput(label, f)
                if f.count == 0 { passed += 1 }
            }
            Reliability.report(["kind": "fault", "command": "train -o", "fault": action, "steps": steps.count, "exercised": steps.count, "passed": passed])
        }
    }

    @Test func killAtEveryStepThenKillTheNextRun() throws {
        let steps = try steps()
        var kills = 0, killsPassed = 0, pairs = 0, pairsPassed = 0
        // CI: every step for the first kill, every fourth for the second; exhaustive: all pairs.
        for (n, first) in steps.enumerated() {
            try reset()
            let f = Failures()
            let r = runNimp(trainArgs, env: ["NIMP_FAILPOINT": first])
            f.expect(r.status == 137, "train killed at \(first): \(r.status) \(r.stderr)")
            checkOutput("train killed at \(first)", f)
            let crashed = dir + "/crashed"
            try copyDirectory(out, crashed)
            // The next run is killed at each of its steps in turn (a sample in CI) …
            for second in Reliability.sample(steps, stride: 4) where Reliability.exhaustive || n % 2 == 0 {
                try? FileManager.default.removeItem(atPath: out)
                try FileManager.default.copyItem(atPath: crashed, toPath: out)
                let g = Failures()
                let label = "train killed at \(first), the next run killed at \(second)"
                let again = runNimp(trainArgs, env: ["NIMP_FAILPOINT": second])
                g.expect(again.status == 137, "\(label): \(again.status) \(again.stderr)")
                checkOutput(label, g)
                let third = runNimp(trainArgs)
                g.expect(third.status == 0, "\(label), then a run: \(third.status) \(third.stderr)")
                g.expect(leftovers().isEmpty, "\(label), then a run: left \(leftovers())")
                checkOutput(label + ", then a run", g)
                pairs += 1
                if g.count == 0 { pairsPassed += 1 }
            }
            // … and the next run that completes removes what the kills left.
            try? FileManager.default.removeItem(atPath: out)
            try FileManager.default.copyItem(atPath: crashed, toPath: out)
            let next = runNimp(trainArgs)
            f.expect(next.status == 0, "train killed at \(first), then a run: \(next.status) \(next.stderr)")
            f.expect(leftovers().isEmpty, "train killed at \(first), then a run: left \(leftovers())")
            kills += 1
            if f.count == 0 { killsPassed += 1 }
        }
        Reliability.report(["kind": "fault", "command": "train -o", "fault": "crash", "steps": steps.count, "exercised": kills, "passed": killsPassed])
        Reliability.report(["kind": "fault", "command": "train -o", "fault": "crash-during-recovery", "steps": steps.count, "exercised": pairs, "passed": pairsPassed])
    }

    /// Divergence stops `train` with exit 65 and writes no archive (and the previous one stays).
    @Test func divergingTrainingWritesNothing() throws {
        try reset()
        let r = runNimp(["train", "--data", dir + "/train.safetensors", "--hidden", "8", "--epochs", "3", "--learning-rate", "1e6", "-q",
                         "-o", out + "/model.nimp", "--metrics", out + "/metrics.jsonl"])
        #expect(r.status == 65, "\(r.stderr)")
        #expect(r.stderr.contains("training diverged at epoch"), "\(r.stderr)")
        #expect(FileManager.default.contents(atPath: out + "/model.nimp") == previous)
        #expect(leftovers().isEmpty)
    }
}
