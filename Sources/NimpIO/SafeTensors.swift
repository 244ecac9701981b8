import Foundation
import NimpCore

/// Element types of safetensors tensors that nimp reads and writes.
public enum DType: String, Sendable, CaseIterable {
    case F32, F16, BF16, F64, I8, U8, I16, I32, I64, BOOL

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .I8, .U8, .BOOL: return 1
        case .F16, .BF16, .I16: return 2
        case .F32, .I32: return 4
        case .F64, .I64: return 8
        }
    }

    public var isFloat: Bool { [.F32, .F16, .BF16, .F64].contains(self) }
    public var isInteger: Bool { [.I8, .U8, .I16, .I32, .I64].contains(self) }
}

/// One tensor's entry in a safetensors header.
public struct TensorInfo: Sendable, Equatable {
    public let name: String
    public let dtype: DType
    public let shape: [Int]
    /// Byte range relative to the start of the data section (after the header).
    public let byteRange: Range<Int>

    /// Number of elements (the product of `shape`; validated not to overflow).
    public var count: Int { byteRange.count / dtype.size }
}

/// A validated safetensors file: `u64 little-endian header length`, a JSON header, then
/// the tensors' bytes. Nothing in the header is trusted: every offset and size is
/// checked, overflow-safe, before any tensor data is read.
public struct SafeTensorsFile: Sendable {
    /// Largest header accepted, as in the reference implementation.
    public static let maxHeaderBytes = 100_000_000

    /// `__metadata__`: string keys and string values.
    public let metadata: [String: String]
    /// Every tensor, in offset order.
    public let tensors: [TensorInfo]
    /// The file name used in error messages.
    public let name: String

    private let data: Data
    /// The mapping `data` reads from, when the file was mapped (tensors can then be read in place).
    private let mapping: FileMapping?
    /// Offset of the data section within `data`.
    private let dataStart: Int
    private let index: [String: Int]

    /// Validates `data` as a safetensors file. `name` names the file in error messages.
    /// Every violation is `NimpError` exit 65 naming the place (header, tensor) and what
    /// was expected.
    public init(data: Data, name: String) throws {
        try self.init(data: data, mapping: nil, name: name)
    }

    init(mapping: FileMapping?, name: String) throws {
        try self.init(data: mapping?.data ?? Data(), mapping: mapping, name: name)
    }

    private init(data: Data, mapping: FileMapping?, name: String) throws {
        self.name = name
        self.data = data
        self.mapping = mapping
        let total = data.count
        let prefix = data.withUnsafeBytes { Array($0.prefix(9)) }
        if let format = Self.foreignFormat(prefix) {
            throw NimpError.data(name, "byte 0", "this looks like \(format), not safetensors",
                                 hint: "convert it with Python: safetensors.torch.save_file(torch.load(path), 'out.safetensors')")
        }
        guard total >= 8 else {
            throw NimpError.data(name, "byte 0", "file is \(total) bytes; a safetensors file starts with an 8-byte header length")
        }
        let declared = prefix.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        let available = UInt64(total - 8)
        guard declared <= available else {
            throw NimpError.data(name, "header", "the length field says \(declared) bytes, but only \(available) bytes follow it")
        }
        guard declared <= UInt64(Self.maxHeaderBytes) else {
            throw NimpError.data(name, "header", "the length field says \(declared) bytes, over the \(Self.maxHeaderBytes)-byte limit")
        }
        let headerLength = Int(declared)
        dataStart = 8 + headerLength
        let dataLength = total - dataStart
        let header = try data.withUnsafeBytes { raw in
            try Self.parseHeader(UnsafeBufferPointer(rebasing: raw.bindMemory(to: UInt8.self)[8..<(8 + headerLength)]), name: name)
        }
        var metadata: [String: String] = [:]
        var tensors: [TensorInfo] = []
        var seen = Set<String>()
        for (key, value) in header {
            guard seen.insert(key).inserted else {
                throw NimpError.data(name, "header", "the name \(JSONText.quote(key)) appears twice")
            }
            if key == "__metadata__" {
                metadata = try Self.parseMetadata(value, name: name)
            } else {
                tensors.append(try Self.parseTensor(key, value, dataLength: dataLength, name: name))
            }
        }
        tensors.sort { ($0.byteRange.lowerBound, $0.byteRange.upperBound) < ($1.byteRange.lowerBound, $1.byteRange.upperBound) }
        try Self.checkCoverage(tensors, dataLength: dataLength, name: name)
        self.metadata = metadata
        self.tensors = tensors
        index = Dictionary(uniqueKeysWithValues: tensors.enumerated().map { ($1.name, $0) })
    }

