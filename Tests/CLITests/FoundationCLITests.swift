import Foundation
import NimpIO
import NimpTestSupport
import Testing

/// gen-data, train and evaluate as a user runs them: real files, exit statuses,
/// JSON lines on stdout, messages that name the place.
@Suite(.serialized)
final class FoundationCLITests {
    let scratch: TemporaryDirectory
    let dir: String
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    init() throws {
        scratch = try TemporaryDirectory("cli")
        dir = scratch.path
    }

    func path(_ name: String) -> String { dir + "/" + name }

    func ok(_ args: [String], stdin: Data? = nil, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let r = runNimp(args, stdin: stdin)
        #expect(r.status == 0, "nimp \(args.joined(separator: " ")) → \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
        return r.stdout
    }

    func json(_ line: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
    }

    @Test func generateTrainEvaluate() throws {
        ok(["gen-data", "--generator", "signal/growth", "--samples", "1500", "--seed", "1", "-o", path("train.safetensors")])
        ok(["gen-data", "--generator", "growth", "--samples", "500", "--seed", "2", "-o", path("test.safetensors")])
        let curve = ok(["train", "--data", path("train.safetensors"), "--validation-split", "0.2", "--hidden", "16,16",
                        "--epochs", "4", "--seed", "3", "-o", path("m.nimp")])
        let epochs = curve.split(separator: "\n").map { json(String($0)) }
        #expect(epochs.count == 4)
        #expect(epochs.allSatisfy { $0["train_loss"] is Double && $0["validation_loss"] is Double })
        let report = json(ok(["evaluate", path("m.nimp"), "--data", path("test.safetensors"), "--latency-samples", "50"]))
        for key in ["task", "samples", "mse", "rmse", "mae", "r2", "latency_p50_us", "latency_p99_us", "throughput_per_s", "parameters", "bytes"] {
            #expect(report[key] != nil, "evaluate is missing \(key): \(report)")
        }
        #expect(report["samples"] as? Int == 500)
        #expect(report["parameters"] as? Int == 10 * 16 + 16 + 16 * 16 + 16 + 16 + 1)
        let size = try FileManager.default.attributesOfItem(atPath: path("m.nimp"))[.size] as? Int
        #expect(report["bytes"] as? Int == size)
        // The same seed reproduces the archive's weights bit for bit.
        ok(["train", "--data", path("train.safetensors"), "--validation-split", "0.2", "--hidden", "16,16",
            "--epochs", "4", "--seed", "3", "-o", path("again.nimp"), "--metrics", path("curve.jsonl")])
        let a = try ModelArchive.read(path: path("m.nimp")), b = try ModelArchive.read(path: path("again.nimp"))
        #expect(a.model == b.model)
        // --init continues the first model; the manifest says so.
        ok(["train", "--data", path("train.safetensors"), "--init", path("m.nimp"), "--epochs", "2", "-o", path("more.nimp"), "--metrics", "/dev/null"])
        let more = try ModelArchive.read(path: path("more.nimp"))
        #expect(more.manifest.lineage.operation == "continue")
        #expect(more.manifest.lineage.parentSha256 == a.sha256)
    }

    @Test func importCSVAndJSONLinesAndWriteToStdout() throws {
        let csv = ok(["gen-data", "--generator", "signal/cortisol", "--samples", "200", "--format", "csv"])
        #expect(csv.hasPrefix("stress_level,error_frequency,"))
        #expect(csv.split(separator: "\n").count == 201)
        try csv.write(toFile: path("c.csv"), atomically: true, encoding: .utf8)
        ok(["gen-data", "--input", path("c.csv"), "--target", "cortisol", "-o", path("c.safetensors")])
        let jsonl = ok(["gen-data", "--input", path("c.safetensors"), "--target", "cortisol", "--format", "jsonl"])
        #expect(jsonl.split(separator: "\n").count == 200)
        ok(["train", "--data", path("c.csv"), "--target", "cortisol", "--epochs", "2", "-o", path("c.nimp"), "--metrics", "/dev/null"])
        let r = json(ok(["evaluate", path("c.nimp"), "--data", path("c.csv"), "--target", "cortisol", "--latency-samples", "20"]))
        #expect(r["task"] as? String == "regression")
    }

