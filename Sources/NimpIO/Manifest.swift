import Foundation
import NimpCore

/// `manifest.json`, the first member of a `.nimp` archive: what the model is, where it
/// came from, and the size and sha256 of every other member. JSON keys are snake_case,
/// written with sorted keys so the same manifest always gives the same bytes.
public struct Manifest: Codable, Sendable, Equatable {
    /// The only `format` value nimp reads.
    public static let formatName = "nimp-model"
    /// The newest `format_version` this nimp reads and the one it writes.
    public static let currentFormatVersion = 1

    public var format: String
    public var formatVersion: Int
    /// Registry model id and version, when the archive belongs to a registry.
    public var id: String?
    public var version: Int?
    public var task: Task
    public var architecture: Architecture
    public var normalization: Normalizer
    public var featureNames: [String]
    public var targetNames: [String]
    /// How a table's columns become the inputs (encoding, fill values) and which column is
    /// the target; absent in archives made before nimp read raw tables.
    public var schema: TableSchema?
    /// When a signal stopped the run that made this model (ISO 8601 UTC): it holds the best
    /// weights up to that point, not a finished run.
    public var interruptedAt: String?
    /// `"int8"` or `"f16"` when some layer stores compressed weights, nil when all are F32.
    public var quantization: String?
    public var pruning: Pruning?
    public var genome: Genome?
    public var lineage: Lineage
    /// Metrics measured when the archive was made (e.g. `r2`, `accuracy`); finite values only.
    public var metrics: [String: Double]
    /// Every member after the manifest, in archive order.
    public var members: [MemberDigest]

    public init(format: String = Manifest.formatName, formatVersion: Int = Manifest.currentFormatVersion,
                id: String? = nil, version: Int? = nil, task: Task, architecture: Architecture,
                normalization: Normalizer, featureNames: [String], targetNames: [String],
                quantization: String? = nil, pruning: Pruning? = nil, genome: Genome? = nil,
                lineage: Lineage, metrics: [String: Double] = [:], members: [MemberDigest] = []) {
        self.format = format
        self.formatVersion = formatVersion
        self.id = id
        self.version = version
        self.task = task
        self.architecture = architecture
        self.normalization = normalization
        self.featureNames = featureNames
        self.targetNames = targetNames
        self.quantization = quantization
        self.pruning = pruning
        self.genome = genome
        self.lineage = lineage
        self.metrics = metrics
        self.members = members
    }

    /// A manifest whose model-derived fields (task, architecture, normalization, names,
    /// quantization) describe `model`.
    public init(model: Model, lineage: Lineage, id: String? = nil, version: Int? = nil,
                genome: Genome? = nil, metrics: [String: Double] = [:], pruning: Pruning? = nil) {
        self.init(id: id, version: version, task: model.task, architecture: Architecture(model: model),
                  normalization: model.normalizer, featureNames: model.featureNames,
                  targetNames: model.targetNames, pruning: pruning, genome: genome, lineage: lineage,
                  metrics: metrics)
        describe(model)
    }

    /// Overwrites the fields that describe the model itself with `model`'s.
    public mutating func describe(_ model: Model) {
        task = model.task
        architecture = Architecture(model: model)
        normalization = model.normalizer
        featureNames = model.featureNames
        targetNames = model.targetNames
        schema = model.table
        let storages = Set(model.layers.map(\.storage))
        quantization = storages.contains(.int8) ? "int8" : storages.contains(.f16) ? "f16" : nil
        if model.layers.contains(where: { $0.mask != nil }) {
            let weights = model.layers.reduce(0) { $0 + $1.weight.data.count }
            let zeros = model.layers.reduce(0) { count, layer in count + Self.prunedCount(layer) }
            var state = pruning?.kind == Pruning.weights ? pruning! : Pruning(kind: Pruning.weights, fraction: pruning?.fraction)
            state.sparsity = weights == 0 ? 0 : Double(zeros) / Double(weights)
            pruning = state
        } else if pruning?.kind == Pruning.weights {
            pruning = nil
        }
    }

    /// Weights that are zero or masked out (they are written as zeros).
    static func prunedCount(_ layer: DenseLayer) -> Int {
        guard let mask = layer.mask else { return layer.weight.data.lazy.filter { $0 == 0 }.count }
        return zip(layer.weight.data, mask.data).lazy.filter { $0 == 0 || $1 == 0 }.count
    }

