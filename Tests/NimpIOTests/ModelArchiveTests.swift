import Foundation
import NimpCore
import NimpTestSupport
import Testing

@testable import NimpIO

@Suite struct ModelArchiveTests {
    let scratch: TemporaryDirectory

    init() throws {
        setlocale(LC_CTYPE, "C.UTF-8")
        scratch = try TemporaryDirectory("io-tests")
    }

    typealias Models = ArchiveTestModels

    @Test func regressionRoundTrip() throws {
        let archive = Models.archive(Models.regression())
        let data = try archive.encode()
        let read = try ModelArchive.decode(data, name: "r.nimp")
        #expect(read.model == archive.model)
        #expect(read.metricsJSONL == archive.metricsJSONL)
        #expect(read.sha256 == SHA256.hex(data))
        #expect(read.manifest.lineage == archive.manifest.lineage)
        #expect(read.manifest.metrics == ["r2": 0.5, "mse": 0.125])
        #expect(read.manifest.architecture.layers.map(\.units) == [4, 2])
        #expect(read.manifest.members.map(\.name) == ["weights.safetensors", "metrics.jsonl", "README.md"])
        #expect(read.manifest.quantization == nil)
    }

    @Test func classificationRoundTrip() throws {
        let archive = Models.archive(Models.classification())
        let read = try ModelArchive.decode(try archive.encode(), name: "c.nimp")
        #expect(read.model == archive.model)
        #expect(read.manifest.task == .classification)
        #expect(read.manifest.targetNames == ["low", "medium", "high"])
    }

    @Test func encodingIsByteStableAndDecodeEncodeReproducesTheBytes() throws {
        let data = try Models.archive(Models.regression()).encode()
        #expect(try Models.archive(Models.regression()).encode() == data)
        #expect(try ModelArchive.decode(data, name: "r.nimp").encode() == data)
    }

