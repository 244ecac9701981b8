// Runs the shell examples of README.md, so the README cannot drift from the binary.
//
// Every fenced block whose info string is `sh`, `bash` or `shell` runs, in README
// order, except a block preceded by the line
//
//     <!-- no-test -->
//
// (blank lines may come between the marker and the fence). Use the marker for blocks
// that install packages, build, run the test suite, need root, a network, a long time,
// or show a crontab or unit file; prefer making an example runnable.
//
// How blocks run: with bash, `set -e -o pipefail` (the first failing command fails the
// block), stdin empty, in one temporary directory shared by all blocks, with the binary
// under test first on PATH as `nimp`, and NIMP_REGISTRY=<temp>/nimp-registry. Blocks see
// each other's files, and, as in one terminal, exported variables and the working
// directory carry over from one block to the next. A block may run for
// `ReadmeTests.blockTimeout` seconds. A failure shows the block, where it is in
// README.md, its exit status and its output.

import Foundation
import NimpTestSupport
import Testing

@Suite(.serialized) struct ReadmeTests {
    let scratch: TemporaryDirectory

    init() throws {
        scratch = try TemporaryDirectory("readme")
    }

    static let blockTimeout: TimeInterval = 600
    static let marker = "<!-- no-test -->"
    static let shells: Set<String> = ["sh", "bash", "shell"]

    /// A fenced shell block of a Markdown file.
    struct Block: Equatable {
        /// 1-based line of the opening fence.
        var line: Int
        var code: String
        var skipped: Bool
    }

    /// The shell blocks of `markdown`, skipped ones included (marked).
    static func shellBlocks(_ markdown: String) -> [Block] {
        var blocks: [Block] = []
        let lines = markdown.components(separatedBy: "\n")
        var i = 0
        var lastNonBlank: String?
        while i < lines.count {
            let line = lines[i]
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("```") else {
                if !trimmed.isEmpty { lastNonBlank = trimmed }
                i += 1
                continue
            }
            let fence = String(trimmed.prefix { $0 == "`" })
            let info = trimmed.dropFirst(fence.count).trimmingCharacters(in: .whitespaces)
            let language = info.split(separator: " ").first.map(String.init)?.lowercased() ?? ""
            let indent = line.prefix { $0 == " " }.count
            var body: [String] = []
            var j = i + 1
            while j < lines.count, !lines[j].trimmingCharacters(in: .whitespaces).hasPrefix(fence) {
                body.append(String(lines[j].dropFirst(min(indent, lines[j].prefix { $0 == " " }.count))))
                j += 1
            }
            if shells.contains(language) {
                blocks.append(Block(line: i + 1, code: body.joined(separator: "\n"), skipped: lastNonBlank == marker))
            }
            lastNonBlank = nil
            i = j + 1
        }
        return blocks
    }

    @Test func readmeExamplesRun() throws {
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let blocks = Self.shellBlocks(readme).filter { !$0.skipped }
        let work = scratch.url
        let bin = work.appendingPathComponent(".bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: bin.appendingPathComponent("nimp"), withDestinationURL: nimpBinary)
        let state = work.appendingPathComponent(".shell-state").path
        let path = bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        for block in blocks {
            // Restore the previous block's exports and directory, run, save them.
            let script = """
                [ -f \(Self.quote(state)) ] && { source \(Self.quote(state)) 2>/dev/null || true; }
                set -e -o pipefail
                \(block.code)
                { export -p; printf 'cd %q\\n' "$PWD"; } > \(Self.quote(state))
                """
            let started = Date()
            let r = runProcess("/bin/bash", ["--norc", "--noprofile", "-c", script],
                               env: ["PATH": path, "NIMP_REGISTRY": work.appendingPathComponent("nimp-registry").path,
                                     "NIMP_FAILPOINT": "", "NO_COLOR": "1"],
                               directory: work, timeout: Self.blockTimeout)
            let output = (r.stdout + r.stderr).suffix(6000)
            #expect(r.status == 0 && !r.timedOut, """
                README.md line \(block.line): the block \(r.timedOut ? "ran longer than \(Int(Self.blockTimeout)) s" : "exited \(r.status)") \
                (mark it with \(Self.marker) if it must not run):
                ```sh
                \(block.code)
                ```
                output (last 6000 characters):
                \(output)
                """)
            if r.status != 0 || r.timedOut { return }
            print(String(format: "README.md line %d: %.1f s", block.line, Date().timeIntervalSince(started)))
        }
    }

    @Test func theHarnessFindsShellBlocksAndHonoursTheMarker() {
        let markdown = """
            # Title
            ```sh
            echo one
            ```
            <!-- no-test -->
            ```bash
            rm -rf /
            ```
            <!-- no-test -->

            ```sh
            swift test
            ```
            ```python
            print(1)
            ```
            - a list item:
              ```shell
              echo indented
                echo deeper
              ```
            ````sh
            echo ```
            ````
            """
        #expect(Self.shellBlocks(markdown) == [
            Block(line: 2, code: "echo one", skipped: false),
            Block(line: 6, code: "rm -rf /", skipped: true),
            Block(line: 11, code: "swift test", skipped: true),
            Block(line: 18, code: "echo indented\n  echo deeper", skipped: false),
            Block(line: 22, code: "echo ```", skipped: false),
        ])
    }

    static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