    /// The manifest as pretty-printed JSON with sorted keys, ending in a newline.
    public func encoded() throws -> Data {
        if let bad = metrics.first(where: { !$0.value.isFinite }) {
            throw NimpError(.dataError, "manifest.json: metric \"\(bad.key)\" is \(bad.value); metrics must be finite numbers")
        }
        return try JSONCoding.pretty(self)
    }

    /// Parses `manifest.json`. `file` names it in errors (e.g. `m.nimp: manifest.json`).
    /// Checks format and version first, so an archive from a newer nimp gets a hint
    /// rather than a schema error.
    public static func decode(_ data: Data, file: String) throws -> Manifest {
        let value = JSONValue.object(try JSONCoding.parseObject(data, file: file))
        // Read from the parsed value when it is well formed; the decoder explains it when not.
        let header = if let format = value["format"]?.string, let version = value["format_version"]?.int {
            FormatHeader(format: format, formatVersion: version)
        } else {
            try JSONCoding.decodeChecked(FormatHeader.self, from: value, file: file,
                                         hint: "manifest.json must be a JSON object with \"format\" and \"format_version\"")
        }
        guard header.format == formatName else {
            throw NimpError.data(file, "format", "is \(String(reflecting: header.format)), expected \"\(formatName)\"",
                                 hint: "this is not a nimp model archive")
        }
        guard header.formatVersion <= currentFormatVersion else {
            throw NimpError.data(file, "format_version", "is \(header.formatVersion); this nimp reads up to version \(currentFormatVersion)",
                                 hint: "written by a newer nimp? upgrade nimp to read it")
        }
        guard header.formatVersion >= 1 else {
            throw NimpError.data(file, "format_version", "is \(header.formatVersion), expected 1 to \(currentFormatVersion)")
        }
        return try JSONCoding.decodeChecked(Manifest.self, from: value, file: file)
    }

    enum CodingKeys: String, CodingKey {
        case format, id, version, task, architecture, normalization, quantization, pruning, genome, lineage, metrics, members
        case formatVersion = "format_version"
        case featureNames = "feature_names"
        case targetNames = "target_names"
        case schema
        case interruptedAt = "interrupted_at"
    }

    private struct FormatHeader: Decodable {
        var format: String
        var formatVersion: Int

        enum CodingKeys: String, CodingKey {
            case format
            case formatVersion = "format_version"
        }
    }
}

extension Manifest {
    /// The network's shape: inputs, then each layer's width and activation.
    public struct Architecture: Codable, Sendable, Equatable {
        public var inputs: Int
        public var layers: [LayerSpec]
        public var outputs: Int

        public init(inputs: Int, layers: [LayerSpec], outputs: Int) {
            self.inputs = inputs
            self.layers = layers
            self.outputs = outputs
        }

        public init(model: Model) {
            self.init(inputs: model.inputs,
                      layers: model.layers.map { LayerSpec(units: $0.outputs, activation: $0.activation, storage: $0.storage, pruned: $0.mask != nil) },
                      outputs: model.outputs)
        }
    }

    /// One dense layer: output width, activation, how its weights are stored, and
    /// whether it carries a magnitude-pruning mask (rebuilt as `weight != 0` on reading).
    public struct LayerSpec: Codable, Sendable, Equatable {
        public var units: Int
        public var activation: Activation
        public var storage: WeightStorage
        public var pruned: Bool?

