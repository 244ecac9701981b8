import Foundation
import NimpCore

/// A `.nimp` model archive: a pax tar holding, in this order, `manifest.json`,
/// `weights.safetensors`, `metrics.jsonl` and `README.md` (README, "Model archives").
///
/// Reading never trusts the file: the tar layer rejects links, devices, unsafe names
/// and oversized members; then every member's order, size and sha256 is checked against
/// the manifest, the manifest's format version is checked, and every tensor's name,
/// dtype, shape and values are checked against the manifest's architecture. Any
/// violation is exit 65 naming the archive, the member and what was expected.
public struct ModelArchive: Sendable {
    /// The members of every archive, in order.
    public static let memberNames = ["manifest.json", "weights.safetensors", "metrics.jsonl", "README.md"]
    /// Largest member (the weights), and largest sum of all members.
    public static let maxMemberBytes = 1 << 30
    /// Largest `manifest.json`; names and normalization of even wide inputs fit easily.
    public static let maxManifestBytes = 64 << 20

    public var manifest: Manifest
    public var model: Model
    /// The training curve, one JSON object per line.
    public var metricsJSONL: Data
    /// sha256 (lowercase hex) of the whole archive file; set by `decode` and `read`,
    /// empty for an archive built in memory (`write` returns it).
    public var sha256: String

    /// An archive of `model`. The manifest's model-derived fields (task, architecture,
    /// normalization, names, quantization, weight pruning) are taken from `model`, now
    /// and again when encoding; its id, version, genome, lineage and metrics are kept.
    public init(model: Model, manifest: Manifest, metricsJSONL: Data = Data()) {
        self.model = model
        self.manifest = manifest
        self.manifest.describe(model)
        self.metricsJSONL = metricsJSONL
        self.sha256 = ""
    }

    /// The archive's bytes. The same archive always gives the same bytes.
    public func encode() throws -> Data {
        try ModelWeights.checkWritable(model)
        var manifest = self.manifest
        manifest.describe(model)
        manifest.format = Manifest.formatName
        manifest.formatVersion = Manifest.currentFormatVersion
        let weights = ModelWeights.encode(model)
        manifest.members = [Self.digest("weights.safetensors", weights), Self.digest("metrics.jsonl", metricsJSONL)]
        let readme = Data(ModelCard.markdown(manifest).utf8)
        manifest.members.append(Self.digest("README.md", readme))
        return try TarArchive.write([
            ArchiveMember(name: "manifest.json", data: try manifest.encoded()),
            ArchiveMember(name: "weights.safetensors", data: weights),
            ArchiveMember(name: "metrics.jsonl", data: metricsJSONL),
            ArchiveMember(name: "README.md", data: readme),
        ])
    }

    /// Writes the archive atomically (temporary file, fsync, rename; with `exclusive`,
    /// never over an existing file, exit 73). Returns the sha256 of the bytes written.
    @discardableResult
    public func write(to path: String, exclusive: Bool = false, failpoint: String = "archive") throws -> String {
        let data = try encode()
        try AtomicFile.write(data, to: path, failpoint: failpoint, exclusive: exclusive)
        return SHA256.hex(data)
    }

    /// Reads an archive from its bytes; `name` is the file name used in error messages.
    public static func decode(_ data: Data, name: String) throws -> ModelArchive {
        let members = try TarArchive.read(data, name: name, maxMemberBytes: maxMemberBytes, maxTotalBytes: maxMemberBytes)
        let manifest = try readManifest(members, archive: name)
        try checkMembers(members, manifest: manifest, archive: name)
        let weights = try SafeTensorsFile(data: members[1].data, name: "\(name): weights.safetensors")
        let model = try ModelWeights.decode(weights, manifest: manifest, archive: name)
        var archive = ModelArchive(model: model, manifest: manifest, metricsJSONL: members[2].data)
        archive.manifest = manifest
        archive.sha256 = SHA256.hex(data)
        return archive
    }

    /// Reads the archive at `path`: exit 66 when it is missing or unreadable, 65 when
    /// it is not a valid archive.
    public static func read(path: String) throws -> ModelArchive {
        try decode(try MappedFile.read(path), name: path)
    }

    static func digest(_ name: String, _ data: Data) -> Manifest.MemberDigest {
        Manifest.MemberDigest(name: name, size: data.count, sha256: SHA256.hex(data))
    }

    static func readManifest(_ members: [ArchiveMember], archive: String) throws -> Manifest {
        guard let first = members.first else {
            throw NimpError.data(archive, nil, "the tar archive is empty; expected members \(memberNames.joined(separator: ", "))")
        }
        guard first.name == "manifest.json" else {
            throw NimpError.data(archive, "member \"\(first.name)\"", "comes first; expected manifest.json first")
        }
        guard first.data.count <= maxManifestBytes else {
            throw NimpError.data(archive, "manifest.json", "is \(first.data.count) bytes, more than the limit of \(maxManifestBytes)")
        }
        return try Manifest.decode(first.data, file: "\(archive): manifest.json")
    }

    /// Names in order, nothing missing or extra, and each member's size and sha256 as the manifest lists them.
    static func checkMembers(_ members: [ArchiveMember], manifest: Manifest, archive: String) throws {
        let listed = manifest.members.map(\.name)
        guard listed == Array(memberNames.dropFirst()) else {
            throw NimpError.data(archive, "manifest.json", "lists members \(listed.joined(separator: ", ")); expected \(memberNames.dropFirst().joined(separator: ", "))")
        }
        for (index, expected) in memberNames.enumerated() {
            guard index < members.count else {
                throw NimpError.data(archive, "member \"\(expected)\"", "is missing: the archive ends after \(members[index - 1].name)",
                                     hint: "the archive was cut short (truncated between members); copy it again")
            }
            let actual = members[index].name
            guard actual == expected else {
                let what = memberNames.contains(actual)
                    ? "is member \(index + 1); expected \(expected) there (order: \(memberNames.joined(separator: ", ")))"
                    : "is not a member of a nimp archive; expected \(expected) there"
                throw NimpError.data(archive, "member \"\(actual)\"", what)
            }
        }
        if members.count > memberNames.count {
            throw NimpError.data(archive, "member \"\(members[memberNames.count].name)\"",
                                 "is not a member of a nimp archive; expected nothing after README.md")
        }
        for (digest, member) in zip(manifest.members, members.dropFirst()) {
            guard member.data.count == digest.size else {
                throw NimpError.data(archive, "member \"\(member.name)\"", "is \(member.data.count) bytes; manifest.json says \(digest.size)")
            }
            let sha = SHA256.hex(member.data)
            guard sha == digest.sha256 else {
                throw NimpError.data(archive, "member \"\(member.name)\"", "sha256 is \(sha); manifest.json says \(digest.sha256) (checksum mismatch)",
                                     hint: "the archive is corrupt or was modified; copy it again")
            }
        }
    }
}
