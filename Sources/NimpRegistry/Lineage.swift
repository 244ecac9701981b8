import Foundation
import NimpCore
import NimpIO

/// The version graph of one model: each version's parent, operation, teacher and metrics.
public struct LineageGraph: Sendable {
    public var model: String
    public var versions: [VersionSummary]
    public var champion: Int?
    /// Champions before the current one, oldest first.
    public var previousChampions: [Int]

    /// One JSON object per version, oldest first.
    public func jsonLines() throws -> [String] {
        try versions.map { s in
            var o = s.json.object ?? [:]
            o["model"] = .string(model)
            o["champion"] = .bool(s.version == champion)
            o["previous_champion"] = .bool(previousChampions.contains(s.version))
            return try JSONCoding.line(JSONValue.object(o))
        }
    }

    /// Graphviz: versions as boxes (the champion bold, previous champions dashed),
    /// parent → child edges labelled with the operation, teachers as dotted edges.
    public func dot() -> String {
        func quote(_ s: String) -> String {
            "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        func node(_ v: Int) -> String { quote("\(model)@\(VersionName.label(v))") }
        var lines = ["digraph \(quote(model)) {", "  rankdir=LR;", "  node [shape=box, fontname=\"Helvetica\"];"]
        let known = Set(versions.map(\.version))
        for s in versions {
            var label = [VersionName.label(s.version) + (s.version == champion ? " (champion)" : "")]
            if let op = s.operation { label.append(op) }
            let metrics = (s.heldOut?.metrics ?? s.metrics).sorted { $0.key < $1.key }.prefix(3)
            label += metrics.map { "\($0.key)=\(String(format: "%.4g", $0.value))" }
            if let p = s.parameters { label.append("\(p) params") }
            var attributes = ["label=" + quote(label.joined(separator: "\n"))]
            if s.version == champion { attributes.append("style=bold, penwidth=2") } else if previousChampions.contains(s.version) {
                attributes.append("style=dashed")
            }
            lines.append("  \(node(s.version)) [\(attributes.joined(separator: ", "))];")
        }
        for s in versions {
            if let parent = s.parent {
                if !known.contains(parent) { lines.append("  \(node(parent)) [style=dotted, label=\(quote(VersionName.label(parent) + "\n(removed)"))];") }
                lines.append("  \(node(parent)) -> \(node(s.version)) [label=\(quote(s.operation ?? ""))];")
            }
            if let teacher = s.teacher {
                lines.append("  \(quote(teacher)) -> \(node(s.version)) [style=dotted, label=\"teacher\"];")
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }
}

extension Registry {
    public func lineage(_ id: String) throws -> LineageGraph {
        let list = try versions(id)
        let stack = try champions(id).stack()
        return LineageGraph(model: id, versions: list.summaries, champion: stack.last, previousChampions: Array(stack.dropLast()))
    }
}
