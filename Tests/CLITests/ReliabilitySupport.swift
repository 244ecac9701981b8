import Foundation
import NimpIO
import NimpTestSupport
import Testing

/// Shared by the fault, disk-full, concurrency and hostile-input tests (issue 7). The
/// registry helpers of RegistryCLISupport.swift (`snapshot`, `temporaries`,
/// `failpointSteps`, `copyDirectory`, `jsonLines`) are used as they are.
enum Reliability {
    /// `NIMP_EXHAUSTIVE=1`: every step and every pair of steps instead of a sample
    /// (scripts/reliability runs it; CI runs the sample).
    static let exhaustive = ProcessInfo.processInfo.environment["NIMP_EXHAUSTIVE"] == "1"

    /// A deterministic sample of `steps`: every `stride`th one plus those named in
    /// `always`; everything when exhaustive.
    static func sample(_ steps: [String], stride: Int, always: Set<String> = []) -> [String] {
        if exhaustive || stride <= 1 { return steps }
        return steps.enumerated().filter { $0.offset % stride == 0 || always.contains($0.element) || $0.offset == steps.count - 1 }.map(\.element)
    }

    /// Appends one figure to `$NIMP_RELIABILITY_REPORT` (JSON lines that
    /// scripts/reliability sums up) and prints it.
    static func report(_ fields: [String: Any]) {
        var fields = fields
        fields["exhaustive"] = exhaustive
        let data = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])) ?? Data()
        let line = String(decoding: data, as: UTF8.self)
        print("reliability: \(line)")
        guard let path = ProcessInfo.processInfo.environment["NIMP_RELIABILITY_REPORT"], !path.isEmpty else { return }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    /// `NIMP_FAILPOINT` for `step` (`name@N`, as `failpointSteps` lists them) and `action`.
    static func failpoint(_ step: String, _ action: String) -> String {
        let parts = step.split(separator: "@")
        return "\(parts[0]):\(action)@\(parts[1])"
    }
}

/// Records each failed check as a test issue and counts them, so a loop over fault
/// steps can report how many steps passed.
final class Failures: @unchecked Sendable {
    private(set) var count = 0

    func expect(_ condition: Bool, _ message: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard !condition else { return }
        count += 1
        Issue.record(Comment(rawValue: message()), sourceLocation: sourceLocation)
    }

    func fail(_ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        expect(false, message, sourceLocation: sourceLocation)
    }
}

/// What a registry must look like after any fault, and after the command that follows.
///
/// Taken before the fault: each model's champion and the bytes of its archive, and the
/// history and champion logs (append-only, so they must stay a prefix of what follows).
struct RegistryState {
    let root: String
    var champions: [String: (version: Int, archive: Data)] = [:]
    var appendOnly: [String: Data] = [:]

    init(_ root: String) {
        self.root = root
        let models = (try? FileManager.default.contentsOfDirectory(atPath: root + "/models")) ?? []
        for id in models where !id.hasPrefix(".") {
            if let version = Self.champion(root, id), let data = FileManager.default.contents(atPath: Self.archive(root, id, version)) {
                champions[id] = (version, data)
            }
            appendOnly["models/\(id)/champion.log"] = FileManager.default.contents(atPath: root + "/models/\(id)/champion.log") ?? Data()
        }
        appendOnly["history.jsonl"] = historyData(root)
    }

    /// The changes of champion.log written since this state was taken that took effect
    /// (the next entry starts from their version, or the pointer is at it).
    func committedChanges(_ reg: String, _ id: String) -> [(to: Int, time: String)] {
        let relative = "models/\(id)/champion.log"
        let data = FileManager.default.contents(atPath: reg + "/" + relative) ?? Data()
        let old = appendOnly[relative]?.count ?? 0
        let lines = data.split(separator: 0x0A).map { Data($0) }
        let changes = lines.compactMap { (try? JSONSerialization.jsonObject(with: $0)) as? [String: Any] }
        let skip = data.prefix(old).split(separator: 0x0A).count
        let pointer = Self.champion(reg, id)
        var result: [(Int, String)] = []
        for (i, change) in changes.enumerated() where i >= skip {
            guard let to = change["to"] as? Int, let time = change["time"] as? String else { continue }
            let committed = i + 1 < changes.count ? changes[i + 1]["from"] as? Int == to : pointer == to
            if committed { result.append((to, time)) }
        }
        return result
    }

