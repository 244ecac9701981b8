import Foundation
import NimpTestSupport
import Testing

/// A teacher command is code: nimp runs it only from a model.json that nobody but the
/// user running nimp could have written (README, "The teacher command: trust").
@Suite(.serialized) struct CommandTrustTests {
    let f: RegistryFixture

    init() throws {
        f = try RegistryFixture()
    }

    /// The mean of the inputs, one JSON array per line.
    static let teacher = #"awk '{ gsub(/[][]/, ""); n = split($0, v, ","); s = 0; for (i = 1; i <= n; i++) s += v[i]; print "[" s / n "]" }'"#

    /// A registry with model `t` whose data comes from the teacher command, its champion
    /// trained on what the command labels (so cycle tasks can train it further).
    func teacherRegistry() -> String {
        let data = f.dir + "/taught.safetensors", model = f.dir + "/taught.nimp"
        #expect(runNimp(["gen-data", "--teacher-command", Self.teacher, "--features", "10", "--samples", "200", "-o", data, "-q"]).status == 0)
        #expect(runNimp(["train", "--data", data, "--epochs", "1", "-o", model, "-q"]).status == 0)
        let reg = f.makeRegistry("reg", models: [])
        f.ok(reg, ["add", "t", model, "--teacher-command", Self.teacher, "--features", "10", "--samples", "200", "--target", "r2=0.999", "-q"])
        return reg
    }

    func expectRefused(_ r: ProcessResult, naming path: String, fix: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == 77, "\(r.status): \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.contains(path + ":"), "names \(path): \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.contains(fix), "says \(fix): \(r.stderr)", sourceLocation: sourceLocation)
    }

    @Test(.enabled(if: geteuid() == 0, "chown to another user needs root"))
    func refreshRunsTheCommandOnlyFromAFileNobodyElseCanWrite() throws {
        let reg = teacherRegistry()
        let spec = reg + "/models/t/model.json"
        for mode in ["g+w", "o+w"] {
            #expect(chmod(spec, 0o644) == 0)
            #expect(runProcess("/bin/chmod", [mode, spec]).status == 0)
            expectRefused(f.registry(reg, ["refresh", "t"]), naming: spec, fix: "chmod go-w \(spec)")
            let verify = f.registry(reg, ["verify"])
            #expect(verify.status == 65 && verify.stdout.contains(spec) && verify.stdout.contains("chmod go-w"), "\(verify.stdout)")
        }
        #expect(chmod(spec, 0o644) == 0)
        // A directory on the way down from the registry root counts too.
        #expect(chmod(reg + "/models", 0o777) == 0)
        expectRefused(f.registry(reg, ["refresh", "t"]), naming: reg + "/models", fix: "chmod go-w \(reg)/models")
        #expect(chmod(reg + "/models", 0o755) == 0)
        // Another owner: the tests run as root, so `nobody` can own it.
        #expect(chown(spec, 65534, 65534) == 0)
        expectRefused(f.registry(reg, ["refresh", "t"]), naming: spec, fix: "chown")
        #expect(f.registry(reg, ["verify"]).status == 65)
        #expect(chown(spec, geteuid(), getegid()) == 0)
        #expect(f.registry(reg, ["verify"]).status == 0)
        let fresh = f.registry(reg, ["refresh", "t"])
        #expect(fresh.status == 0, "\(fresh.stderr)")
    }

    /// The cycle runs the command when an eval set is due to be regenerated: it stops with
    /// 77 rather than run it from a file others could write, and runs it once that is fixed.
    @Test(.enabled(if: geteuid() == 0, "chown to another user needs root"))
    func theCycleRefusesAnUntrustedTeacherCommand() throws {
        let reg = teacherRegistry()
        let spec = reg + "/models/t/model.json"
        f.ok(reg, ["config", "gate_refresh_decisions", "1"])
        let first = runNimp(["cycle", "--registry", reg, "--force", "--budget-seconds", "20", "-q"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(jsonObject(first.stdout)["tasks"] as? Int == 1, "one gate decision on the eval set: \(first.stdout)")

        #expect(chmod(spec, 0o664) == 0)
        expectRefused(runNimp(["cycle", "--registry", reg, "--force", "--budget-seconds", "20", "-q"]), naming: spec, fix: "chmod go-w \(spec)")
        #expect(chmod(spec, 0o644) == 0)
        #expect(chown(spec, 65534, 65534) == 0)
        expectRefused(runNimp(["cycle", "--registry", reg, "--force", "--budget-seconds", "20", "-q"]), naming: spec, fix: "chown root \(spec)")
        #expect(chown(spec, 0, 0) == 0)

        let ran = runNimp(["cycle", "--registry", reg, "--force", "--budget-seconds", "20", "-q"])
        #expect(ran.status == 0, "\(ran.stderr)")
        #expect(jsonObject(ran.stdout)["eval_refreshed"] as? [String] == ["t"], "\(ran.stdout)")
    }

    /// A teacher command knows columns by position: the eval set it regenerates keeps the
    /// names of the table the model was trained on (it took `x0…`/`y0` and was refused).
    @Test func aRegeneratedEvalSetKeepsTheNamesOfTheColumnsItReplaces() throws {
        let all = f.dir + "/named.csv", train = f.dir + "/named-train.csv", eval = f.dir + "/named-eval.csv", model = f.dir + "/named.nimp"
        #expect(runNimp(["gen-data", "--teacher-command", Self.teacher, "--features", "3", "--samples", "300", "-o", all, "-q"]).status == 0)
        var lines = try String(contentsOfFile: all, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines[0] == "x0,x1,x2,y0")
        lines[0] = "a,b,c,mean"
        try (lines.prefix(201).joined(separator: "\n") + "\n").write(toFile: train, atomically: true, encoding: .utf8)
        try ([lines[0]] + lines.suffix(100)).joined(separator: "\n").appending("\n").write(toFile: eval, atomically: true, encoding: .utf8)
        #expect(runNimp(["train", "--data", train, "--target", "mean", "--epochs", "1", "-o", model, "-q"]).status == 0)
        let reg = f.makeRegistry("named", models: [])
        f.ok(reg, ["add", "t", model, "--data", train, "--eval", eval, "--teacher-command", Self.teacher, "--features", "3", "-q"])
        let refreshed = f.registry(reg, ["refresh", "t"])
        #expect(refreshed.status == 0, "\(refreshed.stderr)")
        let cycle = runNimp(["cycle", "--registry", reg, "--force", "--budget-seconds", "20", "-q"])
        #expect(cycle.status == 0, "\(cycle.stderr)")
        #expect(f.registry(reg, ["verify"]).status == 0)
    }
}
