import Foundation
import NimpCore

/// The Slurm commands a cycle uses (`sbatch`, `squeue`, `scontrol`, `scancel`), found on
/// PATH. nimp schedules nothing itself: Slurm runs the tasks; nimp only asks it how they went.
public struct Slurm: Sendable {
    /// One array element's or job's state, as Slurm reports it.
    public struct JobState: Sendable, Equatable {
        public var job: String
        /// PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, NODE_FAIL, PREEMPTED…
        public var state: String
        public var reason: String?
        public var exitCode: String?
        public var node: String?

        public var isActive: Bool {
            ["PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING", "SUSPENDED",
             "STAGE_OUT", "SIGNALING"].contains(state)
        }

        public var summary: String {
            var s = "Slurm job \(job): \(state)"
            if let e = exitCode, e != "0:0" { s += ", exit \(e)" }
            if let r = reason, r != "None", !r.isEmpty { s += " (\(r))" }
            if let n = node, !n.isEmpty, n != "(null)" { s += " on \(n)" }
            return s
        }
    }

    public init() {}

    /// Submits a batch script; returns the job id (`sbatch --parsable`).
    public func submit(script: String, arguments: [String]) throws -> String {
        let out = try run("sbatch", ["--parsable"] + arguments + [script])
        // --parsable prints "id" or "id;cluster".
        guard let id = out.split(separator: "\n").last.map({ String($0.split(separator: ";").first ?? "") }),
              !id.isEmpty, id.allSatisfy(\.isNumber)
        else { throw NimpError(.unavailable, "sbatch printed no job id: \(out.prefix(200))") }
        return id
    }

    /// States of the jobs (and their array elements) Slurm still queues or runs.
    public func active(_ jobs: [String]) throws -> [JobState] {
        guard !jobs.isEmpty else { return [] }
        // squeue fails on ids it has forgotten; ask for each so one old id does not hide the rest.
        var states: [JobState] = []
        for job in jobs {
            guard let out = try? run("squeue", ["-h", "-r", "-j", job, "-o", "%i|%T|%r|%N"]) else { continue }
            for line in out.split(separator: "\n") {
                let f = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
                guard f.count >= 3 else { continue }
                states.append(JobState(job: f[0], state: f[1], reason: f[2], exitCode: nil, node: f.count > 3 ? f[3] : nil))
            }
        }
        return states
    }

    /// A job's or array element's state while Slurm remembers it (MinJobAge), finished or not.
    public func state(_ job: String) -> JobState? {
        guard let out = try? run("scontrol", ["show", "job", "-o", job]) else { return nil }
        var fields: [String: String] = [:]
        for word in out.split(whereSeparator: \.isWhitespace) {
            guard let eq = word.firstIndex(of: "=") else { continue }
            fields[String(word[..<eq])] = String(word[word.index(after: eq)...])
        }
        guard let state = fields["JobState"] else { return nil }
        return JobState(job: job, state: state, reason: fields["Reason"], exitCode: fields["ExitCode"], node: fields["NodeList"])
    }

    public func cancel(_ jobs: [String]) {
        guard !jobs.isEmpty else { return }
        _ = try? run("scancel", jobs)
    }

    /// Whether `sbatch` is on PATH.
    public static var isAvailable: Bool { executable("sbatch") != nil }

    static func executable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs a Slurm command; its stdout, or exit 69 with Slurm's own message.
    func run(_ name: String, _ arguments: [String]) throws -> String {
        guard let path = Self.executable(name) else {
            throw NimpError(.unavailable, "\(name): not found on PATH; the Slurm executor needs Slurm's client commands (Debian: slurm-client)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw NimpError(.unavailable, "\(path): cannot run: \(error.localizedDescription)")
        }
        // Read both pipes while it runs, so a chatty command cannot fill one and stall.
        nonisolated(unsafe) var errData = Data()
        let reading = DispatchGroup()
        DispatchQueue.global().async(group: reading) { errData = err.fileHandleForReading.readDataToEndOfFile() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        reading.wait()
        process.waitUntilExit()
        let stderr = String(decoding: errData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0 else {
            throw NimpError(.unavailable, "\(name) \(arguments.joined(separator: " ")) failed (exit \(process.terminationStatus))"
                            + (stderr.isEmpty ? "" : ": " + stderr))
        }
        return String(decoding: outData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
