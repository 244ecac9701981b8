import Foundation
import NimpCore
import NimpIO

/// JSON conventions of every registry file: sorted keys so files are byte-stable and
/// diffable, snake_case keys declared by each type, times as ISO 8601 UTC strings with
/// milliseconds.
public enum RegistryJSON {
    /// One line, no trailing newline.
    public static func line<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Indented, with a trailing newline: for files people edit (config.json, model.json).
    public static func pretty<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        data.append(0x0A)
        return data
    }

    /// Decodes `data`; a failure is exit 65 naming `file` and, when known, the place.
    /// A whole file (config.json, model.json, signals.json: JSON objects) is first checked
    /// strictly (`StrictJSON`): no duplicate keys, nesting bounded, finite numbers.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data, file: String, place: String? = nil) throws -> T {
        if place == nil { try StrictJSON.check(data, file: file) }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as NimpError {
            throw error
        } catch {
            throw NimpError.data(file, place, describe(error))
        }
    }

    /// A DecodingError in words: the key path and what was wrong.
    public static func describe(_ error: Error) -> String {
        func path(_ keys: [CodingKey]) -> String {
            keys.isEmpty ? "top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error as? DecodingError {
        case .typeMismatch(let type, let ctx): return "\(path(ctx.codingPath)): expected \(typeName(type)) (\(ctx.debugDescription))"
        case .valueNotFound(let type, let ctx): return "\(path(ctx.codingPath)): expected \(typeName(type)), found null"
        case .keyNotFound(let key, let ctx): return "\(path(ctx.codingPath + [key])): missing key \"\(key.stringValue)\""
        case .dataCorrupted(let ctx):
            let underlying = (ctx.underlyingError as NSError?).map { " (\($0.localizedDescription))" } ?? ""
            return "\(path(ctx.codingPath)): \(ctx.debugDescription)\(underlying)"
        case nil: return "\(error)"
        @unknown default: return "\(error)"
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        default: "\(type)"
        }
    }
}

/// Times in registry files: `2025-01-31T12:34:56.789Z`.
public enum RegistryTime {
    static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    static let plainStyle = Date.ISO8601FormatStyle()

    /// To the nearest millisecond: the formatter truncates, and a parsed time lies just
    /// below its text, so without the half millisecond a time read back and written
    /// again would move 1 ms earlier.
    public static func string(_ date: Date) -> String {
        date.addingTimeInterval(0.0005).formatted(style)
    }

    /// Parses an ISO 8601 time with or without fractional seconds.
    public static func parse(_ text: String) -> Date? {
        (try? style.parse(text)) ?? (try? plainStyle.parse(text))
    }
}
