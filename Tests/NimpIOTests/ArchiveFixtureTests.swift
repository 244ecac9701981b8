import Foundation
import NimpCore
import Testing

@testable import NimpIO

/// The checked-in archives of `fixtures/archives`: one valid archive (a golden file)
/// and the broken and hostile ones that `make_broken.py` builds from it, each with the
/// exit status and message nimp must give. (Part of ModelArchiveTests so that
/// `--filter ModelArchiveTests` runs them.)
enum ArchiveFixtures {
    static let directory = ArchiveTestSupport.fixtures

    /// Fixture name → text the error message must contain (all are exit 65); "…" stands
    /// for text that depends on the fixture's bytes.
    /// fixtures/archives/README.md describes each one.
    static let expected: [String: String] = [
        "truncated-inside-entry": "member \"weights.safetensors\": Truncated tar archive",
        "cut-at-entry-boundary": "member \"metrics.jsonl\": is missing: the archive ends after weights.safetensors",
        "empty": "empty file, expected a tar archive",
        "not-a-tar": "not a tar archive: Unrecognized archive format",
        "dotdot-name": "member \"../x\": unsafe member name: refers to a parent or current directory",
        "pax-path-dotdot": "member \"../evil\": unsafe member name: refers to a parent or current directory",
        "absolute-name": "member \"/tmp/nimp-x\": unsafe member name: absolute path",
        "slash-name": "member \"sub/x\": unsafe member name: contains '/'",
        "escape-sequence-name": "member \"\\u{1B}[31mred\": unsafe member name: characters outside A-Z a-z 0-9 . _ -",
        "non-utf8-name": "entry 2: name is not valid UTF-8",
        "symlink": "member \"weights.safetensors\": is a symbolic link to \"/etc/passwd\"; only regular files are allowed",
        "symlink-then-file": "member \"escape\": is a symbolic link to \"/tmp\"",
        "hardlink": "member \"weights.safetensors\": is a hard link to \"manifest.json\"",
        "char-device": "member \"weights.safetensors\": is a character device",
        "block-device": "member \"weights.safetensors\": is a block device",
        "fifo": "member \"weights.safetensors\": is a FIFO",
        "directory": "member \"weights.safetensors/\": is a directory",
        "sparse": "member \"weights.safetensors\": is a sparse file",
        "duplicate-member": "member \"weights.safetensors\": appears twice (duplicate member)",
        "unexpected-member": "member \"evil.sh\": is not a member of a nimp archive; expected nothing after README.md",
        "wrong-order": "member \"README.md\": is member 3; expected metrics.jsonl there",
        "manifest-not-first": "member \"weights.safetensors\": comes first; expected manifest.json first",
        "too-many-members": "more than 16 members",
        "checksum-mismatch": "member \"weights.safetensors\": sha256 is …; manifest.json says … (checksum mismatch)",
        "size-mismatch": "member \"metrics.jsonl\": is 50 bytes; manifest.json says 47",
        "format-version-2": "manifest.json: format_version: is 2; this nimp reads up to version 1\nhint: written by a newer nimp? upgrade nimp",
        "unknown-format": "manifest.json: format: is \"onnx-model\", expected \"nimp-model\"",
        "manifest-not-json": "manifest.json: byte 1: not valid JSON",
        "duplicate-json-key": "manifest.json: byte 419: the key \"format_version\" appears twice in one object",
        "lying-shapes": "weights.safetensors: tensor \"layers.0.weight\": has shape [4, 3]; manifest.json's architecture says [5, 3]",
        "unknown-activation": "manifest.json: key \"architecture.layers[0].activation\": unknown activation \"swish\"",
        "nan-weight": "weights.safetensors: tensor \"layers.0.weight\": element 0 is nan; weights must be finite",
        "extra-tensor": "weights.safetensors: has 5 tensors, the architecture in manifest.json needs 4: unexpected tensor \"layers.9.weight\"",
        "special-header-chain": "entry 1: Too many special headers",
        "bomb": "member \"manifest.json\": is 2147483648 bytes, more than the limit of 1073741824 bytes",
        "zeros-bomb": "the tar archive is empty; expected members manifest.json",
    ]
    /// Every broken fixture is small on disk, bombs included.
    static let maxFixtureBytes = 100_000

}

extension ModelArchiveTests {
    /// `valid.nimp` is the archive of `ArchiveTestModels.regression()`; a change in its
    /// bytes is a change of the file format. Re-record with NIMP_RECORD_FIXTURES=1, then
    /// run `python3 fixtures/archives/make_broken.py`.
    @Test func validFixtureIsUpToDate() throws {
        let data = try ArchiveTestModels.archive(ArchiveTestModels.regression()).encode()
        let url = ArchiveFixtures.directory.appendingPathComponent("valid.nimp")
        if ProcessInfo.processInfo.environment["NIMP_RECORD_FIXTURES"] == "1" {
            try data.write(to: url)
        }
        #expect(try Data(contentsOf: url) == data, "valid.nimp differs: re-record it (see this test's comment)")
        #expect(try ModelArchive.read(path: url.path).model == ArchiveTestModels.regression())
    }

    @Test func everyBrokenFixtureIsExit65WithItsMessage() throws {
        for (name, message) in ArchiveFixtures.expected.sorted(by: { $0.key < $1.key }) {
            let path = ArchiveFixtures.directory.appendingPathComponent(name + ".nimp").path
            ArchiveTestSupport.assertDataError(try ModelArchive.read(path: path), contains: path + ": ")
            // "…" stands for text that depends on the fixture's bytes (checksums).
            for part in message.components(separatedBy: "…") {
                ArchiveTestSupport.assertDataError(try ModelArchive.read(path: path), contains: part)
            }
        }
    }

    @Test func everyFixtureOnDiskIsCheckedAndSmall() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: ArchiveFixtures.directory.path)
            .filter { $0.hasSuffix(".nimp") }.map { String($0.dropLast(5)) }
        #expect(Set(names) == Set(ArchiveFixtures.expected.keys).union(["valid"]), "run make_broken.py, or add the new fixture here")
        for name in names {
            let size = try Data(contentsOf: ArchiveFixtures.directory.appendingPathComponent(name + ".nimp")).count
            #expect(size < ArchiveFixtures.maxFixtureBytes, "\(name)")
        }
    }

    /// The README in fixtures/archives documents every fixture.
    @Test func fixtureReadmeListsEveryFixture() throws {
        let readme = try String(contentsOf: ArchiveFixtures.directory.appendingPathComponent("README.md"), encoding: .utf8)
        for name in ArchiveFixtures.expected.keys { #expect(readme.contains("`\(name).nimp`"), "\(name)") }
    }
}
