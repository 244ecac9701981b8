import Foundation
import NimpCore
import NimpIO

/// Where inputs for a teacher come from: drawn around the rows of an existing
/// dataset (a random row plus Gaussian noise of `jitter` × the feature's std), or
/// uniformly from [0, 1]^features.
public enum InputSampler {
    public static func like(_ data: Dataset, samples: Int, seed: UInt64, jitter: Float = 0.1) -> Matrix {
        like(data.x, samples: samples, seed: seed, jitter: jitter)
    }

    /// Rows drawn around the rows of `rows`, which must not be empty.
    public static func like(_ rows: Matrix, samples: Int, seed: UInt64, jitter: Float = 0.1) -> Matrix {
        precondition(rows.rows > 0)
        let norm = fitNormalizer(rows)
        var rng = RNG(seed: seed)
        var x = Matrix(rows: samples, cols: rows.cols)
        for i in 0..<samples {
            let r = rng.int(below: rows.rows)
            for j in 0..<rows.cols {
                x[i, j] = rows[r, j] + jitter * norm.std[j] * rng.normal()
            }
        }
        return x
    }

    public static func uniform(features: Int, samples: Int, seed: UInt64) -> Matrix {
        var rng = RNG(seed: seed)
        var x = Matrix(rows: samples, cols: features)
        for i in 0..<x.data.count { x.data[i] = rng.uniform() }
        return x
    }
}

/// Labels inputs with a model archive: outputs for regression, arg-max class for
/// classification.
public enum ModelTeacher {
    public static func label(_ x: Matrix, with archive: ModelArchive, source: String) -> Dataset {
        let model = archive.model
        let out = model.predict(x)
        switch model.task {
        case .regression:
            return Dataset(x: x, y: .values(out), featureNames: model.featureNames, targetNames: model.targetNames, source: source)
        case .classification:
            var labels = [Int32](repeating: 0, count: x.rows)
            for i in 0..<x.rows {
                var best = 0
                for c in 1..<out.cols where out[i, c] > out[i, best] { best = c }
                labels[i] = Int32(best)
            }
            return Dataset(x: x, y: .classes(labels), featureNames: model.featureNames, targetNames: model.targetNames, source: source)
        }
    }
}

/// Any program as a teacher: it reads one JSON array of inputs per line on stdin and
/// writes one JSON array of outputs per line on stdout, in order.
public struct CommandTeacher: Sendable {
    public var command: String
    public var timeoutSeconds: Double

    public init(command: String, timeoutSeconds: Double = 600) {
        self.command = command
        self.timeoutSeconds = timeoutSeconds
    }

    /// Runs the command once over all rows of `x`; returns [rows, outputs].
    public func run(_ x: Matrix) throws -> Matrix {
        var input = Data()
        input.reserveCapacity(x.rows * x.cols * 12)
        for i in 0..<x.rows {
            input.append(contentsOf: Array(("[" + (0..<x.cols).map { "\(x[i, $0])" }.joined(separator: ",") + "]\n").utf8))
        }
        let (status, stdout, stderr) = try execute(stdin: input)
        let name = "teacher command '\(command)'"
        let errText = String(decoding: stderr.suffix(2000), as: UTF8.self)
        guard status == 0 else {
            throw NimpError(.dataError, "\(name) exited with status \(status)" + (errText.isEmpty ? "" : "; its stderr:\n\(errText)"))
        }
        let lines = stdout.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        var rows: [[Float]] = []
        rows.reserveCapacity(x.rows)
        for (n, line) in lines.enumerated() {
            if line.isEmpty && n == lines.count - 1 { break }
            rows.append(try JSONLReader.parseNumberArrayLine(String(decoding: line, as: UTF8.self), file: name, line: n + 1))
        }
        guard rows.count == x.rows else {
            throw NimpError(.dataError, "\(name): wrote \(rows.count) output lines for \(x.rows) input lines; expected one JSON array per input line" + (errText.isEmpty ? "" : "; its stderr:\n\(errText)"))
        }
        let width = rows.first?.count ?? 0
        guard width > 0 else { throw NimpError(.dataError, "\(name): output line 1: expected a non-empty JSON array of numbers") }
        var out = Matrix(rows: x.rows, cols: width)
        for (i, r) in rows.enumerated() {
            guard r.count == width else {
                throw NimpError(.dataError, "\(name): output line \(i + 1): \(r.count) values, expected \(width) like line 1")
            }
            for j in 0..<width { out[i, j] = r[j] }
        }
        return out
    }

    func execute(stdin input: Data) throws -> (Int32, Data, Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let inPipe = Pipe(), outPipe = Pipe(), errPipe = Pipe()
        process.standardInput = inPipe
        process.standardOutput = outPipe
        process.standardError = errPipe
        do { try process.run() } catch {
            throw NimpError(.noInput, "teacher command '\(command)': cannot start: \(error.localizedDescription)")
        }
        let group = DispatchGroup()
        let box = OutputBox()
        DispatchQueue.global().async(group: group) {
            // A teacher that exits early closes its stdin; that shows in its exit status
            // and output, so EPIPE here is not an error of its own.
            writeIgnoringSIGPIPE(input, to: inPipe.fileHandleForWriting.fileDescriptor)
            try? inPipe.fileHandleForWriting.close()
        }
        DispatchQueue.global().async(group: group) { box.setOut(outPipe.fileHandleForReading.readDataToEndOfFile()) }
        DispatchQueue.global().async(group: group) { box.setErr(errPipe.fileHandleForReading.readDataToEndOfFile()) }
        if group.wait(timeout: .now() + timeoutSeconds) == .timedOut {
            process.terminate()
            throw NimpError(.failure, "teacher command '\(command)' did not finish within \(Int(timeoutSeconds)) s; it was stopped")
        }
        process.waitUntilExit()
        return (process.terminationStatus, box.out, box.err)
    }
}

/// Writes all of `data` to `fd`, stopping at the first error. SIGPIPE is blocked on
/// this thread while it writes (and a pending one consumed), so a reader that went
/// away gives EPIPE instead of killing the process — also when the host process has
/// not ignored SIGPIPE, as `nimp` itself does.
func writeIgnoringSIGPIPE(_ data: Data, to fd: Int32) {
    var pipeSet = sigset_t()
    sigemptyset(&pipeSet)
    sigaddset(&pipeSet, SIGPIPE)
    var old = sigset_t()
    pthread_sigmask(SIG_BLOCK, &pipeSet, &old)
    defer {
        var pending = sigset_t()
        sigpending(&pending)
        if sigismember(&pending, SIGPIPE) == 1 {
            var zero = timespec()
            _ = sigtimedwait(&pipeSet, nil, &zero)
        }
        pthread_sigmask(SIG_SETMASK, &old, nil)
    }
    data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
        var offset = 0
        while offset < raw.count {
            let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }
}

private final class OutputBox: @unchecked Sendable {
    private let lock = NSLock()
    private var _out = Data(), _err = Data()
    var out: Data { lock.withLock { _out } }
    var err: Data { lock.withLock { _err } }
    func setOut(_ d: Data) { lock.withLock { _out = d } }
    func setErr(_ d: Data) { lock.withLock { _err = d } }
}