    /// Maps the file at `path` and validates it. Missing or unreadable → exit 66.
    public static func read(path: String) throws -> SafeTensorsFile {
        try SafeTensorsFile(mapping: try MappedFile.map(path), name: path)
    }

    /// An F32 tensor's values read in place from the mapped file, without a copy: nil when
    /// the file is not mapped, the tensor is not F32, or its bytes are not Float-aligned
    /// (then `floats` copies them).
    public func mappedFloats(_ tensorName: String) -> MappedFloats? {
        #if _endian(little)
        guard let mapping, let t = info(tensorName), t.dtype == .F32 else { return nil }
        let start = mapping.base + dataStart + t.byteRange.lowerBound
        guard Int(bitPattern: start) % MemoryLayout<Float>.alignment == 0 else { return nil }
        return MappedFloats(base: start.assumingMemoryBound(to: Float.self), count: t.count, owner: mapping, fileBacked: true)
        #else
        return nil
        #endif
    }

    /// The entry for `name`, or nil.
    public func info(_ name: String) -> TensorInfo? {
        index[name].map { tensors[$0] }
    }

    /// A float tensor's values (F32, F16, BF16 or F64), converted to Float.
    public func floats(_ name: String) throws -> [Float] {
        let t = try tensor(name)
        switch t.dtype {
        case .F32: return elements(t, as: UInt32.self) { Float(bitPattern: UInt32(littleEndian: $0)) }
        case .F16: return elements(t, as: UInt16.self) { Half.float(UInt16(littleEndian: $0)) }
        case .BF16: return elements(t, as: UInt16.self) { Half.bfloat16(UInt16(littleEndian: $0)) }
        case .F64: return elements(t, as: UInt64.self) { Float(Double(bitPattern: UInt64(littleEndian: $0))) }
        default: throw wrongType(t, "a float dtype (F32, F16, BF16, F64)")
        }
    }

    /// An I8 tensor's values.
    public func int8(_ name: String) throws -> [Int8] {
        let t = try tensor(name)
        guard t.dtype == .I8 else { throw wrongType(t, "I8") }
        return elements(t, as: Int8.self) { $0 }
    }

    /// An integer tensor's values (I64, or I32, I16, I8, U8 widened).
    public func int64(_ name: String) throws -> [Int64] {
        let t = try tensor(name)
        switch t.dtype {
        case .I64: return elements(t, as: Int64.self) { Int64(littleEndian: $0) }
        case .I32: return elements(t, as: Int32.self) { Int64(Int32(littleEndian: $0)) }
        case .I16: return elements(t, as: Int16.self) { Int64(Int16(littleEndian: $0)) }
        case .I8: return elements(t, as: Int8.self) { Int64($0) }
        case .U8: return elements(t, as: UInt8.self) { Int64($0) }
        default: throw wrongType(t, "an integer dtype (I64, I32, I16, I8, U8)")
        }
    }

    /// A tensor's bytes as stored (little-endian), or empty Data for an unknown name.
    public func rawBytes(_ name: String) -> Data {
        guard let t = info(name) else { return Data() }
        return data.withUnsafeBytes { Data(UnsafeRawBufferPointer(rebasing: $0[(dataStart + t.byteRange.lowerBound)..<(dataStart + t.byteRange.upperBound)])) }
    }

    // MARK: Reading elements

    private func tensor(_ tensorName: String) throws -> TensorInfo {
        guard let t = info(tensorName) else {
            throw NimpError.data(name, "tensor \(JSONText.quote(tensorName))", "no such tensor (the file has \(tensors.map(\.name).prefix(20).joined(separator: ", ")))")
        }
        return t
    }