    /// Quantizing stores ints and per-row scales; reading dequantizes, and writing the
    /// decoded model again gives back the same ints and scales, so the same bytes.
    @Test func int8LayersStoreQuantizedIntsAndSurviveRepeatedRoundTrips() throws {
        let original = Models.classification(storages: [.int8, .int8, .f32])
        let first = try Models.archive(original).encode()
        let decoded = try ModelArchive.decode(first, name: "q.nimp")
        #expect(decoded.manifest.quantization == "int8")
        #expect(decoded.model.layers.map(\.storage) == [.int8, .int8, .f32])
        for (layer, source) in zip(decoded.model.layers, original.layers) {
            let maxAbs = source.weight.data.map(abs).max()!
            // Symmetric rounding error is at most half a step of the row's scale.
            let tolerance = maxAbs / 127 / 2 * 1.0001
            for (a, b) in zip(layer.weight.data, source.weight.data) { #expect(abs(a - b) <= tolerance) }
        }
        let weights = try SafeTensorsFile(data: try member("weights.safetensors", of: first), name: "w")
        #expect(weights.info("layers.0.weight")?.dtype == .I8)
        #expect(weights.info("layers.0.weight_scale")?.shape == [8])
        #expect(weights.info("layers.2.weight_scale") == nil)
        #expect(try decoded.encode() == first)
        #expect(try ModelArchive.decode(try decoded.encode(), name: "q.nimp").model == decoded.model)
    }

    @Test func f16LayersRoundToHalfOnceThenRoundTripExactly() throws {
        var original = Models.classification(storages: [.f16, .f32, .f16])
        original.layers[0].weight.data[0] = 0.1  // not representable in f16
        let decoded = try ModelArchive.decode(try Models.archive(original).encode(), name: "h.nimp")
        #expect(decoded.manifest.quantization == "f16")
        #expect(decoded.model.layers.map(\.storage) == [.f16, .f32, .f16])
        #expect(decoded.model.layers[0].weight.data[0] == Float(Float16(0.1)))
        #expect(Array(decoded.model.layers[0].weight.data.dropFirst()) == Array(original.layers[0].weight.data.dropFirst()))
        let again = try ModelArchive.decode(try decoded.encode(), name: "h.nimp")
        #expect(again.model == decoded.model)
    }

    /// The scale is maxabs/127 in Float, which misses the original scale by an ulp for
    /// about 1% of scales; quantizing dequantized rows must still find it exactly.
    @Test func int8RequantizationRecoversTheExactScale() {
        var generator = SystemRandomNumberGenerator()
        var recoveredOffBase = 0
        for _ in 0..<3000 {
            let scale = Float.random(in: 1e-4...1, using: &generator)
            var q = (0..<16).map { _ in Int8.random(in: -127...127, using: &generator) }
            q[Int.random(in: 0..<16, using: &generator)] = Bool.random(using: &generator) ? 127 : -127
            let row = Matrix(rows: 1, cols: 16, data: q.map { Float($0) * scale })
            let again = Int8Weights(quantizing: row)
            #expect(again.values == q)
            #expect(again.scales == [scale])
            if row.data.map(abs).max()! / 127 != scale { recoveredOffBase += 1 }
        }
        #expect(recoveredOffBase > 0, "no scale needed the neighbour search; the test proves nothing")
    }

    /// Every weight decodes to within half a step of its channel's scale; a channel's
    /// largest weight is ±127 steps, a channel of zeros has scale 0.
    @Test func int8RoundTripIsWithinHalfAStepPerChannel() {
        var rng = RNG(seed: 17)
        var weight = Matrix(rows: 40, cols: 33)
        for i in weight.data.indices { weight.data[i] = rng.normal() * Float(1 + i / 33) * 0.01 }
        for c in 0..<33 { weight[7, c] = 0 }
        let q = Int8Weights(quantizing: weight)
        let back = q.dequantized()
        #expect(q.values.count == 40 * 33)
        #expect(q.scales[7] == 0)
        for r in 0..<40 {
            let row = (0..<33).map { weight[r, $0] }
            if r != 7 { #expect(q.values[(r * 33)..<(r * 33 + 33)].map { abs(Int($0)) }.max() == 127, "row \(r)") }
            for c in 0..<33 {
                let error = abs(row[c] - back[r, c])
                // `w / scale` may be off by an ulp before rounding.
                #expect(error <= q.scales[r] / 2 * (1 + 1e-5), "row \(r) col \(c)")
            }
        }
        #expect(Int8Weights(quantizing: back) == q, "requantizing decoded weights changes nothing")
    }

    @Test func weightMasksAreRebuiltFromZeros() throws {
        var model = Models.regression()
        var mask = Matrix(rows: 4, cols: 3, repeating: 1)
        for i in [0, 4, 7] { mask.data[i] = 0 }
        model.layers[0].mask = mask
        let nonZeroUnderMask = model.layers[0].weight.data[4]
        #expect(nonZeroUnderMask != 0)
        let decoded = try ModelArchive.decode(try Models.archive(model, operation: "prune-weights").encode(), name: "p.nimp")
        #expect(decoded.model.layers[0].mask == mask)
        #expect(decoded.model.layers[1].mask == nil)
        #expect(decoded.model.layers[0].weight.data[4] == 0, "pruned weights are written as zeros")
        #expect(decoded.manifest.pruning?.kind == "weights")
        #expect(abs((decoded.manifest.pruning?.sparsity ?? -1) - 3.0 / 20.0) <= 1e-12)
        #expect(decoded.manifest.architecture.layers.map(\.pruned) == [true, nil])
        model.layers[0].weight.data = zip(model.layers[0].weight.data, mask.data).map { $0 * $1 }
        #expect(decoded.model == model)
    }

    @Test func prunedAndQuantizedLayersKeepTheirMask() throws {
        var model = Models.classification(storages: [.int8, .f32, .f32])
        var mask = Matrix(rows: 8, cols: 5, repeating: 1)
        for i in stride(from: 0, to: 40, by: 3) { mask.data[i] = 0 }
        model.layers[0].mask = mask
        let decoded = try ModelArchive.decode(try Models.archive(model).encode(), name: "pq.nimp")
        #expect(decoded.model.layers[0].mask == mask)
        #expect(decoded.model.layers[0].storage == .int8)
    }

    @Test func manifestJSONIsSnakeCaseSortedAndPretty() throws {
        let data = try Models.archive(Models.regression()).encode()
        let json = try member("manifest.json", of: data)
        let text = String(decoding: json, as: UTF8.self)
        for key in ["\"format_version\" : 1", "\"feature_names\"", "\"target_names\"", "\"created_at\"", "\"command_line\"",
                    "\"dataset_sha256\"", "\"learning_rate\"", "\"format\" : \"nimp-model\""] {
            #expect(text.contains(key), "\(key)")
        }
        #expect(!text.contains("formatVersion"))
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        let keys = text.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }
        #expect(keys == keys.sorted())
        #expect(Set(keys.map(String.init)) == Set(object.keys))
    }

    @Test func systemTarListsTheFourMembersInOrderAndExtractsTheManifest() throws {
        let path = try scratch.subdirectory() + "/model.nimp"
        try Models.archive(Models.regression()).write(to: path)
        let listing = try ArchiveTestSupport.run("/usr/bin/tar", ["-tvf", path])
        #expect(listing.split(separator: "\n").map { String($0.split(separator: " ").last!) } == ModelArchive.memberNames)
        let manifest = try ArchiveTestSupport.run("/usr/bin/tar", ["-xOf", path, "manifest.json"])
        let object = try JSONSerialization.jsonObject(with: Data(manifest.utf8)) as? [String: Any]
        #expect(object?["format"] as? String == "nimp-model")
    }

    @Test func writeReturnsTheSha256ThatReadReports() throws {
        let path = try scratch.subdirectory() + "/model.nimp"
        let sha = try Models.archive(Models.regression()).write(to: path, exclusive: true)
        #expect(try ModelArchive.read(path: path).sha256 == sha)
        #expect(SHA256.hex(try Data(contentsOf: URL(fileURLWithPath: path))) == sha)
    }

    @Test func exclusiveWriteNeverReplacesAnArchive() throws {
        let path = try scratch.subdirectory() + "/model.nimp"
        try Models.archive(Models.regression()).write(to: path, exclusive: true)
        if let error = #expect(throws: (any Error).self, performing: { try Models.archive(Models.classification()).write(to: path, exclusive: true) }) {
            #expect((error as? NimpError)?.kind == .cannotCreate)
        }
        #expect(try ModelArchive.read(path: path).model.task == .regression)
    }

