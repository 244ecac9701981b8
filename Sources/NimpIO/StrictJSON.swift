import Foundation
import NimpCore

/// The strict JSON check of manifest.json for other files people edit with `jq` (a
/// registry's config.json, model.json, signals.json): RFC 8259 only (no NaN, no numbers
/// beyond a Double), nesting bounded, no key twice in an object (jq reads the last, other
/// parsers the first). Exit 65 naming the file and the byte.
public enum StrictJSON {
    public static func check(_ data: Data, file: String) throws {
        try Manifest.checkStrictJSON(data, file: file)
    }
}