    private func wrongType(_ t: TensorInfo, _ expected: String) -> NimpError {
        NimpError.data(name, "tensor \(JSONText.quote(t.name))", "dtype \(t.dtype.rawValue), expected \(expected)")
    }

    private func elements<Stored, Element>(_ t: TensorInfo, as: Stored.Type, _ convert: (Stored) -> Element) -> [Element] {
        let start = dataStart + t.byteRange.lowerBound
        let count = t.count
        return data.withUnsafeBytes { raw in
            [Element](unsafeUninitializedCapacity: count) { out, initialized in
                let stride = MemoryLayout<Stored>.size
                for k in 0..<count {
                    out[k] = convert(raw.loadUnaligned(fromByteOffset: start &+ k &* stride, as: Stored.self))
                }
                initialized = count
            }
        }
    }

    // MARK: Validation

    /// Recognises what people mistake for safetensors. A real file has '{' at byte 8, and its
    /// first byte may well be 0x80 (a 128-byte header), so that decides first.
    private static func foreignFormat(_ prefix: [UInt8]) -> String? {
        if prefix.count == 9 && prefix[8] == UInt8(ascii: "{") { return nil }
        if prefix.count >= 2 && prefix[0] == 0x80 && (1...5).contains(prefix[1]) {
            return "a PyTorch pickle (torch.save with the legacy format)"
        }
        if prefix.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return "a zip archive (a PyTorch .pt/.bin checkpoint?)" }
        return nil
    }

    private static func parseHeader(_ bytes: UnsafeBufferPointer<UInt8>, name: String) throws -> JSONObject {
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw NimpError.data(name, "header", "not valid UTF-8 text")
        }
        guard bytes.first == UInt8(ascii: "{") else {
            throw NimpError.data(name, "header", "expected a JSON object starting with '{'")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch let e as JSONSyntaxError {
            throw NimpError.data(name, "header byte \(8 + e.offset)", e.explanation)
        }
        guard case .object(let members) = value else {
            throw NimpError.data(name, "header", "expected a JSON object")
        }
        return members
    }

    private static func parseMetadata(_ value: JSONValue, name: String) throws -> [String: String] {
        guard case .object(let members) = value else {
            throw NimpError.data(name, "__metadata__", "expected an object of strings, found \(value.summary)")
        }
        var out: [String: String] = [:]
        for (key, v) in members {
            guard case .string(let s) = v else {
                throw NimpError.data(name, "__metadata__ key \(JSONText.quote(key))", "expected a string value, found \(v.summary)")
            }
            guard out.updateValue(s, forKey: key) == nil else {
                throw NimpError.data(name, "__metadata__", "the key \(JSONText.quote(key)) appears twice")
            }
        }
        return out
    }

    private static func parseTensor(_ tensorName: String, _ value: JSONValue, dataLength: Int, name: String) throws -> TensorInfo {
        let place = "tensor \(JSONText.quote(tensorName))"
        func fail(_ what: String) -> NimpError { NimpError.data(name, place, what) }
        guard case .object(let fields) = value else { throw fail("expected an object with dtype, shape and data_offsets, found \(value.summary)") }
        var dtypeValue: JSONValue?, shapeValue: JSONValue?, offsetsValue: JSONValue?
        for (key, v) in fields {
            switch key {
            case "dtype": dtypeValue = v
            case "shape": shapeValue = v
            case "data_offsets": offsetsValue = v
            default: continue
            }
        }
        guard case .string(let dtypeName)? = dtypeValue else { throw fail("missing or non-string \"dtype\"") }
        guard let dtype = DType(rawValue: dtypeName) else {
            throw fail("unknown dtype \(JSONText.quote(dtypeName)); nimp reads \(DType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard case .array(let dims)? = shapeValue else { throw fail("missing \"shape\" array") }
        var shape: [Int] = []
        var count = 1
        var overflow = false
        for dim in dims {
            guard let n = dim.nonNegativeInt else { throw fail("shape entry \(dim.summary) is not a non-negative integer") }
            shape.append(n)
            let (product, o) = count.multipliedReportingOverflow(by: n)
            count = product
            overflow = overflow || o
        }
        guard case .array(let offsets)? = offsetsValue, offsets.count == 2 else {
            throw fail("\"data_offsets\" must be an array of two integers [begin, end]")
        }
        guard let begin = offsets[0].nonNegativeInt, let end = offsets[1].nonNegativeInt else {
            throw fail("data_offsets [\(offsets[0].summary), \(offsets[1].summary)] are not non-negative integers below 2^63")
        }
        guard begin <= end else { throw fail("data_offsets [\(begin), \(end)] are reversed (begin after end)") }
        guard end <= dataLength else {
            throw fail("data_offsets [\(begin), \(end)] reach past the end of the data (\(dataLength) bytes)")
        }
        let shapeText = "[" + shape.map(String.init).joined(separator: ", ") + "]"
        guard !overflow else { throw fail("shape \(shapeText) has more elements than a 64-bit count can hold") }
        let (bytes, o) = count.multipliedReportingOverflow(by: dtype.size)
        guard !o else { throw fail("shape \(shapeText) of \(dtype.rawValue) needs more bytes than a 64-bit size can hold") }
        guard bytes == end - begin else {
            throw fail("shape \(shapeText) of \(dtype.rawValue) needs \(bytes) bytes, but data_offsets [\(begin), \(end)] hold \(end - begin)")
        }
        return TensorInfo(name: tensorName, dtype: dtype, shape: shape, byteRange: begin..<end)
    }

    /// Sorted tensors must tile the data section exactly: no gap, no overlap, nothing left.
    private static func checkCoverage(_ tensors: [TensorInfo], dataLength: Int, name: String) throws {
        var position = 0
        var previous: TensorInfo?
        for t in tensors {
            if t.byteRange.lowerBound < position, let previous {
                throw NimpError.data(name, "tensor \(JSONText.quote(t.name))",
                                     "data_offsets [\(t.byteRange.lowerBound), \(t.byteRange.upperBound)] overlap tensor \(JSONText.quote(previous.name)) at [\(previous.byteRange.lowerBound), \(previous.byteRange.upperBound)]")
            }
            if t.byteRange.lowerBound > position {
                throw NimpError.data(name, "tensor \(JSONText.quote(t.name))",
                                     "data_offsets start at \(t.byteRange.lowerBound), leaving bytes \(position)..<\(t.byteRange.lowerBound) of the data unused")
            }
            position = t.byteRange.upperBound
            previous = t
        }
        guard position == dataLength else {
            throw NimpError.data(name, "data", "the tensors cover \(position) bytes, but the data section is \(dataLength) bytes")
        }
    }
}