    @Test func teachers() throws {
        ok(["gen-data", "--generator", "signal/dopamine", "--samples", "300", "-o", path("d.safetensors")])
        ok(["train", "--data", path("d.safetensors"), "--hidden", "8", "--epochs", "2", "-o", path("t.nimp"), "--metrics", "/dev/null"])
        ok(["gen-data", "--teacher", path("t.nimp"), "--like", path("d.safetensors"), "--samples", "100", "-o", path("l.safetensors")])
        let labelled = try DatasetIO.load(path: path("l.safetensors"))
        #expect(labelled.count == 100 && labelled.features == 10)
        let out = ok(["gen-data", "--teacher-command", "awk -F'[][,]' '{ printf \"[%g]\\n\", $2 + $3 }'", "--features", "2",
                      "--samples", "5", "--format", "csv"])
        #expect(out.split(separator: "\n").count == 6)
        let failing = runNimp(["gen-data", "--teacher-command", "echo 'no licence for the solver' >&2; exit 4", "--features", "2",
                               "--samples", "5", "-o", path("x.safetensors")])
        #expect(failing.status == 65)
        #expect(failing.stderr.contains("status 4") && failing.stderr.contains("no licence for the solver"), "\(failing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: path("x.safetensors")))
    }

    @Test func learningRateDropsAfterEachPlateau() throws {
        ok(["gen-data", "--generator", "signal/cortisol", "--samples", "300", "--seed", "4", "-o", path("c.safetensors")])
        let curve = ok(["train", "--data", path("c.safetensors"), "--validation-split", "0.2", "--hidden", "8", "--epochs", "400",
                        "--learning-rate", "0.03", "--patience", "2", "--learning-rate-drops", "2", "-o", path("drops.nimp")])
        let rates = curve.split(separator: "\n").compactMap { json(String($0))["learning_rate"] as? Double }
        #expect(Array(Set(rates)).sorted().map { ($0 / 0.03 * 16).rounded() } == [1, 4, 16], "\(Set(rates))")
        #expect(rates.count < 400, "stopped after the second drop's plateau")
        let r = runNimp(["train", "--data", path("c.safetensors"), "--learning-rate-drops", "2", "-o", path("x.nimp")])
        #expect(r.status == 64 && r.stderr.contains("--learning-rate-drops needs --patience"), "\(r.stderr)")
    }

    @Test func divergenceStopsTrainingAndWritesNothing() throws {
        ok(["gen-data", "--generator", "signal/serotonin", "--samples", "500", "-o", path("s.safetensors")])
        let r = runNimp(["train", "--data", path("s.safetensors"), "--learning-rate", "1e6", "--optimizer", "sgd", "--epochs", "5",
                         "-o", path("bad.nimp"), "--metrics", "/dev/null"])
        #expect(r.status == 65, "\(r.stderr)")
        #expect(r.stderr.contains("diverged"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: path("bad.nimp")))
    }

    @Test func badInputsGetTheirExitStatusAndPlace() throws {
        ok(["gen-data", "--generator", "signal/dopamine", "--samples", "100", "-o", path("d.safetensors")])
        let cases: [([String], Int32, String)] = [
            (["train", "--data", path("missing.safetensors"), "-o", path("x.nimp")], 66, "missing.safetensors"),
            (["train", "--data", root + "/fixtures/broken/csv_ragged.csv", "--target", "y", "-o", path("x.nimp")], 65, "csv_ragged.csv: line"),
            (["train", "--data", root + "/fixtures/broken/csv_inf_cell.csv", "--target", "y", "-o", path("x.nimp")], 65, "csv_inf_cell.csv: line"),
            (["evaluate", root + "/fixtures/archives/truncated-inside-entry.nimp", "--data", path("d.safetensors")], 65, "truncated-inside-entry.nimp"),
            (["evaluate", root + "/fixtures/archives/dotdot-name.nimp", "--data", path("d.safetensors")], 65, "dotdot-name.nimp"),
            (["evaluate", root + "/fixtures/archives/checksum-mismatch.nimp", "--data", path("d.safetensors")], 65, "sha256"),
            (["train", "--data", path("d.safetensors"), "--hidden", "64,x", "-o", path("x.nimp")], 64, "--hidden"),
            (["gen-data", "--generator", "signal/adrenaline", "-o", path("x.safetensors")], 64, "unknown generator"),
            (["train", "--data", path("d.safetensors"), "-o", "/nonexistent-dir/x.nimp", "--epochs", "1", "--metrics", "/dev/null"], 73, "/nonexistent-dir/x.nimp"),
        ]
        for (args, status, place) in cases {
            let r = runNimp(args)
            #expect(r.status == status, "nimp \(args.joined(separator: " ")) → \(r.status), expected \(status): \(r.stderr)")
            #expect(r.stderr.contains(place), "nimp \(args.joined(separator: " ")): message does not name \(place): \(r.stderr)")
        }
    }

