import Foundation
import NimpCore
import XCTest

/// Shared helpers for the file-format tests (safetensors, SHA-256, datasets).
enum FormatFixtures {
    /// The repository root, found from this file's path.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func path(_ relative: String) -> String { root.appendingPathComponent("fixtures/" + relative).path }

    /// A fresh temporary directory, removed when the test ends.
    static func temporaryDirectory(_ test: XCTestCase) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nimp-formats-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }
}

/// Asserts that `body` throws a NimpError with `status` whose message contains every one of `fragments`.
func assertNimpError<T>(_ status: ExitStatus, _ fragments: [String], file: StaticString = #filePath, line: UInt = #line,
                        _ body: () throws -> T) {
    do {
        _ = try body()
        XCTFail("expected exit \(status.rawValue) with \(fragments), but nothing was thrown", file: file, line: line)
    } catch let error as NimpError {
        XCTAssertEqual(error.status, status, "wrong status for: \(error.message)", file: file, line: line)
        for fragment in fragments where !error.message.contains(fragment) {
            XCTFail("message \(String(reflecting: error.message)) lacks \(String(reflecting: fragment))", file: file, line: line)
        }
    } catch {
        XCTFail("expected a NimpError, got \(error)", file: file, line: line)
    }
}
