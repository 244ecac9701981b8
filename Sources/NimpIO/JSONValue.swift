import Foundation

/// Any JSON value: what nimp reads from untrusted files (safetensors headers, manifests,
/// JSON lines, registry files) and the open-ended fields it writes (history, metrics).
/// Objects keep their members in order; integers stay exact up to 2^64 − 1.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    /// An integer above `Int.max` (a safetensors offset, say); smaller ones are `.int`.
    case unsigned(UInt64)
    /// Any other number. Written as null when not finite (JSON has no NaN).
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// Parses `data` strictly (see `JSONParser`); throws `JSONSyntaxError`. Files with a
    /// name to report go through `JSONCoding.parse`.
    public init(parsing data: Data) throws {
        self = try JSONParser.parse(data)
    }

    /// `.int` when `value` fits an Int, else `.unsigned`.
    public init(integer value: UInt64) {
        self = value <= UInt64(Int.max) ? .int(Int(value)) : .unsigned(value)
    }

    /// An object from a dictionary, keys sorted so the order is stable.
    @_disfavoredOverload
    public static func object(_ dictionary: [String: JSONValue]) -> JSONValue {
        .object(JSONObject(dictionary))
    }

    /// A metrics dictionary as JSON numbers, keys sorted.
    public static func metrics(_ values: [String: Double]) -> JSONValue {
        .object(JSONObject(values.mapValues { .number($0) }))
    }

    /// The value as a Double when it is a number.
    public var double: Double? {
        switch self {
        case .int(let i): Double(i)
        case .unsigned(let u): Double(u)
        case .number(let d): d
        default: nil
        }
    }

    /// The value as an Int when it is an integral number that fits.
    public var int: Int? {
        switch self {
        case .int(let i): i
        case .number(let d): d.rounded() == d && abs(d) < 1e15 ? Int(d) : nil
        default: nil
        }
    }

    /// An integer literal (no fraction, no exponent, no minus sign) that fits in Int.
    public var nonNegativeInt: Int? {
        if case .int(let i) = self, i >= 0 { return i }
        return nil
    }

    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var array: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The members of an object, in order.
    public var members: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The members of an object as a dictionary (order lost).
    public var object: [String: JSONValue]? {
        members?.dictionary
    }

    public subscript(key: String) -> JSONValue? {
        members?[key]
    }

    /// The numeric members of an object (non-numbers are left out).
    public var metrics: [String: Double] {
        var out: [String: Double] = [:]
        for (k, v) in members ?? [:] { if let d = v.double { out[k] = d } }
        return out
    }

    /// The value in a few words for error messages ("-3", "1.5", "the string \"a\"", "an object").
    public var summary: String {
        switch self {
        case .object: return "an object"
        case .array: return "an array"
        case .string(let s): return "the string \(JSONText.quote(String(s.prefix(40))))"
        case .int(let i): return String(i)
        case .unsigned(let u): return String(u)
        case .number(let d): return d == d.rounded() && abs(d) < 1e15 ? String(format: "%.1f", d) : "\(d)"
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        }
    }
}

/// The members of a JSON object in order, each key once. Reads like a dictionary
/// (`o["k"]`, `keys`, `mapValues`, dictionary literals) and iterates as (key, value).
/// Equality ignores order, as for JSON objects.
public struct JSONObject: Sendable, Hashable, RandomAccessCollection, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: String, value: JSONValue)

    public private(set) var keys: [String] = []
    public private(set) var values: [JSONValue] = []
    /// Key → position, kept only past a few members; small objects are scanned.
    private var positions: [String: Int]?
    private static let scanLimit = 12

    public init() {}

    /// Later duplicates replace earlier values, in the first one's place.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        for (k, v) in elements { self[k] = v }
    }

    /// A dictionary's members with keys sorted.
    public init(_ dictionary: [String: JSONValue]) {
        for k in dictionary.keys.sorted() { append(k, dictionary[k]!) }
    }

    /// Pairs in order; a key seen before replaces the earlier value in place.
    public init(_ pairs: some Sequence<(String, JSONValue)>) {
        for (k, v) in pairs { self[k] = v }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { keys.count }
    public subscript(position: Int) -> Element { (keys[position], values[position]) }

    public func position(of key: String) -> Int? {
        if let positions { return positions[key] }
        return keys.firstIndex(of: key)
    }

    public subscript(key: String) -> JSONValue? {
        get { position(of: key).map { values[$0] } }
        set {
            if let k = position(of: key) {
                if let newValue { values[k] = newValue } else { remove(at: k) }
            } else if let newValue {
                append(key, newValue)
            }
        }
    }

    /// Adds a member unless `key` is already there; false when it is (a duplicate).
    @discardableResult
    public mutating func insertNew(_ key: String, _ value: JSONValue) -> Bool {
        guard position(of: key) == nil else { return false }
        append(key, value)
        return true
    }

    private mutating func append(_ key: String, _ value: JSONValue) {
        keys.append(key)
        values.append(value)
        if positions != nil {
            positions![key] = keys.count - 1
        } else if keys.count > Self.scanLimit {
            positions = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) })
        }
    }

    private mutating func remove(at k: Int) {
        keys.remove(at: k)
        values.remove(at: k)
        if positions != nil { positions = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) }) }
    }

    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let k = position(of: key) else { return nil }
        let old = values[k]
        remove(at: k)
        return old
    }

    public func mapValues(_ transform: (JSONValue) throws -> JSONValue) rethrows -> JSONObject {
        var out = self
        out.values = try values.map(transform)
        return out
    }

    public func compactMapValues<T>(_ transform: (JSONValue) throws -> T?) rethrows -> [String: T] {
        var out: [String: T] = [:]
        for (k, v) in zip(keys, values) { if let t = try transform(v) { out[k] = t } }
        return out
    }

    public var dictionary: [String: JSONValue] {
        Dictionary(zip(keys, values), uniquingKeysWith: { first, _ in first })
    }

    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        a.count == b.count && zip(a.keys, a.values).allSatisfy { b[$0] == $1 }
    }

    public func hash(into hasher: inout Hasher) {
        var sum = 0
        for (k, v) in zip(keys, values) {
            var h = Hasher()
            h.combine(k)
            h.combine(v)
            sum &+= h.finalize()
        }
        hasher.combine(count)
        hasher.combine(sum)
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
    public init(nilLiteral: ()) { self = .null }
}

extension JSONValue: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? container.decode(Int.self) {
            self = .int(i)
        } else if let u = try? container.decode(UInt64.self) {
            self = .unsigned(u)
        } else if let d = try? container.decode(Double.self) {
            self = .number(d)
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else if let a = try? container.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(JSONObject(try container.decode([String: JSONValue].self)))
        }
    }

    public func encode(to encoder: Encoder) throws {
        switch self {
        case .object(let o):
            var container = encoder.container(keyedBy: JSONKey.self)
            for (k, v) in o { try container.encode(v, forKey: JSONKey(k)) }
        default:
            var container = encoder.singleValueContainer()
            switch self {
            case .null, .object: try container.encodeNil()
            case .bool(let b): try container.encode(b)
            case .int(let i): try container.encode(i)
            case .unsigned(let u): try container.encode(u)
            // The one NaN policy: JSON has no NaN or infinity, so they are written as null.
            case .number(let d): if d.isFinite { try container.encode(d) } else { try container.encodeNil() }
            case .string(let s): try container.encode(s)
            case .array(let a): try container.encode(a)
            }
        }
    }
}

/// A coding key for any string or array index.
struct JSONKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ string: String) { stringValue = string }
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }
}
