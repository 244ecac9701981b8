import Foundation
import NimpCore
import NimpIO

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
