import Foundation
import NimpIO

/// manifest.json inside an otherwise valid archive: the members of
/// fixtures/archives/valid.nimp with the input as the manifest, so mutations get past the
/// tar layer and (when they keep the members' checksums) reach the architecture, the
/// tensor checks against it, the normalisation and the lineage.
let validMembers: [ArchiveMember] = {
    let path = ProcessInfo.processInfo.environment["NIMP_FUZZ_VALID_ARCHIVE"] ?? "fixtures/archives/valid.nimp"
    guard let data = FileManager.default.contents(atPath: path), let members = try? TarArchive.read(data, name: path) else {
        fatalError("cannot read \(path): run from the repository root or set NIMP_FUZZ_VALID_ARCHIVE")
    }
    return members
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    Fuzz.run(data, size) { bytes in
        var members = validMembers
        members[0] = ArchiveMember(name: "manifest.json", data: bytes)
        let archive = try ModelArchive.decode(try TarArchive.write(members), name: Fuzz.name)
        _ = try archive.encode()
    }
}
