import Foundation
import NimpTestSupport
import Testing

/// Tasks on other engines: a real Slurm cluster (.ci/slurm starts a one-host one) and
/// GNU parallel. CI sets NIMP_REQUIRE_CLUSTER=1, so there a missing engine fails the
/// test instead of skipping it.
@Suite(.serialized)
final class ClusterTests {
    let scratch: TemporaryDirectory
    let dir: String

    init() throws {
        scratch = try TemporaryDirectory("cluster")
        dir = scratch.path
    }

    static let required = ProcessInfo.processInfo.environment["NIMP_REQUIRE_CLUSTER"] == "1"
    static func found(_ command: String) -> Bool {
        runProcess("/bin/sh", ["-c", "command -v \(command)"]).status == 0
    }
    static let slurmAnswers = found("sbatch") && runProcess("/bin/sh", ["-c", "sinfo -h -o %T"], timeout: 20).stdout.contains("idle")

    /// The example registry plus three more models: eight models, eight tasks a cycle.
    func registry(_ name: String) -> String {
        let reg = dir + "/" + name
        #expect(runNimp(["registry", "--registry", reg, "init", "--examples", "-q"]).status == 0)
        for (n, g) in ["dopamine", "cortisol", "growth"].enumerated() {
            let data = dir + "/\(name)-\(n).safetensors", model = dir + "/\(name)-\(n).nimp"
            #expect(runNimp(["gen-data", "--generator", "signal/\(g)", "--samples", "800", "--seed", "\(n + 7)", "-o", data, "-q"]).status == 0)
            #expect(runNimp(["train", "--data", data, "--hidden", "4", "--epochs", "1", "-o", model, "-q"]).status == 0)
            let add = runNimp(["registry", "--registry", reg, "add", "extra-\(n)", model, "--data", data, "--target", "r2=0.999", "-q"])
            #expect(add.status == 0, "\(add.stderr)")
        }
        #expect(runNimp(["registry", "config", "max_concurrent_tasks", "8", "--registry", reg]).status == 0)
        return reg
    }

    func history(_ reg: String) -> [[String: Any]] {
        jsonLines((try? String(contentsOfFile: reg + "/history.jsonl", encoding: .utf8)) ?? "")
    }

