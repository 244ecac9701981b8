import Foundation
import NimpTestSupport
import Testing

/// stdout is data and a failed write to it is an error (exit 74 with a message), in
/// pipelines and on full disks; progress bars appear only on a terminal.
@Suite(.serialized) struct OutputDisciplineTests {
    let scratch: TemporaryDirectory

    init() throws {
        scratch = try TemporaryDirectory("progress")
    }

    @Test func closedPipeIsAnError() {
        let r = runProcess("/bin/bash", ["-c", """
            "$1" gen-data --generator signal/dopamine --samples 100000 --format jsonl 2>"$2" | head -n 1 > /dev/null
            echo "${PIPESTATUS[0]}"
            """, "pipe", nimpBinary.path, "/dev/stderr"])
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "74", "nimp's status in the pipeline")
        #expect(r.stderr.contains("standard output: writing output failed: Broken pipe"), "\(r.stderr)")
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/dev/full"), "there is no /dev/full"))
    func fullDiskIsExit74() throws {
        for args in [["gen-data", "--generator", "signal/growth", "--samples", "10", "--format", "csv"], ["--help"],
                     ["--generate-completion-script", "bash"]] {
            let r = runProcess("/bin/bash", ["-c", "\"$@\" > /dev/full", "full", nimpBinary.path] + args)
            #expect(r.status == 74, "nimp \(args.joined(separator: " ")) > /dev/full: \(r.stderr)")
            #expect(r.stderr.contains("No space left on device"), "\(r.stderr)")
        }
    }

    /// Runs `nimp train` on a pseudo-terminal (script(1)), where the progress bar shows.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "script(1) is not installed"))
    func progressBarOnlyOnATerminalAndRespectsQuietAndNoColor() throws {
        let work = scratch.url
        let data = work.appendingPathComponent("d.safetensors").path
        #expect(runNimp(["gen-data", "--generator", "signal/growth", "--samples", "300", "-o", data, "-q"]).status == 0)
        let train = "'\(nimpBinary.path)' train --data \(data) --epochs 3 --hidden 4 --metrics /dev/null -o \(work.path)/m.nimp"
        func onTerminal(_ command: String, env: [String: String] = [:]) -> String {
            let r = runProcess("/usr/bin/script", ["-qec", command, "/dev/null"], env: env.merging(["COLUMNS": "100"]) { $1 })
            #expect(r.status == 0, "\(r.stdout + r.stderr)")
            return r.stdout
        }
        let shown = onTerminal(train, env: ["NO_COLOR": ""])
        #expect(shown.contains("3/3 epochs") && shown.contains("ETA"), "\(shown)")
        #expect(shown.contains("\u{1B}[32m"), "coloured when NO_COLOR is empty")
        #expect(!onTerminal(train, env: ["NO_COLOR": "1"]).contains("\u{1B}[32m"))
        #expect(!onTerminal(train + " --quiet").contains("epochs"))
        let piped = runNimp(["train", "--data", data, "--epochs", "3", "--hidden", "4", "--metrics", "/dev/null",
                             "-o", work.path + "/m.nimp"])
        #expect(!piped.stderr.contains("ETA"), "no bar when stderr is not a terminal")
    }
}
