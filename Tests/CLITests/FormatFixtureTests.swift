import Foundation
import NimpTestSupport
import Testing

/// A registry and a plan directory written by an earlier release (fixtures/registry) still
/// read, verify, gate and cycle: format changes bump `format_version` and keep these working.
/// The registry predates history segments and state/history.json.
@Suite struct FormatFixtureTests {
    @Test func aCommittedRegistryAndPlanStillWork() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("fixtures/registry").path
        let scratch = try TemporaryDirectory("format")
        defer { withExtendedLifetime(scratch) {} }
        let dir = scratch.path
        try copyDirectory(fixtures + "/registry", dir + "/registry")
        try copyDirectory(fixtures + "/plan", dir + "/plan")
        let reg = dir + "/registry"
        #expect(runNimp(["registry", "verify", "--registry", reg]).status == 0)
        let list = jsonLines(runNimp(["registry", "list", "--registry", reg, "--format", "json"]).stdout)
        #expect(list.map { $0["id"] as? String } == ["growth"])
        // The plan's task names a registry path of the machine that made it: the gate reads
        // the registry it is given, and the task file beside its result.
        let gate = runNimp(["cycle", "gate", "--registry", reg, dir + "/plan"])
        #expect(gate.status == 0, "\(gate.stderr)")
        #expect(jsonObject(gate.stdout)["tasks"] as? Int == 1, "\(gate.stdout)")
        let cycle = runNimp(["cycle", "--registry", reg, "--force", "-q"])
        #expect(cycle.status == 0, "\(cycle.stderr)")
        #expect(runNimp(["registry", "verify", "--registry", reg]).status == 0)
        // Its history has no summary and one segment (history.jsonl, moved aside at the
        // first write of a later month): the cycle built the summary, and history still
        // begins with the fixture's lines.
        #expect(FileManager.default.fileExists(atPath: reg + "/state/history.json"))
        let history = jsonLines(runNimp(["registry", "history", "--registry", reg, "--format", "json"]).stdout)
        #expect(history.prefix(2).map { $0["type"] as? String } == ["init", "add"])
        #expect(history.filter { $0["type"] as? String == "cycle" }.count == 2, "the gate's and the cycle's")
    }
}
