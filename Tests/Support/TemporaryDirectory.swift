import Foundation

/// A fresh directory under the system's temporary directory, removed with everything in
/// it when the value is released. Test suites keep one as a stored property, so it
/// lives exactly as long as one test.
public final class TemporaryDirectory: Sendable {
    public let url: URL

    public var path: String { url.path }

    /// `nimp-NAME-UUID`.
    public init(_ name: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("nimp-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// The path of `relative` inside the directory.
    public func path(_ relative: String) -> String { url.appendingPathComponent(relative).path }

    /// A fresh, empty subdirectory (a new one each call); its path.
    public func subdirectory() throws -> String {
        let dir = path(UUID().uuidString)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}
