import Foundation
import NimpIO
import NimpTestSupport
import Testing

/// The committed man pages and completion scripts match the parser of the binary
/// under test, and every page renders. When one of these fails, run
/// `scripts/generate-docs` and commit man/ and completions/.
///
/// Completions are compared byte for byte with what the binary prints. Man pages come
/// from argument-parser's plugin, which takes a minute, so instead of regenerating them
/// the test recomputes man/SOURCES.sha256: the sha256 of
/// `nimp --experimental-dump-help` (everything the plugin reads), of
/// scripts/generate-docs and of the mdoc fragments under scripts/man/.
@Suite(.serialized) struct DocsTests {
    static let root = packageRoot
    static let regenerate = "run scripts/generate-docs and commit man/ and completions/"

    @Test func completionScriptsMatchTheParser() throws {
        for shell in ["bash", "zsh", "fish"] {
            let generated = runNimp(["--generate-completion-script", shell])
            #expect(generated.status == 0, "\(generated.stderr)")
            let path = Self.root.appendingPathComponent("completions/nimp.\(shell)")
            let committed = try? String(contentsOf: path, encoding: .utf8)
            #expect(committed != nil, "\(path.path) is missing: \(Self.regenerate)")
            #expect(committed == generated.stdout, "completions/nimp.\(shell) differs from `nimp --generate-completion-script \(shell)`: \(Self.regenerate)")
        }
    }

    @Test func manPagesWereGeneratedFromTheCurrentParser() throws {
        let recorded = try String(contentsOf: Self.root.appendingPathComponent("man/SOURCES.sha256"), encoding: .utf8)
        let dump = runNimp(["--experimental-dump-help"])
        #expect(dump.status == 0, "\(dump.stderr)")
        var expected = "\(SHA256.hex(Data(dump.stdout.utf8)))  nimp --experimental-dump-help\n"
        for file in ["scripts/generate-docs"] + Self.fragments() {
            let data = try Data(contentsOf: Self.root.appendingPathComponent(file))
            expected += "\(SHA256.hex(data))  \(file)\n"
        }
        let stale = Set(expected.split(separator: "\n")).symmetricDifference(recorded.split(separator: "\n"))
            .map { String($0.split(separator: " ").last ?? "") }
        #expect(recorded == expected, "man pages are stale (changed since: \(Set(stale).sorted().joined(separator: ", "))): \(Self.regenerate)")
    }

    @Test func everyCommandHasAPage() throws {
        let dump = runNimp(["--experimental-dump-help"])
        let json = try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any]
        let command = try #require(json?["command"] as? [String: Any])
        let expected = Set(Self.pageNames(command, prefix: nil))
        let present = Set(Self.pages().map { String($0.dropLast(2)) })
        #expect(present == expected, "man/ pages differ from the commands: \(Self.regenerate)")
        #expect(expected.contains("nimp.registry.report"))
    }

    /// `man -l` renders every page without warnings, with the sections people look for.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/man"), "man is not installed (apt-get install man-db)"))
    func manPagesRender() throws {
        for page in Self.pages() {
            let path = Self.root.appendingPathComponent("man/\(page)").path
            let man = runProcess("/usr/bin/man", ["--warnings", "-l", path], env: ["MANPAGER": "cat", "MANWIDTH": "80"])
            let out = man.stdout
            #expect(man.status == 0, "man -l \(page): \(man.stderr)")
            // A value name too long for one line (gen-data's list of generators) is
            // typographic, not a defect in the page.
            let warnings = man.stderr.split(separator: "\n").filter { !$0.contains("can't break line") }
            #expect(warnings == [], "man --warnings -l \(page)")
            for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "EXIT STATUS", "SEE ALSO"] {
                #expect(out.contains("\n\(section)\n"), "\(page) has no \(section) section")
            }
            #expect(out.contains("Another command holds the registry lock"), "\(page): EXIT STATUS lists the sysexits codes")
            #expect(!out.contains(">0 if an error occurs"), "\(page) kept the generic exit status")
        }
        let main = runProcess("/usr/bin/man", ["-l", Self.root.appendingPathComponent("man/nimp.1").path],
                              env: ["MANPAGER": "cat", "MANWIDTH": "80"]).stdout
        for text in ["COMMANDS", "ENVIRONMENT", "FILES", "EXAMPLES", "NIMP_REGISTRY", "OPENBLAS_CORETYPE", "NO_COLOR", "NIMP_FAILPOINT",
                     "REGISTRY/history.jsonl", "manifest.json", "nimp registry init --examples"] {
            #expect(main.contains(text), "nimp.1 does not mention \(text)")
        }
    }

    // MARK: Helpers

    /// The mdoc fragments the script splices in, sorted as the script lists them.
    static func fragments() -> [String] {
        let base = root.appendingPathComponent("scripts/man")
        let files = FileManager.default.enumerator(atPath: base.path)?.compactMap { $0 as? String } ?? []
        return files.filter { $0.hasSuffix(".mdoc") }.map { "scripts/man/" + $0 }.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// The committed pages' file names.
    static func pages() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("man").path)) ?? []
        return names.filter { $0.hasSuffix(".1") }.sorted()
    }

    /// The plugin's page names: `nimp`, `nimp.registry`, `nimp.registry.show`, …
    static func pageNames(_ command: [String: Any], prefix: String?) -> [String] {
        let name = (command["commandName"] as? String) ?? ""
        let full = prefix.map { "\($0).\(name)" } ?? name
        let children = (command["subcommands"] as? [[String: Any]]) ?? []
        return [full] + children.flatMap { pageNames($0, prefix: full) }
    }
}
