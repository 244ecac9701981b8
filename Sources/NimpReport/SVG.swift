import Foundation

/// Small helpers for writing SVG and HTML as text: escaping, stable number
/// formatting, elements. Charts are plain strings so a report needs no browser-side
/// code and reads the same in every viewer.
enum SVG {
    /// Escapes text for element content and attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// A coordinate with one decimal: enough for a screen, and byte-stable.
    static func n(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let text = String(format: "%.1f", value)
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }

    /// A value for people: four significant digits, no exponent for ordinary sizes.
    static func value(_ v: Double) -> String {
        guard v.isFinite else { return "–" }
        if v != 0 && (abs(v) >= 1e6 || abs(v) < 1e-3) { return String(format: "%.3g", v) }
        return String(format: "%.4g", v)
    }

    /// A short axis label: 950, 10.5k, 1.2M.
    static func compact(_ v: Double) -> String {
        let a = abs(v)
        if a >= 1e6 { return String(format: "%.3gM", v / 1e6) }
        if a >= 1e4 { return String(format: "%.3gk", v / 1e3) }
        return value(v)
    }

    /// An element with attributes in the given order and optional content.
    static func element(_ name: String, _ attributes: KeyValuePairs<String, String>, _ content: String? = nil) -> String {
        let attrs = attributes.map { " \($0.key)=\"\(escape($0.value))\"" }.joined()
        guard let content else { return "<\(name)\(attrs)/>" }
        return "<\(name)\(attrs)>\(content)</\(name)>"
    }

    /// A `<title>` child: the tooltip a browser shows on hover, and the accessible name.
    static func title(_ text: String) -> String { "<title>\(escape(text))</title>" }
}

/// The colours of the report; each series keeps its colour in every chart.
enum Palette {
    static let text = "#222"
    static let muted = "#666"
    static let grid = "#e3e3e3"
    static let axis = "#888"
    static let accent = "#d9480f"
    static let primary = "#1c7ed6"
    static let secondary = "#f08c00"
    static let promoted = "#2f9e44"
    static let rejected = "#adb5bd"
    static let failed = "#e03131"
    static let target = "#862e9c"

    /// The hormone signals, in the order the report lists them.
    static let signals: [(name: String, color: String)] = [
        ("dopamine", "#f08c00"), ("cortisol", "#e03131"), ("growth", "#2f9e44"), ("serotonin", "#1c7ed6"),
    ]

    static func signal(_ name: String) -> String {
        signals.first { $0.name == name }?.color ?? "#495057"
    }

    static func outcome(_ status: String) -> String {
        switch status {
        case "promoted": promoted
        case "rejected": rejected
        default: failed
        }
    }
}
