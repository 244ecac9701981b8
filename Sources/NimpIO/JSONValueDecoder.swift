import Foundation

/// Decodable types read from a `JSONValue` already parsed (strictly, by JSONParser), so a
/// file is parsed once and not again by Foundation's decoder, which cost most of the time
/// of a plan or gate over thousands of models. It follows JSONDecoder's default
/// strategies (Data as base64, URL as a string) and throws the DecodingErrors that
/// `JSONCoding.explain` turns into messages.
public struct JSONValueDecoder: Decoder {
    let value: JSONValue
    public let codingPath: [any CodingKey]
    public var userInfo: [CodingUserInfoKey: Any] { [:] }

    public init(_ value: JSONValue, codingPath: [any CodingKey] = []) {
        self.value = value
        self.codingPath = codingPath
    }

    public static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try decodeValue(type, value, [])
    }

    public func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw Self.mismatch([String: Any].self, value, codingPath) }
        return KeyedDecodingContainer(Keyed<Key>(members: members, codingPath: codingPath))
    }

    public func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else { throw Self.mismatch([Any].self, value, codingPath) }
        return Unkeyed(elements: elements, codingPath: codingPath)
    }

    public func singleValueContainer() throws -> any SingleValueDecodingContainer {
        Single(value: value, codingPath: codingPath)
    }

    static func mismatch(_ type: Any.Type, _ value: JSONValue, _ path: [any CodingKey]) -> DecodingError {
        if value == .null {
            return .valueNotFound(type, .init(codingPath: path, debugDescription: "Expected \(type) value but found null instead."))
        }
        return .typeMismatch(type, .init(codingPath: path, debugDescription: "Expected to decode \(type) but found \(value.summary) instead."))
    }

    static func decodeValue<T: Decodable>(_ type: T.Type, _ value: JSONValue, _ path: [any CodingKey]) throws -> T {
        if T.self == JSONValue.self { return value as! T }
        if T.self == String.self {
            guard case .string(let s) = value else { throw mismatch(type, value, path) }
            return s as! T
        }
        if T.self == Double.self { return try double(value, path) as! T }
        if T.self == Int.self { return try integer(Int.self, value, path) as! T }
        if T.self == Bool.self {
            guard case .bool(let b) = value else { throw mismatch(type, value, path) }
            return b as! T
        }
        if T.self == Float.self { return try float(value, path) as! T }
        if T.self == URL.self {
            guard case .string(let s) = value else { throw mismatch(type, value, path) }
            guard let url = URL(string: s) else {
                throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "Invalid URL string."))
            }
            return url as! T
        }
        if T.self == Data.self {
            guard case .string(let s) = value else { throw mismatch(type, value, path) }
            guard let data = Data(base64Encoded: s) else {
                throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "Encountered Data is not valid Base64."))
            }
            return data as! T
        }
        if let fixed = T.self as? any FixedWidthInteger.Type { return try integer(fixed, value, path) as! T }
        return try T(from: JSONValueDecoder(value, codingPath: path))
    }

    static func double(_ value: JSONValue, _ path: [any CodingKey]) throws -> Double {
        guard let d = value.double else { throw mismatch(Double.self, value, path) }
        return d
    }

    static func float(_ value: JSONValue, _ path: [any CodingKey]) throws -> Float {
        let d = try double(value, path)
        guard abs(d) <= Double(Float.greatestFiniteMagnitude) else {
            throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "Parsed JSON number <\(d)> does not fit in Float."))
        }
        return Float(d)
    }

    static func integer<I: FixedWidthInteger>(_ type: I.Type, _ value: JSONValue, _ path: [any CodingKey]) throws -> I {
        let fitted: I?
        switch value {
        case .int(let i): fitted = I(exactly: i)
        case .unsigned(let u): fitted = I(exactly: u)
        case .number(let d): fitted = d.rounded() == d ? I(exactly: d) : nil
        default: throw mismatch(type, value, path)
        }
        guard let fitted else {
            throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "Parsed JSON number <\(value.summary)> does not fit in \(type)."))
        }
        return fitted
    }

    struct Index: CodingKey {
        var intValue: Int?
        var stringValue: String { "Index \(intValue!)" }
        init(_ i: Int) { intValue = i }
        init?(stringValue: String) { nil }
        init?(intValue: Int) { self.intValue = intValue }
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let members: JSONObject
        let codingPath: [any CodingKey]
        var allKeys: [Key] { members.keys.compactMap { Key(stringValue: $0) } }

        func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

        func value(_ key: Key) throws -> JSONValue {
            guard let v = members[key.stringValue] else {
                throw DecodingError.keyNotFound(key, .init(codingPath: codingPath,
                                                           debugDescription: "No value associated with key \(key.stringValue)."))
            }
            return v
        }

        func decodeNil(forKey key: Key) throws -> Bool { try value(key) == .null }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            try JSONValueDecoder.decodeValue(type, try value(key), codingPath + [key])
        }
        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
            guard let v = members[key.stringValue], v != .null else { return nil }
            return try JSONValueDecoder.decodeValue(type, v, codingPath + [key])
        }
        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decode(type as (any Decodable.Type), key) }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try decode(type as (any Decodable.Type), key) }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decode(type as (any Decodable.Type), key) }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decode(type as (any Decodable.Type), key) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decode(type as (any Decodable.Type), key) }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decode(type as (any Decodable.Type), key) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decode(type as (any Decodable.Type), key) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decode(type as (any Decodable.Type), key) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decode(type as (any Decodable.Type), key) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decode(type as (any Decodable.Type), key) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decode(type as (any Decodable.Type), key) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decode(type as (any Decodable.Type), key) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decode(type as (any Decodable.Type), key) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decode(type as (any Decodable.Type), key) }

        private func decode<T>(_ type: any Decodable.Type, _ key: Key) throws -> T {
            try JSONValueDecoder.decodeValue(type, try value(key), codingPath + [key]) as! T
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            try JSONValueDecoder(try value(key), codingPath: codingPath + [key]).container(keyedBy: type)
        }
        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try JSONValueDecoder(try value(key), codingPath: codingPath + [key]).unkeyedContainer()
        }
        func superDecoder() throws -> any Decoder {
            JSONValueDecoder(members["super"] ?? .null, codingPath: codingPath)
        }
        func superDecoder(forKey key: Key) throws -> any Decoder {
            JSONValueDecoder(members[key.stringValue] ?? .null, codingPath: codingPath + [key])
        }
    }

    struct Unkeyed: UnkeyedDecodingContainer {
        let elements: [JSONValue]
        let codingPath: [any CodingKey]
        var currentIndex = 0
        var count: Int? { elements.count }
        var isAtEnd: Bool { currentIndex >= elements.count }

        init(elements: [JSONValue], codingPath: [any CodingKey]) {
            self.elements = elements
            self.codingPath = codingPath
        }

        mutating func next(_ type: Any.Type) throws -> (JSONValue, [any CodingKey]) {
            guard !isAtEnd else {
                throw DecodingError.valueNotFound(type, .init(codingPath: codingPath + [Index(currentIndex)],
                                                              debugDescription: "Unkeyed container is at end."))
            }
            defer { currentIndex += 1 }
            return (elements[currentIndex], codingPath + [Index(currentIndex)])
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd, elements[currentIndex] == .null else { return false }
            currentIndex += 1
            return true
        }
        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
            let (v, path) = try next(type)
            return try JSONValueDecoder.decodeValue(type, v, path)
        }
        mutating func decode(_ type: Bool.Type) throws -> Bool { try decodeAny(type) }
        mutating func decode(_ type: String.Type) throws -> String { try decodeAny(type) }
        mutating func decode(_ type: Double.Type) throws -> Double { try decodeAny(type) }
        mutating func decode(_ type: Float.Type) throws -> Float { try decodeAny(type) }
        mutating func decode(_ type: Int.Type) throws -> Int { try decodeAny(type) }
        mutating func decode(_ type: Int8.Type) throws -> Int8 { try decodeAny(type) }
        mutating func decode(_ type: Int16.Type) throws -> Int16 { try decodeAny(type) }
        mutating func decode(_ type: Int32.Type) throws -> Int32 { try decodeAny(type) }
        mutating func decode(_ type: Int64.Type) throws -> Int64 { try decodeAny(type) }
        mutating func decode(_ type: UInt.Type) throws -> UInt { try decodeAny(type) }
        mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try decodeAny(type) }
        mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try decodeAny(type) }
        mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try decodeAny(type) }
        mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try decodeAny(type) }

        private mutating func decodeAny<T>(_ type: any Decodable.Type) throws -> T {
            let (v, path) = try next(type)
            return try JSONValueDecoder.decodeValue(type, v, path) as! T
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            let (v, path) = try next([String: Any].self)
            return try JSONValueDecoder(v, codingPath: path).container(keyedBy: type)
        }
        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            let (v, path) = try next([Any].self)
            return try JSONValueDecoder(v, codingPath: path).unkeyedContainer()
        }
        mutating func superDecoder() throws -> any Decoder {
            let (v, path) = try next(Any.self)
            return JSONValueDecoder(v, codingPath: path)
        }
    }

    struct Single: SingleValueDecodingContainer {
        let value: JSONValue
        let codingPath: [any CodingKey]

        func decodeNil() -> Bool { value == .null }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try JSONValueDecoder.decodeValue(type, value, codingPath) }
        func decode(_ type: Bool.Type) throws -> Bool { try decodeAny(type) }
        func decode(_ type: String.Type) throws -> String { try decodeAny(type) }
        func decode(_ type: Double.Type) throws -> Double { try decodeAny(type) }
        func decode(_ type: Float.Type) throws -> Float { try decodeAny(type) }
        func decode(_ type: Int.Type) throws -> Int { try decodeAny(type) }
        func decode(_ type: Int8.Type) throws -> Int8 { try decodeAny(type) }
        func decode(_ type: Int16.Type) throws -> Int16 { try decodeAny(type) }
        func decode(_ type: Int32.Type) throws -> Int32 { try decodeAny(type) }
        func decode(_ type: Int64.Type) throws -> Int64 { try decodeAny(type) }
        func decode(_ type: UInt.Type) throws -> UInt { try decodeAny(type) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try decodeAny(type) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try decodeAny(type) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try decodeAny(type) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try decodeAny(type) }

        private func decodeAny<T>(_ type: any Decodable.Type) throws -> T {
            try JSONValueDecoder.decodeValue(type, value, codingPath) as! T
        }
    }
}
