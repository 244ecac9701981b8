import Foundation
import NimpTestSupport
import Testing

/// Ctrl-C and SIGTERM keep the work; outputs are checked before any work.
@Suite(.serialized) final class InterruptTests {
    let scratch: TemporaryDirectory
    let dir: URL
    let data: String

    init() throws {
        scratch = try TemporaryDirectory("interrupt")
        dir = scratch.url
        data = dir.appendingPathComponent("d.safetensors").path
        try OperatorCLI.expectOK(["gen-data", "--generator", "signal/dopamine", "--samples", "20000", "-o", data])
    }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// Starts `nimp args`, waits for its first stdout line (an epoch or generation), sends
    /// `signals` 50 ms apart, and returns the exit status and stderr.
    func interrupt(_ args: [String], signals: [Int32]) throws -> (status: Int32, stderr: String) {
        let p = Process()
        p.executableURL = nimpBinary
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        var seen = Data()
        while !seen.contains(0x0A) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += chunk
        }
        for s in signals {
            kill(p.processIdentifier, s)
            usleep(50_000)
        }
        _ = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let status = p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus
        return (status, stderr)
    }

    func manifest(_ archive: String) throws -> [String: Any] {
        let r = runProcess("/usr/bin/tar", ["-xOf", archive, "manifest.json"])
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    @Test func sigintDuringTrainWritesTheBestModelSoFar() throws {
        let out = path("int.nimp")
        let r = try interrupt(["train", "--data", data, "--epochs", "500", "-o", out], signals: [SIGINT])
        #expect(r.status == 130, "\(r.stderr)")
        #expect(r.stderr.contains("wrote the best model so far to \(out)"))
        let m = try manifest(out)
        #expect(m["interrupted_at"] is String)
        #expect(((m["metrics"] as? [String: Any])?["epochs"] as? Double ?? 500) < 500)
        #expect(runNimp(["evaluate", out, "--data", data, "--latency-samples", "10"]).status == 0)
    }

    @Test func sigtermDuringEvolveAndDistillExits143WithAModel() throws {
        let teacher = path("teacher.nimp")
        try OperatorCLI.expectOK(["train", "--data", data, "--epochs", "1", "--hidden", "8", "-o", teacher, "-q"])
        let runs: [(String, [String])] = [
            ("evolve.nimp", ["evolve", "--data", data, "--validation-split", "0.2", "--population", "2", "--generations", "200",
                             "--epochs", "1", "--latency-samples", "10"]),
            ("distill.nimp", ["distill", "--teacher", teacher, "--data", data, "--hidden", "4", "--epochs", "2000",
                              "--latency-samples", "10", "-v"]),
        ]
        for (name, args) in runs {
            let out = path(name)
            // distill prints its JSON line at the end: wait for its first progress message instead.
            let r = name.hasPrefix("distill")
                ? try interruptAfter(seconds: 2, args + ["-o", out], signal: SIGTERM)
                : try interrupt(args + ["-o", out], signals: [SIGTERM])
            #expect(r.status == 143, "\(name): \(r.stderr)")
            #expect(try manifest(out)["interrupted_at"] is String, "\(name)")
        }
    }

    func interruptAfter(seconds: Double, _ args: [String], signal: Int32) throws -> (status: Int32, stderr: String) {
        let p = Process()
        p.executableURL = nimpBinary
        p.arguments = args
        let err = Pipe()
        p.standardOutput = FileHandle.nullDevice
        p.standardError = err
        try p.run()
        usleep(UInt32(seconds * 1_000_000))
        kill(p.processIdentifier, signal)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, stderr)
    }

    @Test func aSecondSignalExitsAtOnceLeavingNothingHalfWritten() throws {
        let out = path("twice.nimp")
        let r = try interrupt(["train", "--data", data, "--epochs", "500", "-o", out], signals: [SIGINT, SIGINT])
        #expect(r.status == 130)
        // Either no archive, or a whole one: never a torn file.
        if FileManager.default.fileExists(atPath: out) {
            #expect(runNimp(["evaluate", out, "--data", data, "--latency-samples", "10"]).status == 0)
        }
    }

    @Test func outputPathsAreCheckedBeforeAnyWork() throws {
        for (args, place) in [
            (["train", "--data", data, "--epochs", "500", "-o", path("missing-dir/m.nimp")], "missing-dir"),
            (["train", "--data", data, "--epochs", "500", "-o", dir.path], dir.path),
            (["train", "--data", data, "--epochs", "500", "-o", path("m.nimp"), "--plot", path("nowhere/c.svg")], "nowhere"),
            (["evolve", "--data", data, "--validation-split", "0.2", "-o", path("nowhere/e.nimp")], "nowhere"),
            (["predict", path("m.nimp"), "--data", data, "-o", path("nowhere/p.jsonl")], "nowhere"),
        ] {
            let start = Date()
            let r = runNimp(args)
            #expect(r.status == 73, "\(args): \(r.stderr)")
            #expect(r.stderr.contains(place))
            #expect(r.stdout.isEmpty, "no epoch ran before the check")
            _ = start
        }
    }
}

/// The small things a user with their own data meets.
@Suite(.serialized) final class OwnDataDetailTests {
    let scratch: TemporaryDirectory
    let dir: URL

