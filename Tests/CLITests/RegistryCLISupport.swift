import Foundation
import NimpCore
import NimpIO
import NimpTestSupport
import Testing

/// A temporary directory with a small model archive, training and eval datasets, and
/// helpers to run `nimp registry …` against registries inside it.
final class RegistryFixture: Sendable {
    let scratch: TemporaryDirectory
    let dir: String
    var model: String { dir + "/model.nimp" }
    var model2: String { dir + "/model2.nimp" }
    var train: String { dir + "/train.safetensors" }
    var eval: String { dir + "/eval.safetensors" }
    /// Other data, for a second model (so its data is stored anew).
    var train2: String { dir + "/train2.safetensors" }
    var eval2: String { dir + "/eval2.safetensors" }

    init() throws {
        scratch = try TemporaryDirectory("registry-cli")
        dir = scratch.path
        try Self.archive(salt: 1).write(to: model)
        try Self.archive(salt: 2).write(to: model2)
        try DatasetIO.write(Self.dataset(samples: 64, seed: 1), to: train)
        try DatasetIO.write(Self.dataset(samples: 32, seed: 2), to: eval)
        try DatasetIO.write(Self.dataset(samples: 48, seed: 3), to: train2)
        try DatasetIO.write(Self.dataset(samples: 24, seed: 4), to: eval2)
    }

    /// `nimp registry SUBCOMMAND ARGS --registry DIR`.
    @discardableResult
    func registry(_ reg: String, _ args: [String], env: [String: String] = [:]) -> ProcessResult {
        runNimp(["registry"] + args + ["--registry", reg], env: env)
    }

    /// Like `registry`, expecting exit 0.
    @discardableResult
    func ok(_ reg: String, _ args: [String], sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let r = registry(reg, args)
        #expect(r.status == 0, "nimp registry \(args.joined(separator: " ")) → \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
        return r.stdout
    }

    /// A registry with model `m` (v1 champion) from the fixture files.
    func makeRegistry(_ name: String, models: [String] = ["m"]) -> String {
        let reg = dir + "/" + name
        ok(reg, ["init", "-q"])
        for id in models {
            ok(reg, ["add", id, model, "--data", train, "--eval", eval, "--target", "r2=0.9", "-q"])
        }
        return reg
    }

    /// 10 inputs → 4 relu → 1, deterministic weights.
    static func archive(salt: Float) -> ModelArchive {
        func layer(_ inputs: Int, _ outputs: Int, _ activation: Activation) -> DenseLayer {
            DenseLayer(weight: Matrix(rows: outputs, cols: inputs, data: (0..<(inputs * outputs)).map { Float($0 % 5) * 0.05 * salt - 0.1 }),
                       bias: [Float](repeating: 0.01 * salt, count: outputs), activation: activation)
        }
        let model = Model(task: .regression, layers: [layer(10, 4, .relu), layer(4, 1, .identity)], normalizer: .identity(features: 10),
                          featureNames: (0..<10).map { "x\($0)" }, targetNames: ["y"])
        let lineage = Manifest.Lineage(operation: "train", createdAt: "2025-01-01T00:00:00Z")
        return ModelArchive(model: model, manifest: Manifest(model: model, lineage: lineage, metrics: ["r2": 0.1]))
    }

    static func dataset(samples: Int, seed: UInt64) -> Dataset {
        var state = seed &* 0x9E37_79B9_7F4A_7C15
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 24)
        }
        let x = (0..<(samples * 10)).map { _ in next() }
        let y = (0..<samples).map { i in (0..<10).reduce(Float(0)) { $0 + x[i * 10 + $1] } / 10 }
        return Dataset(x: Matrix(rows: samples, cols: 10, data: x), y: .values(Matrix(rows: samples, cols: 1, data: y)),
                       targetNames: ["y"], source: "fixture", seed: seed)
    }
}

/// Every regular file under `root` (relative path → contents), except the lock.
func snapshot(_ root: String) -> [String: Data] {
    var files: [String: Data] = [:]
    guard let walker = FileManager.default.enumerator(atPath: root) else { return files }
    while let relative = walker.nextObject() as? String {
        var isDir: ObjCBool = false
        let path = root + "/" + relative
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue, relative != "lock" else { continue }
        files[relative] = FileManager.default.contents(atPath: path)
    }
    return files
}

/// All of a registry's history as one text, oldest first: the older segments
/// (history/YYYY-MM.NNN.jsonl.gz, decompressed; a plain .jsonl where its rotation is
/// unfinished), then history.jsonl. A test that compares history before and after does
/// not fail when a month ends between the two.
func historyData(_ root: String) -> Data {
    let dir = root + "/history"
    var files: [String: String] = [:]
    for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where name.hasSuffix(".jsonl") || name.hasSuffix(".jsonl.gz") {
        let stem = name.hasSuffix(".gz") ? String(name.dropLast(3)) : name
        if files[stem] == nil || !name.hasSuffix(".gz") { files[stem] = name }
    }
    var data = Data()
    for stem in files.keys.sorted() {
        let path = dir + "/" + files[stem]!
        if path.hasSuffix(".gz") {
            guard let reader = try? GzipReader(path: path) else { continue }
            while let chunk = try? reader.read(upTo: 1 << 20) { data += chunk }
        } else {
            data += FileManager.default.contents(atPath: path) ?? Data()
        }
    }
    return data + (FileManager.default.contents(atPath: root + "/history.jsonl") ?? Data())
}

/// Temporary files and staging directories anywhere under `root`.
func temporaries(_ root: String) -> [String] {
    guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
    var found: [String] = []
    while let relative = walker.nextObject() as? String {
        if (relative as NSString).lastPathComponent.contains(".tmp-") { found.append(relative) }
    }
    return found
}

/// The failpoints a command reaches, in order, each with its occurrence (`name@2`).
func failpointSteps(_ args: [String], in dir: String) -> [String] {
    let trace = dir + "/trace-\(UUID().uuidString)"
    let r = runNimp(args, env: ["NIMP_FAILPOINT_TRACE": trace])
    #expect(r.status == 0, "tracing \(args): \(r.stderr)")
    let names = ((try? String(contentsOfFile: trace, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    try? FileManager.default.removeItem(atPath: trace)
    var seen: [String: Int] = [:]
    return names.map { name in
        seen[name, default: 0] += 1
        return "\(name)@\(seen[name]!)"
    }
}

func copyDirectory(_ from: String, _ to: String) throws {
    try? FileManager.default.removeItem(atPath: to)
    try FileManager.default.copyItem(atPath: from, toPath: to)
}

func jsonObject(_ line: some StringProtocol) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]) ?? [:]
}

func jsonLines(_ text: String) -> [[String: Any]] {
    text.split(separator: "\n").map(jsonObject)
}