    @Test func missingArchiveIsExit66() {
        if let error = #expect(throws: (any Error).self, performing: { try ModelArchive.read(path: "/nonexistent/model.nimp") }) {
            #expect((error as? NimpError)?.kind == .noInput)
        }
    }

    @Test func refusesToWriteNonFiniteWeights() {
        var model = Models.regression()
        model.layers[1].weight.data[2] = .nan
        if let error = #expect(throws: (any Error).self, performing: { try Models.archive(model).encode() }) {
            #expect((error as? NimpError)?.kind == .dataError)
            #expect("\(error)".contains("layer 1 has a NaN or infinite weight"), "\(error)")
        }
    }

    @Test func refusesToWriteModelsThatCouldNotBeReadBack() {
        var names = Models.regression()
        names.featureNames = ["only_one"]
        ArchiveTestSupport.assertDataError(try Models.archive(names).encode(), contains: "1 feature names and 2 target names for 3 inputs")
        var chain = Models.regression()
        chain.layers[1] = Models.layer(5, 2, .identity, salt: 2)
        ArchiveTestSupport.assertDataError(try Models.archive(chain).encode(), contains: "layer 1 is 2x5 after a layer of 4 outputs")
        var half = Models.regression()
        half.layers[0].storage = .f16
        half.layers[0].weight.data[3] = 70000
        ArchiveTestSupport.assertDataError(try Models.archive(half).encode(), contains: "layer 0 is stored as f16 but holds the weight 70000.0")
        var std = Models.regression()
        std.normalizer.std[1] = 0
        ArchiveTestSupport.assertDataError(try Models.archive(std).encode(), contains: "standard deviation that is not positive")
    }

    @Test func manifestThatDisagreesWithItselfIsRejected() throws {
        var archive = Models.archive(Models.regression())
        let data = try archive.encode()
        var members = try TarArchive.read(data, name: "m")
        var manifest = try Manifest.decode(members[0].data, file: "m")
        manifest.quantization = "int8"
        members[0].data = try manifest.encoded()
        ArchiveTestSupport.assertDataError(try ModelArchive.decode(try TarArchive.write(members), name: "q.nimp"),
                                           contains: "q.nimp: manifest.json: quantization: is \"int8\", but the layers' storage says null")
        archive.manifest.metrics["r2"] = .infinity
        ArchiveTestSupport.assertDataError(try archive.encode(), contains: "metric \"r2\" is inf")
    }

    @Test func modelCardTellsHowToReadTheArchive() throws {
        let data = try Models.archive(Models.classification(storages: [.int8, .f32, .f32])).encode()
        let card = String(decoding: try member("README.md", of: data), as: UTF8.self)
        for text in ["# fixture v1", "classification", "5 inputs → 8 tanh (int8) → 6 gelu → 3 identity", "parameters: 123",
                     "| r2 | 0.5 |", "operation: train", "tar -xOf model.nimp manifest.json | jq .", "safetensors.numpy"] {
            #expect(card.contains(text), "model card lacks \(text):\n\(card)")
        }
    }

    /// The Python recipe in the model card computes the same outputs as a plain
    /// forward pass here (Python from `TestPython`).
    @Test(.enabled(if: TestPython.usable, TestPython.reason)) func pythonReadsTheArchiveAsTheModelCardSays() throws {
        let python = try TestPython.path()
        let model = Models.classification(storages: [.int8, .f16, .f32])
        let path = try scratch.subdirectory() + "/model.nimp"
        try Models.archive(model).write(to: path)
        let decoded = try ModelArchive.read(path: path).model
        let input: [Float] = [0.5, -1, 0.25, 2, -0.75]
        let script = """
            import json, sys, tarfile
            import numpy as np
            from safetensors.numpy import load
            from math import erf, sqrt
            ACTIVATIONS = {"tanh": np.tanh, "identity": lambda x: x,
                           "gelu": np.vectorize(lambda v: 0.5 * v * (1 + erf(v / sqrt(2))))}
            with tarfile.open(sys.argv[1]) as t:
                manifest = json.load(t.extractfile("manifest.json"))
                tensors = load(t.extractfile("weights.safetensors").read())
            x = np.array(json.loads(sys.argv[2]), dtype=np.float64)
            x = (x - np.array(manifest["normalization"]["mean"])) / np.array(manifest["normalization"]["std"])
            for n, layer in enumerate(manifest["architecture"]["layers"]):
                w = tensors[f"layers.{n}.weight"].astype(np.float32)
                if f"layers.{n}.weight_scale" in tensors:
                    w = w * tensors[f"layers.{n}.weight_scale"][:, None]
                x = x @ w.T + tensors[f"layers.{n}.bias"]
                x = ACTIVATIONS[layer["activation"]](x)
            print(json.dumps([float(v) for v in x]))
            """
        let inputJSON = "[" + input.map { "\($0)" }.joined(separator: ", ") + "]"
        let output = try ArchiveTestSupport.run(python, ["-c", script, path, inputJSON])
        let fromPython = try JSONDecoder().decode([Double].self, from: Data(output.utf8))
        let expected = Self.forward(decoded, input)
        #expect(fromPython.count == expected.count)
        for (a, b) in zip(fromPython, expected) { #expect(abs(a - b) <= 1e-9) }
    }

    /// Plain float64 forward pass for the activations used above.
    static func forward(_ model: Model, _ input: [Float]) -> [Double] {
        var x = zip(input, zip(model.normalizer.mean, model.normalizer.std)).map { Double(($0 - $1.0) / $1.1) }
        for layer in model.layers {
            x = (0..<layer.outputs).map { r in
                var sum = Double(layer.bias[r])
                for c in 0..<layer.inputs { sum += Double(layer.weight[r, c]) * x[c] }
                switch layer.activation {
                case .tanh: return Foundation.tanh(sum)
                case .gelu: return 0.5 * sum * (1 + erf(sum / 2.0.squareRoot()))
                default: return sum
                }
            }
        }
        return x
    }

    func member(_ name: String, of archive: Data) throws -> Data {
        try #require(try TarArchive.read(archive, name: "archive").first { $0.name == name }).data
    }
}
