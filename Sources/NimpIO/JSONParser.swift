import Foundation

/// Why a JSON text was rejected; `offset` is the byte offset from the start of the text.
public struct JSONSyntaxError: Error, CustomStringConvertible {
    public enum Kind: Sendable {
        case syntax
        /// The text ended inside a value: a torn line or a truncated header.
        case truncated
        /// `NaN`, `Infinity` or `-Infinity`.
        case nonFinite
        /// A number too large for a Double (1e400).
        case outOfRange
        /// A key twice in one object: jq reads the last, other parsers the first.
        case duplicateKey
        case invalidUTF8
        case tooDeep
        /// An array or object with more than the allowed number of items.
        case tooLarge
    }
    public var kind: Kind
    public var offset: Int
    public var message: String

    public var description: String { "byte \(offset): \(explanation)" }

    /// The message for users; syntax problems say the text is not JSON.
    public var explanation: String {
        kind == .duplicateKey || kind == .outOfRange ? message : "not valid JSON: " + message
    }
}

/// The strict RFC 8259 parser every JSON nimp reads goes through: a nesting limit so
/// hostile input cannot exhaust the stack, an item limit, no key twice in an object, and
/// finite numbers only. Non-finite literals get their own error because Python's `json`
/// writes them by default.
struct JSONParser {
    static let maxDepth = 128