    /// Whether history has a promote, rollback or add line of `id` for `change` (at or after its time).
    func historyRecords(_ text: String, _ change: (to: Int, time: String), of id: String) -> Bool {
        text.split(separator: "\n").contains { line in
            guard let o = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
                  o["model"] as? String == id, let time = o["time"] as? String else { return false }
            return time >= change.time && (o["to"] as? Int == change.to || o["champion"] as? Int == change.to)
        }
    }

    static func champion(_ root: String, _ id: String) -> Int? {
        guard let text = try? String(contentsOfFile: root + "/models/\(id)/champion", encoding: .utf8) else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines).dropFirst())
    }

    static func archive(_ root: String, _ id: String, _ version: Int) -> String {
        root + "/models/\(id)/versions/" + String(format: "v%04d.nimp", version)
    }

    /// The checks of issue 7 on the registry at `reg` (a copy of this state's registry
    /// after a fault). `afterNextCommand`: the registry was written again since the
    /// fault, so no temporaries may remain and no history line may be torn.
    func check(_ reg: String, _ label: String, afterNextCommand: Bool, _ f: Failures = Failures(), sourceLocation: SourceLocation = #_sourceLocation) {
        // 1. verify is clean (warnings about a killed writer's leftovers are allowed).
        let verify = runNimp(["registry", "verify", "--registry", reg])
        f.expect(verify.status == 0, "\(label): verify → \(verify.status)\n\(verify.stdout)\(verify.stderr)", sourceLocation: sourceLocation)
        // 2. The previous champion is intact and loadable; the current one too, and a
        //    change of champion (a promotion or a rollback) was recorded.
        let history = historyData(reg)
        let historyText = String(decoding: history, as: UTF8.self)
        for (id, before) in champions {
            let old = Self.archive(reg, id, before.version)
            f.expect(FileManager.default.contents(atPath: old) == before.archive, "\(label): \(id)'s previous champion v\(before.version) changed", sourceLocation: sourceLocation)
            f.expect((try? ModelArchive.read(path: old)) != nil, "\(label): \(id)'s previous champion does not load", sourceLocation: sourceLocation)
            guard let now = Self.champion(reg, id) else {
                f.fail("\(label): \(id) lost its champion", sourceLocation: sourceLocation)
                continue
            }
            f.expect((try? ModelArchive.read(path: Self.archive(reg, id, now))) != nil, "\(label): \(id)'s champion v\(now) does not load", sourceLocation: sourceLocation)
            if now != before.version {
                // champion.log is written before the pointer; history.jsonl after it, so a
                // kill between the two leaves the change in champion.log only.
                let log = (try? String(contentsOfFile: reg + "/models/\(id)/champion.log", encoding: .utf8)) ?? ""
                f.expect(log.contains("\"to\":\(now)}") || historyText.contains("\"to\":\(now)"),
                         "\(label): \(id) is at v\(now) and neither champion.log nor history says why", sourceLocation: sourceLocation)
            }
        }
        // 3. History and champion logs only grew, every complete line is JSON, and only the
        //    last line can be torn (never after the next command, which repairs it).
        for (relative, before) in appendOnly {
            let now = relative == "history.jsonl" ? history : FileManager.default.contents(atPath: reg + "/" + relative) ?? Data()
            f.expect(now.starts(with: before), "\(label): \(relative) lost or changed lines", sourceLocation: sourceLocation)
            var lines = now.split(separator: 0x0A, omittingEmptySubsequences: false)
            let torn = lines.last.map { !$0.isEmpty } ?? false
            if !lines.isEmpty { lines.removeLast() }
            f.expect(!(torn && afterNextCommand), "\(label): \(relative) ends with a torn line after the next command", sourceLocation: sourceLocation)
            for (i, line) in lines.enumerated() where (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] == nil {
                f.fail("\(label): \(relative) line \(i + 1) is not a JSON object: \(String(decoding: line, as: UTF8.self))", sourceLocation: sourceLocation)
            }
        }
        // 4. No temporaries once another writer has run, and every champion change that
        //    took effect has its history line (the next writer recovers a lost one).
        if afterNextCommand {
            f.expect(temporaries(reg).isEmpty, "\(label): left \(temporaries(reg))", sourceLocation: sourceLocation)
            for (id, _) in champions {
                for change in committedChanges(reg, id) where !historyRecords(historyText, change, of: id) {
                    f.fail("\(label): \(id)'s change to v\(change.to) at \(change.time) has no history line", sourceLocation: sourceLocation)
                }
            }
        }
    }
}