        public init(units: Int, activation: Activation, storage: WeightStorage = .f32, pruned: Bool? = nil) {
            self.units = units
            self.activation = activation
            self.storage = storage
            self.pruned = pruned == true ? true : nil
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            units = try container.decode(Int.self, forKey: .units)
            let name = try container.decode(String.self, forKey: .activation)
            guard let activation = Activation(rawValue: name) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .activation, in: container,
                    debugDescription: "unknown activation \(String(reflecting: name)), expected one of \(Activation.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            self.activation = activation
            let storageName = try container.decodeIfPresent(String.self, forKey: .storage) ?? "f32"
            guard let storage = WeightStorage(rawValue: storageName) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .storage, in: container,
                    debugDescription: "unknown weight storage \(String(reflecting: storageName)), expected f32, f16 or int8")
            }
            self.storage = storage
            pruned = try container.decodeIfPresent(Bool.self, forKey: .pruned)
        }
    }

    /// Pruning state: `kind` is `"weights"` (magnitude pruning; pruned weights are
    /// zeros) or `"neurons"` (structured; the layers really shrank).
    public struct Pruning: Codable, Sendable, Equatable {
        public static let weights = "weights"
        public static let neurons = "neurons"

        public var kind: String
        /// The fraction that was asked for.
        public var fraction: Double?
        /// The fraction of all weights that are zero (weight pruning).
        public var sparsity: Double?

        public init(kind: String, fraction: Double? = nil, sparsity: Double? = nil) {
            self.kind = kind
            self.fraction = fraction
            self.sparsity = sparsity
        }
    }

    /// Where a model came from. `operation` is one of `train`, `continue`, `quantize`,
    /// `prune-neurons`, `prune-weights`, `distill`, `evolve`, `import`.
    public struct Lineage: Codable, Sendable, Equatable {
        /// Registry version of the parent model.
        public var parent: Int?
        public var parentSha256: String?
        public var operation: String
        /// The teacher archive (path or sha256) for `distill` and teacher-labelled data.
        public var teacher: String?
        public var datasetSha256: String?
        public var seed: UInt64?
        public var commandLine: [String]
        /// ISO 8601, UTC, e.g. `2025-01-31T12:00:00Z`.
        public var createdAt: String
        public var parameters: [String: String]?
        /// The GEMM kernels of the process that made the model (`BLASKernel.summary`): with
        /// the seed, what reproduces its weights bit for bit. Absent in older archives.
        public var kernels: String?

        public init(operation: String, parent: Int? = nil, parentSha256: String? = nil, teacher: String? = nil,
                    datasetSha256: String? = nil, seed: UInt64? = nil, commandLine: [String] = [],
                    createdAt: String = Lineage.now(), parameters: [String: String]? = nil, kernels: String? = nil) {
            self.parent = parent
            self.parentSha256 = parentSha256
            self.operation = operation
            self.teacher = teacher
            self.datasetSha256 = datasetSha256
            self.seed = seed
            self.commandLine = commandLine
            self.createdAt = createdAt
            self.parameters = parameters
            self.kernels = kernels
        }

        /// The current time as ISO 8601 UTC with whole seconds.
        public static func now() -> String {
            ISO8601DateFormatter().string(from: Date())
        }

        enum CodingKeys: String, CodingKey {
            case parent, operation, teacher, seed, parameters, kernels
            case parentSha256 = "parent_sha256"
            case datasetSha256 = "dataset_sha256"
            case commandLine = "command_line"
            case createdAt = "created_at"
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            parent = try c.decodeIfPresent(Int.self, forKey: .parent)
            parentSha256 = try c.decodeIfPresent(String.self, forKey: .parentSha256)
            operation = try c.decode(String.self, forKey: .operation)
            teacher = try c.decodeIfPresent(String.self, forKey: .teacher)
            datasetSha256 = try c.decodeIfPresent(String.self, forKey: .datasetSha256)
            commandLine = try c.decode([String].self, forKey: .commandLine)
            createdAt = try c.decode(String.self, forKey: .createdAt)
            parameters = try c.decodeIfPresent([String: String].self, forKey: .parameters)
            kernels = try c.decodeIfPresent(String.self, forKey: .kernels)
            if let text = try? c.decodeIfPresent(String.self, forKey: .seed) {
                guard let value = UInt64(text) else {
                    throw DecodingError.dataCorruptedError(forKey: .seed, in: c, debugDescription: "expected an unsigned 64-bit integer")
                }
                seed = value
            } else {
                seed = try c.decodeIfPresent(UInt64.self, forKey: .seed)
            }
        }

        /// A seed of 2^53 or more is written as a string: jq and JavaScript read JSON
        /// numbers as doubles and would round it.
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeIfPresent(parent, forKey: .parent)
            try c.encodeIfPresent(parentSha256, forKey: .parentSha256)
            try c.encode(operation, forKey: .operation)
            try c.encodeIfPresent(teacher, forKey: .teacher)
            try c.encodeIfPresent(datasetSha256, forKey: .datasetSha256)
            try c.encode(commandLine, forKey: .commandLine)
            try c.encode(createdAt, forKey: .createdAt)
            try c.encodeIfPresent(parameters, forKey: .parameters)
            try c.encodeIfPresent(kernels, forKey: .kernels)
            if let seed {
                if seed < 1 << 53 { try c.encode(seed, forKey: .seed) } else { try c.encode(String(seed), forKey: .seed) }
            }
        }
    }

    /// The size and sha256 (lowercase hex) of one archive member.
    public struct MemberDigest: Codable, Sendable, Equatable {
        public var name: String
        public var size: Int
        public var sha256: String

        public init(name: String, size: Int, sha256: String) {
            self.name = name
            self.size = size
            self.sha256 = sha256
        }
    }
}