    init() throws {
        scratch = try TemporaryDirectory("own-details")
        dir = scratch.url
    }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    @Test func predictStreamsStdinAndEndsQuietlyOnAClosedPipe() throws {
        let data = path("d.csv")
        try OperatorCLI.expectOK(["gen-data", "--generator", "signal/growth", "--samples", "3000", "--format", "csv", "-o", data])
        let model = path("m.nimp")
        try OperatorCLI.expectOK(["train", "--data", data, "--target", "growth", "--epochs", "2", "-o", model, "-q"])
        let piped = runProcess("/bin/bash", ["-c", "cat '\(data)' | '\(nimpBinary.path)' predict '\(model)' --keep stress_level"])
        #expect(piped.status == 0, "\(piped.stderr)")
        let lines = piped.stdout.split(separator: "\n")
        #expect(lines.count == 3000)
        #expect(lines.first?.hasPrefix("{\"stress_level\":") == true)
        #expect(lines.first?.contains("\"growth\":") == true)
        let head = runProcess("/bin/bash", ["-o", "pipefail", "-c", "'\(nimpBinary.path)' predict '\(model)' --data '\(data)' | head -n 2"])
        #expect(head.status == 0, "\(head.stderr)")
        #expect(head.stderr.isEmpty, "\(head.stderr)")
        #expect(head.stdout.split(separator: "\n").count == 2)
    }

    @Test func targetsAsACommaListAndAHintForIntegerTargets() throws {
        var rows = ["a,b,y1,y2,grade"]
        for i in 0..<60 { rows.append("\(i % 7),\(i % 5),\(Double(i) / 10),\(Double(i % 9) / 3),\(i % 3)") }
        let data = path("t.csv")
        try (rows.joined(separator: "\n") + "\n").write(toFile: data, atomically: true, encoding: .utf8)
        let two = runNimp(["train", "--data", data, "--target", "y1,y2", "--exclude", "grade", "--epochs", "1", "-o", path("two.nimp")])
        #expect(two.status == 0, "\(two.stderr)")
        let grade = runNimp(["train", "--data", data, "--target", "grade", "--epochs", "1", "-o", path("grade.nimp")])
        #expect(grade.stderr.contains("--task classification"), "\(grade.stderr)")
    }

    @Test func largeSeedsStayExactForJq() throws {
        let data = path("d.safetensors")
        try OperatorCLI.expectOK(["gen-data", "--generator", "signal/growth", "--samples", "200", "-o", data])
        try OperatorCLI.expectOK(["train", "--data", data, "--epochs", "1", "--seed", "11333718184073892780", "-o", path("s.nimp"), "-q"])
        let r = runProcess("/usr/bin/tar", ["-xOf", path("s.nimp"), "manifest.json"])
        #expect(r.stdout.contains("\"seed\" : \"11333718184073892780\""), "\(r.stdout)")
    }

    @Test func promoteTakesIdAtVersion() throws {
        let registry = path("reg")
        try OperatorCLI.expectOK(["registry", "init", "--examples", "--registry", registry, "-q"])
        let export = path("v1.nimp")
        try OperatorCLI.expectOK(["registry", "export", "growth@1", "-o", export, "--registry", registry])
        try OperatorCLI.expectOK(["registry", "add", "growth", export, "--registry", registry, "-q"])
        let r = runNimp(["registry", "promote", "growth@2", "--registry", registry])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\"to\":2"))
    }

    /// A 0-row safetensors file is well formed; every command that learns or measures on
    /// it is exit 65 (it crashed with --validation-split, and evaluate reported metrics of
    /// nothing), and predict writes nothing.
    @Test func zeroRowSafetensorsIsRefusedNotCrashed() throws {
        let header = #"{"x":{"dtype":"F32","shape":[0,10],"data_offsets":[0,0]},"y":{"dtype":"F32","shape":[0,1],"data_offsets":[0,0]}}"#
        var bytes = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: Array(header.utf8))
        let zero = path("zero.safetensors")
        try bytes.write(to: URL(fileURLWithPath: zero))
        let data = path("d.safetensors"), model = path("m.nimp")
        try OperatorCLI.expectOK(["gen-data", "--generator", "signal/growth", "--samples", "200", "-o", data])
        try OperatorCLI.expectOK(["train", "--data", data, "--epochs", "1", "-o", model, "-q"])
        for args in [["train", "--data", zero, "--validation-split", "0.2", "-o", path("z.nimp")],
                     ["evaluate", model, "--data", zero],
                     ["optimize", model, "--prune-neurons", "0.5", "--data", zero, "-o", path("z.nimp")],
                     ["evolve", "--data", zero, "--validation-split", "0.2", "-o", path("z.nimp")],
                     ["distill", "--teacher", model, "--data", zero, "-o", path("z.nimp")],
                     ["gen-data", "--teacher", model, "--like", zero]] {
            let r = runNimp(args)
            #expect(r.status == 65, "\(args.joined(separator: " ")): exit \(r.status) \(r.stderr)")
            #expect(r.stderr.contains("zero.safetensors"))
        }
        let p = runNimp(["predict", model, "--data", zero])
        #expect(p.status == 0 && p.stdout.isEmpty)
    }
}