/// A small registry on which one `nimp cycle` reaches every kind of write of the cycle
/// in about a third of a second: model `m` (a weak champion whose genome trains to a
/// promotion), model `d` (a genome with learning rate 1e6, whose training diverges and
/// is recorded as failed) whose version index is missing (the cycle rebuilds it and
/// records held-out metrics), separate data for each.
enum CycleTemplate {
    nonisolated(unsafe) static var templateDirectory: TemporaryDirectory?

    /// Built once per test process (removed at exit); tests copy it.
    static let path: String = {
        do {
            return try build()
        } catch {
            Issue.record("cannot build the cycle template: \(error)")
            return "/nonexistent"
        }
    }()

    static func build() throws -> String {
        let scratch = try TemporaryDirectory("cycle-template")
        let dir = scratch.path
        templateDirectory = scratch
        atexit { CycleTemplate.templateDirectory = nil }
        func ok(_ args: [String]) throws {
            let r = runNimp(args)
            guard r.status == 0 else { throw NimpTestError("nimp \(args.joined(separator: " ")) → \(r.status): \(r.stderr)") }
        }
        for (name, samples, seed) in [("train", 400, 1), ("eval", 200, 2), ("train2", 300, 3), ("eval2", 150, 4)] {
            try ok(["gen-data", "--generator", name.hasSuffix("2") ? "signal/cortisol" : "signal/dopamine", "--samples", String(samples),
                    "--seed", String(seed), "-o", "\(dir)/\(name).safetensors", "-q"])
        }
        try ok(["train", "--data", dir + "/train.safetensors", "--hidden", "4", "--epochs", "1", "-o", dir + "/weak.nimp", "-q", "--metrics", "/dev/null"])
        try ok(["train", "--data", dir + "/train2.safetensors", "--hidden", "4", "--epochs", "1", "-o", dir + "/weak2.nimp", "-q", "--metrics", "/dev/null"])
        let reg = dir + "/reg"
        try ok(["registry", "--registry", reg, "init", "-q"])
        try ok(["registry", "--registry", reg, "add", "m", dir + "/weak.nimp", "--data", dir + "/train.safetensors",
                "--eval", dir + "/eval.safetensors", "--target", "r2=0.99", "-q"])
        try ok(["registry", "--registry", reg, "add", "d", dir + "/weak2.nimp", "--data", dir + "/train2.safetensors",
                "--eval", dir + "/eval2.safetensors", "--target", "r2=0.99", "-q"])
        try setGenome(reg, "m", ["epochs": 20, "learning_rate": 0.01, "hidden": [8]])
        try setGenome(reg, "d", ["epochs": 3, "learning_rate": 1e6, "hidden": [8]])
        try FileManager.default.removeItem(atPath: reg + "/models/d/versions/index.jsonl")
        return reg
    }

    /// Edits model.json's genome the way a person would (jq or an editor).
    static func setGenome(_ reg: String, _ id: String, _ genome: [String: Any]) throws {
        let path = reg + "/models/\(id)/model.json"
        var spec = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any] ?? [:]
        var g = spec["genome"] as? [String: Any] ?? [:]
        for (k, v) in genome { g[k] = v }
        spec["genome"] = g
        try JSONSerialization.data(withJSONObject: spec, options: [.sortedKeys, .prettyPrinted]).write(to: URL(fileURLWithPath: path))
    }
}

struct NimpTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