/// Builds a safetensors file. Output is deterministic: `__metadata__` first with sorted
/// keys, tensors sorted by name (UTF-8 byte order) in the header and in the data, the
/// header padded with spaces to a multiple of 8 bytes.
public struct SafeTensorsWriter: Sendable {
    struct Entry: Sendable {
        var dtype: DType
        var shape: [Int]
        var bytes: Data
    }

    /// Written as `__metadata__` when not empty.
    public var metadata: [String: String] = [:]
    private var entries: [String: Entry] = [:]

    public init() {}

    /// Adds (or replaces) an F32 tensor.
    public mutating func add(_ name: String, floats: [Float], shape: [Int]) {
        add(name, dtype: .F32, shape: shape, count: floats.count, bytes: Self.littleEndianBytes(floats.map(\.bitPattern)))
    }

    /// Adds (or replaces) an F16 tensor, rounding each value to nearest even.
    public mutating func add(_ name: String, f16 floats: [Float], shape: [Int]) {
        add(name, dtype: .F16, shape: shape, count: floats.count, bytes: Self.littleEndianBytes(floats.map(Half.bits)))
    }

    /// Adds (or replaces) a BF16 tensor, rounding each value to nearest even.
    public mutating func add(_ name: String, bf16 floats: [Float], shape: [Int]) {
        add(name, dtype: .BF16, shape: shape, count: floats.count, bytes: Self.littleEndianBytes(floats.map(Half.bfloat16Bits)))
    }

