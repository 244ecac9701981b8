import Foundation
import Testing

/// A Python with numpy and safetensors for the interop tests: $NIMP_PYTHON, else the venv
/// that scripts/python-env makes (or reuses) outside the repository from
/// Tests/python/requirements.txt, shared by the test targets. Tests that need it carry
/// `.enabled(if: TestPython.usable, TestPython.reason)`: without one a test fails under
/// CI=true and is skipped elsewhere.
public enum TestPython {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    struct Unavailable: Error, CustomStringConvertible {
        var description: String
    }

    /// Found (or made) once per test process.
    private static let found: Result<String, Unavailable> = Result { try find() }.mapError {
        $0 as? Unavailable ?? Unavailable(description: "\($0)")
    }

    /// False when there is no such Python, except under CI=true (where `path()` then fails the test).
    public static var usable: Bool {
        if case .success = found { return true }
        return ProcessInfo.processInfo.environment["CI"] == "true"
    }

    public static let reason: Comment = "needs a Python with numpy and safetensors (scripts/python-env, or NIMP_PYTHON)"

    /// The python's path.
    public static func path() throws -> String {
        try found.get()
    }

    private static func find() throws -> String {
        let python: String
        if let given = ProcessInfo.processInfo.environment["NIMP_PYTHON"], !given.isEmpty {
            python = given
        } else {
            let (status, output) = try run("/usr/bin/env", ["bash", root.appendingPathComponent("scripts/python-env").path,
                                                           root.appendingPathComponent("Tests/python/requirements.txt").path])
            guard status == 0 else {
                throw Unavailable(description: "scripts/python-env exited \(status) (its messages are above; set NIMP_PYTHON to use another Python)")
            }
            python = output.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw Unavailable(description: "no Python at \(python)")
        }
        guard try run(python, ["-c", "import numpy, safetensors"], quiet: true).status == 0 else {
            throw Unavailable(description: "\(python) lacks numpy or safetensors")
        }
        return python
    }

    /// Runs a program; its stderr goes to the test log unless `quiet`.
    private static func run(_ program: String, _ arguments: [String], quiet: Bool = false) throws -> (status: Int32, stdout: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        if quiet { process.standardError = FileHandle.nullDevice }
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
