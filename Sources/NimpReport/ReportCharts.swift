import Foundation

/// The charts of a registry report, each built from `RegistryReportData`.
enum ReportCharts {
    /// Signal levels after each cycle.
    static func signals(_ data: RegistryReportData) -> String {
        let names = Palette.signals.map(\.name) + Set(data.signals.flatMap(\.levels.keys)).subtracting(Palette.signals.map(\.name)).sorted()
        let series = names.compactMap { name -> ChartSeries? in
            let points = data.signals.compactMap { s in
                s.levels[name].map { ChartPoint(x: Double(s.cycle), y: $0, note: "cycle \(s.cycle): \(name) \(SVG.value($0))") }
            }
            return points.isEmpty ? nil : ChartSeries(name: name, color: Palette.signal(name), points: points, markers: points.count <= 40)
        }
        return LineChart(title: "Signal levels over cycles", xLabel: "cycle", yLabel: "level", series: series, yDomain: 0...1).svg
    }

    /// Total gain of the promotions of each cycle.
    static func cycleGains(_ data: RegistryReportData) -> String {
        let bars = data.cycles.map { c in
            ChartBar(x: Double(c.iteration), value: c.totalGain, color: c.promoted > 0 ? Palette.promoted : Palette.rejected,
                     note: "cycle \(c.iteration): total gain \(SVG.value(c.totalGain)); \(c.promoted) promoted, \(c.rejected) rejected, \(c.failed) failed")
        }
        return BarChart(title: "Gain promoted per cycle", xLabel: "cycle", yLabel: "total relative gain", bars: bars,
                        legend: [LegendItem(name: "with promotions", color: Palette.promoted, mark: .bar),
                                 LegendItem(name: "none", color: Palette.rejected, mark: .bar)]).svg
    }

    /// The model's quality metric per version, the champion ringed, the target dashed.
    static func quality(_ model: ReportModel) -> String {
        func point(_ v: ReportVersion) -> ChartPoint {
            ChartPoint(x: Double(v.version), y: v.quality!,
                       note: "v\(v.version)\(v.operation.map { " (\($0))" } ?? ""): \(model.qualityMetric) \(SVG.value(v.quality!))"
                           + (v.heldOut ? " on the held-out set" : " at creation"),
                       emphasized: v.version == model.champion)
        }
        let held = model.versions.filter { $0.heldOut && $0.quality != nil }
        let other = model.versions.filter { !$0.heldOut && $0.quality != nil }
        var series = [ChartSeries(name: "held-out \(model.qualityMetric)", color: Palette.primary, points: held.map(point))]
        if !other.isEmpty {
            series.append(ChartSeries(name: "at creation", color: Palette.muted, points: other.map(point), dashed: true))
        }
        let audited = model.versions.filter { $0.audit != nil }
        if !audited.isEmpty {
            series.append(ChartSeries(name: "audit \(model.qualityMetric) (no decision reads it)", color: Palette.secondary,
                                      points: audited.map { v in
                                          ChartPoint(x: Double(v.version), y: v.audit!,
                                                     note: "v\(v.version): \(model.qualityMetric) \(SVG.value(v.audit!)) on the audit set",
                                                     emphasized: v.version == model.champion)
                                      }))
        }
        let references = model.target.map { [(value: $0, label: "target \(SVG.value($0))", color: Palette.target)] } ?? []
        return LineChart(title: "Quality over versions", xLabel: "version",
                         yLabel: model.qualityMetric + (model.higherIsBetter ? " (higher is better)" : " (lower is better)"),
                         series: series, references: references).svg
    }

    /// Gains of the model's tasks per cycle, coloured by outcome.
    static func taskGains(_ model: ReportModel, threshold: Double) -> String {
        let bars = model.tasks.map { t in
            ChartBar(x: Double(t.cycle), value: t.gain, color: Palette.outcome(t.outcome),
                     note: "cycle \(t.cycle): \(t.type) \(t.outcome), gain \(SVG.value(t.gain)) on \(t.metric)" + (t.reason.isEmpty ? "" : " — \(t.reason)"))
        }
        return BarChart(title: "Task gains over cycles", xLabel: "cycle", yLabel: "relative gain", bars: bars,
                        legend: [LegendItem(name: "promoted", color: Palette.promoted, mark: .bar),
                                 LegendItem(name: "rejected", color: Palette.rejected, mark: .bar),
                                 LegendItem(name: "failed", color: Palette.failed, mark: .bar)],
                        references: [(value: threshold, label: "threshold \(SVG.value(threshold))", color: Palette.target)],
                        clip: -1...2).svg
    }

    /// Quality against size and against latency, Pareto-optimal versions highlighted.
    static func tradeoffs(_ model: ReportModel) -> [String] {
        let measured = model.measured
        let front = model.paretoVersions
        func point(_ v: ReportVersion, x: Double) -> ScatterPoint {
            ScatterPoint(x: x, y: v.quality!, label: "v\(v.version)",
                         note: "v\(v.version): \(model.qualityMetric) \(SVG.value(v.quality!)), \(v.bytes) bytes, "
                             + "p50 \(SVG.value(v.latencyMicroseconds!)) µs" + (v.parameters.map { ", \($0) parameters" } ?? "")
                             + (front.contains(v.version) ? " — on the Pareto front" : ""),
                         onFront: front.contains(v.version), champion: v.version == model.champion)
        }
        let size = ScatterChart(title: "Quality vs size", xLabel: "archive bytes", yLabel: model.qualityMetric,
                                points: measured.map { point($0, x: Double($0.bytes)) }, higherIsBetter: model.higherIsBetter)
        let latency = ScatterChart(title: "Quality vs latency", xLabel: "latency p50 (µs, one sample)", yLabel: model.qualityMetric,
                                   points: measured.map { point($0, x: $0.latencyMicroseconds!) }, higherIsBetter: model.higherIsBetter,
                                   xTolerance: ReportModel.latencyTolerance)
        return [size.svg, latency.svg]
    }
}
