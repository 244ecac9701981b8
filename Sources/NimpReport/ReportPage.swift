import Foundation
import NimpRegistry

/// `nimp registry report`: one self-contained HTML page (inline CSS and SVG; no
/// scripts, fonts or images to fetch) that shows how every model and the cycle have
/// been doing.
public enum RegistryReport {
    /// The page for `data`.
    public static func html(_ data: RegistryReportData) -> String {
        var body = header(data)
        body += overview(data)
        body += section(id: "cycles", title: "Cycles and signals", intro: cyclesIntro(data),
                        charts: [ReportCharts.signals(data), ReportCharts.cycleGains(data)])
        for model in data.models {
            body += modelSection(model, threshold: data.threshold)
        }
        if !data.problems.isEmpty {
            body += "<section id=\"problems\"><h2>Skipped entries</h2><ul>"
                + data.problems.map { "<li>\(SVG.escape($0))</li>" }.joined() + "</ul></section>\n"
        }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="nimp registry report">
            <title>nimp registry report: \(SVG.escape(data.root))</title>
            <style>\(style)</style>
            </head>
            <body>
            \(body)</body>
            </html>

            """
    }

    static let style = """
        body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#222;margin:0 auto;max-width:1180px;padding:16px 24px;background:#f8f9fa}
        h1{font-size:22px;margin:8px 0 2px}h2{font-size:18px;margin:0 0 4px}p{margin:4px 0}
        .meta,.intro{color:#555}
        nav{margin:8px 0 16px}nav a{margin-right:12px}
        section{background:#fff;border:1px solid #dee2e6;border-radius:8px;padding:14px 16px;margin:14px 0}
        .charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:12px;margin-top:10px}
        .charts svg{width:100%;height:auto;border:1px solid #f1f3f5;border-radius:4px}
        table{border-collapse:collapse;font-size:13px;margin-top:6px}
        th,td{padding:3px 10px;text-align:right;border-bottom:1px solid #e9ecef}
        th:first-child,td:first-child{text-align:left}
        th{color:#555;font-weight:600}
        .front{color:#d9480f;font-weight:600}
        """

    static func header(_ data: RegistryReportData) -> String {
        let cycles = data.cycles.last.map { "\(data.cycles.count) cycles (last: \($0.iteration))" } ?? "no cycles yet"
        var s = "<header><h1>nimp registry report</h1>"
        s += "<p class=\"meta\">\(SVG.escape(data.root)) · \(data.models.count) model(s) · \(cycles) · generated \(SVG.escape(RegistryTime.string(data.generated)))</p></header>\n"
        s += "<nav><a href=\"#overview\">Models</a><a href=\"#cycles\">Cycles and signals</a>"
            + data.models.map { "<a href=\"#\(anchor($0.id))\">\(SVG.escape($0.id))</a>" }.joined() + "</nav>\n"
        return s
    }

    static func overview(_ data: RegistryReportData) -> String {
        var s = "<section id=\"overview\"><h2>Models</h2>"
        guard !data.models.isEmpty else {
            return s + "<p class=\"intro\">The registry has no models yet: add one with <code>nimp registry add</code> or seed the examples with <code>nimp registry init --examples</code>.</p></section>\n"
        }
        s += "<table><tr><th>model</th><th>task</th><th>champion</th><th>quality (eval)</th><th>audit</th><th>target</th><th>versions</th><th>parameters</th><th>bytes</th><th>latency p50 µs</th><th>tasks promoted / run</th></tr>"
        for m in data.models {
            let champion = m.champion.flatMap { c in m.versions.first { $0.version == c } }
            let quality = champion?.quality.map { "\(m.qualityMetric) \(SVG.value($0))" + (champion!.heldOut ? "" : " (at creation)") } ?? "–"
            let promoted = m.tasks.filter { $0.outcome == "promoted" }.count
            s += "<tr><td><a href=\"#\(anchor(m.id))\">\(SVG.escape(m.id))</a></td><td>\(m.task.rawValue)</td>"
                + "<td>\(m.champion.map { "v\($0)" } ?? "–")</td><td>\(SVG.escape(quality))</td><td>\(champion?.audit.map(SVG.value) ?? "–")</td>"
                + "<td>\(m.target.map(SVG.value) ?? "–")</td><td>\(m.versions.count)</td>"
                + "<td>\(champion?.parameters.map(String.init) ?? "–")</td><td>\(champion.map { String($0.bytes) } ?? "–")</td>"
                + "<td>\(champion?.latencyMicroseconds.map(SVG.value) ?? "–")</td><td>\(promoted) / \(m.tasks.count)</td></tr>"
        }
        return s + "</table></section>\n"
    }

    static func cyclesIntro(_ data: RegistryReportData) -> String {
        var text = "Signals decay toward a baseline each cycle and react to its outcome: dopamine to the gains of promotions, "
            + "cortisol to failures, rejections and machine pressure, growth to plateaus, serotonin to quiet cycles."
        if !data.currentSignals.isEmpty {
            text += " Now: " + Palette.signals.compactMap { s in data.currentSignals[s.name].map { "\(s.name) \(SVG.value($0))" } }.joined(separator: ", ") + "."
        }
        return text
    }

    static func modelSection(_ m: ReportModel, threshold: Double) -> String {
        let front = m.paretoVersions
        var intro = m.description.map { SVG.escape($0) + ". " } ?? ""
        intro += "\(m.task.rawValue); quality metric \(m.qualityMetric)"
        if let t = m.target { intro += ", target \(SVG.value(t))" }
        intro += "; champion \(m.champion.map { "v\($0)" } ?? "none"). "
        intro += front.isEmpty ? "No version has held-out quality, size and latency measured yet."
            : "On the Pareto front of quality, size and latency: " + front.sorted().map { "v\($0)" }.joined(separator: ", ")
            + String(format: " (latencies within %.0f%% count as equal).", ReportModel.latencyTolerance * 100)
        var s = section(id: anchor(m.id), title: m.id, intro: intro,
                        charts: [ReportCharts.quality(m), ReportCharts.taskGains(m, threshold: threshold)] + ReportCharts.tradeoffs(m), close: false)
        s += versionsTable(m, front: front)
        return s + "</section>\n"
    }

    /// The newest versions (at most 12) as a table.
    static func versionsTable(_ m: ReportModel, front: Set<Int>) -> String {
        let shown = m.versions.suffix(12)
        var s = "<table><tr><th>version</th><th>operation</th><th>parent</th><th>\(SVG.escape(m.qualityMetric))</th><th>audit</th><th>parameters</th><th>bytes</th><th>latency p50 µs</th><th></th></tr>"
        for v in shown.reversed() {
            var marks: [String] = []
            if v.version == m.champion { marks.append("champion") }
            if front.contains(v.version) { marks.append("<span class=\"front\">Pareto front</span>") }
            s += "<tr><td>v\(v.version)</td><td>\(SVG.escape(v.operation ?? "–"))</td><td>\(v.parent.map { "v\($0)" } ?? "–")</td>"
                + "<td>\(v.quality.map(SVG.value) ?? "–")\(v.heldOut ? "" : " *")</td><td>\(v.audit.map(SVG.value) ?? "–")</td>"
                + "<td>\(v.parameters.map(String.init) ?? "–")</td>"
                + "<td>\(v.bytes)</td><td>\(v.latencyMicroseconds.map(SVG.value) ?? "–")</td><td>\(marks.joined(separator: ", "))</td></tr>"
        }
        s += "</table>"
        if m.versions.contains(where: { !$0.heldOut }) { s += "<p class=\"meta\">* measured at creation, not on the held-out set.</p>" }
        if m.versions.count > shown.count { s += "<p class=\"meta\">\(m.versions.count - shown.count) older version(s) not listed.</p>" }
        return s
    }

    static func section(id: String, title: String, intro: String, charts: [String], close: Bool = true) -> String {
        var s = "<section id=\"\(SVG.escape(id))\"><h2>\(SVG.escape(title))</h2><p class=\"intro\">\(intro)</p>\n<div class=\"charts\">\n"
        s += charts.joined(separator: "\n") + "\n</div>\n"
        return close ? s + "</section>\n" : s
    }

    /// Model ids are letters, digits, '.', '_' and '-': safe in an id once prefixed.
    static func anchor(_ id: String) -> String { "model-" + id }
}