    private let bytes: UnsafeBufferPointer<UInt8>
    private let maxItems: Int
    private var i = 0
    private var depth = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>, maxItems: Int) {
        self.bytes = bytes
        self.maxItems = maxItems
    }

    /// Parses exactly one value; only JSON whitespace may surround it. `maxItems` bounds
    /// every array and object, so memory stays proportional to what the caller accepts.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, maxItems: Int = .max) throws -> JSONValue {
        var parser = JSONParser(bytes, maxItems: maxItems)
        parser.skipSpace()
        let value = try parser.value()
        parser.skipSpace()
        guard parser.i == bytes.count else {
            throw parser.error(.syntax, "unexpected \(parser.describeByte()) after the value")
        }
        return value
    }

    static func parse(_ data: Data, maxItems: Int = .max) throws -> JSONValue {
        try data.withUnsafeBytes { try parse($0.bindMemory(to: UInt8.self), maxItems: maxItems) }
    }

    static func parse(_ text: some StringProtocol, maxItems: Int = .max) throws -> JSONValue {
        var s = String(text)
        return try s.withUTF8 { try parse($0, maxItems: maxItems) }
    }

    private func checkCount(_ count: Int) throws {
        guard count <= maxItems else { throw error(.tooLarge, "more than \(maxItems) items in one array or object") }
    }

    private func error(_ kind: JSONSyntaxError.Kind, _ message: String) -> JSONSyntaxError {
        JSONSyntaxError(kind: kind, offset: i, message: message)
    }

    private func describeByte() -> String {
        guard i < bytes.count else { return "end of text" }
        let b = bytes[i]
        if b >= 0x21 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        return String(format: "byte 0x%02X", b)
    }

    private mutating func skipSpace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return
            }
        }
    }

    private mutating func value() throws -> JSONValue {
        guard i < bytes.count else { throw error(.truncated, "the text ends where a value was expected") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "N"), UInt8(ascii: "I"):
            throw error(.nonFinite, "NaN and Infinity are not JSON numbers; only finite numbers are accepted")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw error(.syntax, "unexpected \(describeByte()), expected a JSON value")
        }
    }

    private mutating func literal(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: count)
        for k in 0..<count {
            guard i + k < bytes.count else { throw error(.truncated, "the text ends inside '\(word)'") }
            guard bytes[i + k] == expected[k] else { throw error(.syntax, "unexpected \(describeByte()), expected a JSON value") }
        }
        i += count
    }

    private mutating func enter() throws {
        depth += 1
        guard depth <= Self.maxDepth else { throw error(.tooDeep, "nesting deeper than \(Self.maxDepth) levels") }
    }

    private mutating func object() throws -> JSONValue {
        try enter()
        defer { depth -= 1 }
        i += 1
        var members = JSONObject()
        skipSpace()
        if i < bytes.count && bytes[i] == UInt8(ascii: "}") {
            i += 1
            return .object(members)
        }
        while true {
            skipSpace()
            guard i < bytes.count else { throw error(.truncated, "the text ends inside an object") }
            guard bytes[i] == UInt8(ascii: "\"") else { throw error(.syntax, "unexpected \(describeByte()), expected a quoted key") }
            let keyOffset = i
            let key = try string()
            skipSpace()
            guard i < bytes.count else { throw error(.truncated, "the text ends inside an object") }
            guard bytes[i] == UInt8(ascii: ":") else { throw error(.syntax, "unexpected \(describeByte()), expected ':'") }
            i += 1
            skipSpace()
            guard members.insertNew(key, try value()) else {
                throw JSONSyntaxError(kind: .duplicateKey, offset: keyOffset, message: "the key \(JSONText.quote(key)) appears twice in one object")
            }
            try checkCount(members.count)
            skipSpace()
            guard i < bytes.count else { throw error(.truncated, "the text ends inside an object") }
            switch bytes[i] {
            case UInt8(ascii: ","): i += 1
            case UInt8(ascii: "}"): i += 1; return .object(members)
            default: throw error(.syntax, "unexpected \(describeByte()), expected ',' or '}'")
            }
        }
    }

    private mutating func array() throws -> JSONValue {
        try enter()
        defer { depth -= 1 }
        i += 1
        var elements: [JSONValue] = []
        skipSpace()
        if i < bytes.count && bytes[i] == UInt8(ascii: "]") {
            i += 1
            return .array(elements)
        }
        while true {
            skipSpace()
            elements.append(try value())
            try checkCount(elements.count)
            skipSpace()
            guard i < bytes.count else { throw error(.truncated, "the text ends inside an array") }
            switch bytes[i] {
            case UInt8(ascii: ","): i += 1
            case UInt8(ascii: "]"): i += 1; return .array(elements)
            default: throw error(.syntax, "unexpected \(describeByte()), expected ',' or ']'")
            }
        }
    }

    private static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    private mutating func number() throws -> JSONValue {
        let start = i
        if bytes[i] == UInt8(ascii: "-") {
            i += 1
            if i < bytes.count && bytes[i] == UInt8(ascii: "I") {
                i = start
                throw error(.nonFinite, "-Infinity is not a JSON number; only finite numbers are accepted")
            }
        }
        func digits(_ what: String) throws {
            guard i < bytes.count else { throw error(.truncated, "the text ends inside a number") }
            guard Self.isDigit(bytes[i]) else { throw error(.syntax, "unexpected \(describeByte()), expected \(what)") }
            while i < bytes.count && Self.isDigit(bytes[i]) { i += 1 }
        }
        if i < bytes.count && bytes[i] == UInt8(ascii: "0") {
            i += 1
        } else {
            try digits("a digit")
        }
        var integral = true
        if i < bytes.count && bytes[i] == UInt8(ascii: ".") {
            i += 1
            integral = false
            try digits("a digit after '.'")
        }
        if i < bytes.count && (bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E")) {
            i += 1
            integral = false
            if i < bytes.count && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) { i += 1 }
            try digits("a digit in the exponent")
        }
        let literal = UnsafeBufferPointer(rebasing: bytes[start..<i])
        let text = String(decoding: literal, as: UTF8.self)
        if integral {
            if bytes[start] != UInt8(ascii: "-"), let u = UInt64(text) { return JSONValue(integer: u) }
            if let n = Int(text), n != 0 { return .int(n) }
        }
        guard let d = Double(text), d.isFinite else {
            throw JSONSyntaxError(kind: .outOfRange, offset: start,
                                  message: "the number \(text.prefix(40)) is beyond the range of a Double; only finite numbers are accepted")
        }
        return .number(d)
    }

    private mutating func string() throws -> String {
        i += 1
        let start = i
        var ascii = true
        // Fast path: no escapes.
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<i])
                i += 1
                if ascii { return String(decoding: slice, as: UTF8.self) }
                guard let s = String(validating: slice, as: UTF8.self) else {
                    i = start
                    throw error(.invalidUTF8, "a string is not valid UTF-8")
                }
                return s
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw error(.syntax, "a control character (\(describeByte())) inside a string must be escaped") }
            if b >= 0x80 { ascii = false }
            i += 1
        }
        var out = Array(UnsafeBufferPointer(rebasing: bytes[start..<i]))
        while true {
            guard i < bytes.count else { throw error(.truncated, "the text ends inside a string") }
            let b = bytes[i]
            switch b {
            case UInt8(ascii: "\""):
                i += 1
                guard let s = String(validating: out, as: UTF8.self) else {
                    throw error(.invalidUTF8, "a string is not valid UTF-8")
                }
                return s
            case UInt8(ascii: "\\"):
                i += 1
                guard i < bytes.count else { throw error(.truncated, "the text ends inside a string") }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                            throw error(.syntax, "a \\u escape holds an unpaired surrogate")
                        }
                        i += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw error(.syntax, "a \\u escape holds an unpaired surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw error(.syntax, "a \\u escape holds an unpaired surrogate") }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default:
                    i -= 1
                    throw error(.syntax, "unknown escape \\\(Character(Unicode.Scalar(e)))")
                }
            default:
                if b < 0x20 { throw error(.syntax, "a control character (\(describeByte())) inside a string must be escaped") }
                out.append(b)
                i += 1
            }
        }
    }

    private mutating func hex4() throws -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard i < bytes.count else { throw error(.truncated, "the text ends inside a \\u escape") }
            let b = bytes[i]
            let d: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
            default: throw error(.syntax, "unexpected \(describeByte()) in a \\u escape")
            }
            v = v << 4 | UInt32(d)
            i += 1
        }
        return v
    }
}

/// Writing JSON text by hand, for byte-stable output.
public enum JSONText {
    /// `s` as a JSON string literal, quotes included; non-ASCII stays UTF-8.
    public static func quote(_ s: String) -> String {
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// A JSON array of strings, e.g. `["a","b"]`.
    static func stringArray(_ items: [String]) -> String {
        "[" + items.map(quote).joined(separator: ",") + "]"
    }
}