    /// Foundation's `NSString.deletingLastPathComponent` crashes on a one-character relative
    /// path: every output a command checks before its work must take one.
    @Test func oneCharacterOutputPaths() throws {
        let r1 = runNimp(["gen-data", "--generator", "signal/dopamine", "--samples", "100", "-o", "d", "--format", "csv", "-q"], directory: URL(fileURLWithPath: dir))
        #expect(r1.status == 0, "\(r1.stderr)")
        let r2 = runNimp(["train", "--data", "d", "--target", "dopamine", "--epochs", "2", "--hidden", "4", "-o", "m", "--metrics", "c", "--plot", "p", "-q"],
                         directory: URL(fileURLWithPath: dir))
        #expect(r2.status == 0, "\(r2.stderr)")
        for name in ["d", "m", "c", "p"] { #expect(FileManager.default.fileExists(atPath: path(name)), "\(name) was not written") }
    }

    @Test func versionNamesTheKernelNimpChose() throws {
        // With OPENBLAS_CORETYPE unset, nimp picks a kernel from the CPU's flags and
        // re-executes itself; a value the user set is kept.
        func version(_ envArgs: [String]) throws -> String {
            runProcess("/usr/bin/env", envArgs + [nimpBinary.path, "--version"]).stdout
        }
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let unset = try version(["-u", "OPENBLAS_CORETYPE", "-u", "NIMP_OPENBLAS_CHOSEN"])
        if flags.contains(" avx512f") || flags.contains(" avx2") {
            #expect(unset.contains("chosen by nimp from CPU flags"), "\(unset)")
            #expect(!unset.contains("Prescott"), "\(unset)")
        }
        let user = try version(["-u", "NIMP_OPENBLAS_CHOSEN", "OPENBLAS_CORETYPE=Haswell"])
        #expect(user.contains("OpenBLAS kernel: Haswell (from OPENBLAS_CORETYPE)"), "\(user)")
    }

    /// Library errors name parameters; each command adds the flags it has.
    @Test func errorsNameTheCommandsOwnFlags() throws {
        try "a,b,y\n1,2,3\n4,5,6\n".write(toFile: path("t.csv"), atomically: true, encoding: .utf8)
        let noTarget = runNimp(["train", "--data", path("t.csv"), "-o", path("m.nimp")])
        #expect(noTarget.status == 64)
        #expect(noTarget.stderr.contains("needs a target column") && noTarget.stderr.contains("flag: --target COLUMN"), "\(noTarget.stderr)")
        let badExclude = runNimp(["train", "--data", path("t.csv"), "--target", "y", "--exclude", "q", "-o", path("m.nimp")])
        #expect(badExclude.status == 65)
        #expect(badExclude.stderr.contains("no column \"q\"") && badExclude.stderr.contains("flag: --exclude"), "\(badExclude.stderr)")
        ok(["train", "--data", path("t.csv"), "--target", "y", "--epochs", "1", "-o", path("m.nimp"), "-q"])
        let badName = runNimp(["export", path("m.nimp"), "--format", "c", "--name", "9x", "-o", path("m.h")])
        #expect(badName.status == 64)
        #expect(badName.stderr.contains("symbol prefix \"9x\"") && badName.stderr.contains("flag: --name"), "\(badName.stderr)")
    }
}