    func planDirectories(_ reg: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: reg + "/cycles")) ?? []).filter { !$0.hasPrefix(".") }
    }

    /// Waits until Slurm has none of `jobs` queued or running.
    func waitForSlurm(_ jobs: [String], timeout: TimeInterval = 240) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            let q = runProcess("/bin/sh", ["-c", "squeue -h -r -j \(jobs.joined(separator: ",")) -o %i 2>/dev/null"])
            if q.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return true }
            Thread.sleep(forTimeInterval: 1)
        }
        return false
    }

    @Test(.enabled(if: required || slurmAnswers, "no Slurm cluster answers here (start one with .ci/slurm/up)"))
    func aCycleOnSlurmRetriesACancelledTaskAndGates() throws {
        try #require(Self.slurmAnswers, "NIMP_REQUIRE_CLUSTER=1 but sinfo shows no idle node")
        let reg = registry("slurm")
        let submit = runNimp(["cycle", "--registry", reg, "--executor", "slurm", "--array-limit", "2", "--force"])
        #expect(submit.status == 0, "\(submit.stderr)")
        let s = jsonObject(submit.stdout)
        let array = try #require(s["array_job"] as? String), gate = try #require(s["gate_job"] as? String)
        #expect(s["tasks"] as? Int == 8, "\(submit.stdout)")
        // One element cancelled before it runs: the gate job sends it back to Slurm.
        #expect(runProcess("/bin/sh", ["-c", "scancel \(array)_7"]).status == 0)
        let inFlight = runNimp(["cycle", "--registry", reg, "--force"])
        #expect(inFlight.status == 75 && inFlight.stderr.contains("in flight on Slurm"), "\(inFlight.status) \(inFlight.stderr)")
        let status = runNimp(["cycle", "status", "--registry", reg, "--format", "json"])
        #expect(status.status == 0 && (jsonObject(status.stdout)["executor"] as? String) == "slurm", "\(status.stdout) \(status.stderr)")

        // The gate job resubmits and a second gate job gates; wait until the plan is gone.
        let end = Date().addingTimeInterval(300)
        while Date() < end, !planDirectories(reg).isEmpty { Thread.sleep(forTimeInterval: 1) }
        #expect(planDirectories(reg).isEmpty, "the gate did not finish: \(planDirectories(reg))")
        #expect(waitForSlurm([array, gate]))
        let tasks = history(reg).filter { $0["type"] as? String == "task" }
        #expect(tasks.count == 8, "\(tasks.count) task lines")
        #expect(tasks.allSatisfy { $0["executor"] as? String == "slurm" && $0["host"] is String && $0["cpu_seconds"] is Double })
        let retried = tasks.first { ($0["task_id"] as? String)?.contains("-08-") == true }
        #expect((retried?["job"] as? String)?.hasPrefix(array + "_") == false, "the cancelled task ran again in a new array: \(String(describing: retried?["job"]))")
        #expect(tasks.contains { $0["outcome"] as? String == "promoted" })
        let cycles = history(reg).filter { $0["type"] as? String == "cycle" }
        #expect(cycles.count == 1 && cycles.first?["tasks"] as? Int == 8)
        #expect(runNimp(["registry", "verify", "--registry", reg]).status == 0)
    }

    @Test(.enabled(if: required || slurmAnswers, "no Slurm cluster answers here (start one with .ci/slurm/up)"))
    func aKilledGateJobIsFinishedByTheNextGate() throws {
        try #require(Self.slurmAnswers, "NIMP_REQUIRE_CLUSTER=1 but sinfo shows no idle node")
        let reg = registry("killed-gate")
        let submit = runNimp(["cycle", "--registry", reg, "--executor", "slurm", "--force"])
        #expect(submit.status == 0, "\(submit.stderr)")
        let s = jsonObject(submit.stdout)
        let array = try #require(s["array_job"] as? String), gate = try #require(s["gate_job"] as? String)
        #expect(runProcess("/bin/sh", ["-c", "scancel \(gate)"]).status == 0)
        #expect(waitForSlurm([array]))
        #expect(planDirectories(reg).count == 1, "the plan waits for a gate")
        let status = runNimp(["cycle", "status", "--registry", reg, "--format", "json"])
        #expect((jsonObject(status.stdout)["counts"] as? [String: Int])?["done"] == 8, "\(status.stdout)")
        // The next gate finishes the work.
        let next = runNimp(["cycle", "gate", "--registry", reg])
        #expect(next.status == 0, "\(next.stderr)")
        #expect(jsonObject(next.stdout)["tasks"] as? Int == 8, "\(next.stdout)")
        #expect(planDirectories(reg).isEmpty)
        #expect(runNimp(["registry", "verify", "--registry", reg]).status == 0)
    }

    /// What a resubmission sends to Slurm (scripts, sbatch arguments) is code: a gate that
    /// would resubmit from a file others can write stops with 77 and submits nothing.
    @Test(.enabled(if: required || slurmAnswers, "no Slurm cluster answers here (start one with .ci/slurm/up)"))
    func aResubmissionFromAFileOthersCanWriteIsRefused() throws {
        try #require(Self.slurmAnswers, "NIMP_REQUIRE_CLUSTER=1 but sinfo shows no idle node")
        let reg = dir + "/trust"
        #expect(runNimp(["registry", "--registry", reg, "init", "--examples", "-q"]).status == 0)
        // Held, so that nothing runs: every task is left without a result once the array goes.
        let submit = runNimp(["cycle", "--registry", reg, "--executor", "slurm", "--sbatch-arg=--hold", "--force"])
        #expect(submit.status == 0, "\(submit.stderr)")
        let s = jsonObject(submit.stdout)
        let array = try #require(s["array_job"] as? String), gate = try #require(s["gate_job"] as? String)
        defer { _ = runProcess("/bin/sh", ["-c", "scancel \(array) \(gate)"]) }
        #expect(runProcess("/bin/sh", ["-c", "scancel \(array)"]).status == 0)
        #expect(waitForSlurm([array]))
        let plan = reg + "/cycles/" + (try #require(planDirectories(reg).first))
        let script = plan + "/slurm/task.sh"
        #expect(chmod(script, 0o757) == 0)
        let refused = runNimp(["cycle", "gate", plan, "--resubmit", "--registry", reg])
        #expect(refused.status == 77, "\(refused.status) \(refused.stderr)")
        #expect(refused.stderr.contains(script) && refused.stderr.contains("chmod go-w"), "\(refused.stderr)")
        let submission = jsonObject((try? String(contentsOfFile: plan + "/slurm/submission.json", encoding: .utf8)) ?? "")
        #expect((submission["arrays"] as? [Any])?.count == 1, "nothing was resubmitted: \(submission)")
    }

    @Test func sbatchMissingOrFailingIsExit69AndLeavesNothingInFlight() throws {
        let reg = dir + "/nosbatch"
        #expect(runNimp(["registry", "--registry", reg, "init", "--examples", "-q"]).status == 0)
        let bin = dir + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        // No sbatch on PATH.
        let missing = runNimp(["cycle", "--registry", reg, "--executor", "slurm", "--force"], env: ["PATH": bin])
        #expect(missing.status == 69 && missing.stderr.contains("sbatch: not found on PATH"), "\(missing.status) \(missing.stderr)")
        #expect(planDirectories(reg).isEmpty)
        // An sbatch that refuses, as Slurm does for an unknown partition.
        let fake = bin + "/sbatch"
        try "#!/bin/sh\necho 'sbatch: error: invalid partition specified: gpu' >&2\nexit 1\n".write(toFile: fake, atomically: true, encoding: .utf8)
        chmod(fake, 0o755)
        let failing = runNimp(["cycle", "--registry", reg, "--executor", "slurm", "--partition", "gpu", "--force"], env: ["PATH": bin + ":/usr/bin:/bin"])
        #expect(failing.status == 69 && failing.stderr.contains("invalid partition specified: gpu"), "\(failing.status) \(failing.stderr)")
        #expect(planDirectories(reg).isEmpty, "nothing is left recorded as in flight")
        #expect(history(reg).filter { $0["type"] as? String == "cycle" }.isEmpty)
        // The next cycle runs as if nothing happened.
        #expect(runNimp(["cycle", "--registry", reg, "--force", "-q"]).status == 0)
    }

    @Test(.enabled(if: required || found("parallel"), "GNU parallel is not installed (apt-get install parallel)"))
    func gnuParallelRunsAPlan() throws {
        try #require(Self.found("parallel"), "NIMP_REQUIRE_CLUSTER=1 but GNU parallel is missing")
        let reg = registry("parallel")
        let plan = dir + "/parallel-plan"
        #expect(runNimp(["cycle", "plan", "--registry", reg, "-o", plan, "--force"]).status == 0)
        let nimp = nimpBinary.path
        // The README's command line, with --joblog to show each task's exit status.
        let run = runProcess("/bin/sh", ["-c", "parallel -j 2 --joblog '\(dir)/joblog' '\(nimp)' task run ::: '\(plan)'/tasks/*.json"])
        #expect(run.status == 0, "\(run.stderr)")
        let log = try String(contentsOfFile: dir + "/joblog", encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(log.count == 8 && log.allSatisfy { $0.split(separator: "\t")[6] == "0" }, "\(log)")
        let gate = runNimp(["cycle", "gate", "--registry", reg, plan])
        #expect(gate.status == 0 && jsonObject(gate.stdout)["tasks"] as? Int == 8, "\(gate.stdout) \(gate.stderr)")
        #expect(runNimp(["registry", "verify", "--registry", reg]).status == 0)
    }
}