    /// Adds (or replaces) an I8 tensor.
    public mutating func add(_ name: String, int8: [Int8], shape: [Int]) {
        add(name, dtype: .I8, shape: shape, count: int8.count, bytes: Self.littleEndianBytes(int8))
    }

    /// Adds (or replaces) an I64 tensor.
    public mutating func add(_ name: String, int64: [Int64], shape: [Int]) {
        add(name, dtype: .I64, shape: shape, count: int64.count, bytes: Self.littleEndianBytes(int64))
    }

    /// Adds (or replaces) a tensor from its little-endian bytes, e.g. copied from another file.
    public mutating func add(_ name: String, dtype: DType, shape: [Int], bytes: Data) {
        precondition(bytes.count % dtype.size == 0, "\(bytes.count) bytes is not a whole number of \(dtype.rawValue) elements")
        add(name, dtype: dtype, shape: shape, count: bytes.count / dtype.size, bytes: bytes)
    }

    private mutating func add(_ name: String, dtype: DType, shape: [Int], count: Int, bytes: Data) {
        precondition(name != "__metadata__", "__metadata__ is reserved")
        precondition(shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == count,
                     "tensor \(name): \(count) values do not fill shape \(shape)")
        entries[name] = Entry(dtype: dtype, shape: shape, bytes: bytes)
    }

    private static func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> Data {
        let little = values.map(\.littleEndian)
        return little.withUnsafeBytes { Data($0) }
    }

    static func utf8Order(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

    /// The file's bytes.
    public func encode() -> Data {
        var parts: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted(by: Self.utf8Order).map { JSONText.quote($0) + ":" + JSONText.quote(metadata[$0]!) }
            parts.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
        }
        let names = entries.keys.sorted(by: Self.utf8Order)
        var offset = 0
        for name in names {
            let e = entries[name]!
            let shape = e.shape.map(String.init).joined(separator: ",")
            parts.append(JSONText.quote(name) + ":{\"dtype\":\"\(e.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + e.bytes.count)]}")
            offset += e.bytes.count
        }
        var header = Array(("{" + parts.joined(separator: ",") + "}").utf8)
        header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)
        var out = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: header)
        for name in names { out.append(entries[name]!.bytes) }
        return out
    }
}

/// A read-only private mapping of a whole file, unmapped when the last user lets go.
final class FileMapping: @unchecked Sendable {
    let base: UnsafeRawPointer
    let length: Int

    init(base: UnsafeRawPointer, length: Int) {
        self.base = base
        self.length = length
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), length) }

    /// The mapped bytes as Data, without a copy; the Data keeps the mapping alive.
    var data: Data {
        Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: length, deallocator: .custom { _, _ in
            withExtendedLifetime(self) {}
        })
    }
}

/// Opening input files: a regular file mapped into memory; anything else is refused
/// before it is read, so a FIFO or /dev/zero cannot hang or exhaust memory.
enum MappedFile {
    /// The file mapped read-only; nil for an empty file. Missing, unreadable or not a
    /// regular file → exit 66.
    static func map(_ path: String) throws -> FileMapping? {
        // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below).
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            throw NimpError.missing(path, errno == ENOENT ? "no such file" : "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw NimpError.io(path, "cannot stat: \(String(cString: strerror(errno)))") }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw NimpError.missing(path, info.st_mode & S_IFMT == S_IFDIR ? "is a directory, expected a file" : "not a regular file")
        }
        if info.st_size == 0 { return nil }
        let length = Int(info.st_size)
        guard let p = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw NimpError.io(path, "cannot map: \(String(cString: strerror(errno)))")
        }
        return FileMapping(base: UnsafeRawPointer(p), length: length)
    }

    /// The file's bytes, mapped. Missing, unreadable or not a regular file → exit 66.
    static func read(_ path: String) throws -> Data {
        try map(path)?.data ?? Data()
    }
}
