import Foundation
import NimpCycle
import NimpIO

/// The cycle's metrics in Prometheus' text format, for node_exporter's textfile
/// collector: written to DIR/nimp.prom through a temporary file and a rename.
public struct PrometheusTextfile: CycleReporter {
    public var directory: String
    public init(directory: String) { self.directory = directory }

    public func cycleRecorded(_ summary: CycleSummary, outcomes: [TaskOutcome], champions: [ChampionMetrics]) throws {
        let text = Self.render(summary: summary, outcomes: outcomes, models: champions)
        try AtomicFile.write(Data(text.utf8), to: directory + "/nimp.prom", failpoint: "textfile")
    }

    static func render(summary: CycleSummary, outcomes: [TaskOutcome], models: [ChampionMetrics]) -> String {
        var lines: [String] = []
        func metric(_ name: String, _ help: String, _ type: String, _ samples: [(String, Double)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for (labels, value) in samples { lines.append("\(name)\(labels) \(value.isFinite ? String(value) : "NaN")") }
        }
        metric("nimp_cycle_iteration", "Iteration number of the last cycle.", "gauge", [("", Double(summary.iteration))])
        metric("nimp_cycle_timestamp_seconds", "When the last cycle ended (Unix time).", "gauge", [("", Date().timeIntervalSince1970)])
        metric("nimp_cycle_duration_seconds", "Wall time of the last cycle.", "gauge", [("", summary.seconds)])
        metric("nimp_cycle_tasks", "Tasks of the last cycle by outcome.", "gauge",
               [TaskOutcome.Status.promoted, .rejected, .failed, .timeout].map { s in ("{outcome=\"\(s.rawValue)\"}", Double(outcomes.filter { $0.status == s }.count)) })
        metric("nimp_cycle_total_gain", "Sum of relative gains promoted in the last cycle.", "gauge", [("", summary.totalGain)])
        metric("nimp_signal_level", "Signal (hormone) levels after the last cycle.", "gauge",
               summary.signals.asDictionary.sorted { $0.key < $1.key }.map { ("{signal=\"\($0.key)\"}", $0.value) })
        var modelSamples: [(String, Double)] = []
        for m in models.sorted(by: { $0.model < $1.model }) {
            for (k, v) in m.metrics.sorted(by: { $0.key < $1.key }) {
                modelSamples.append(("{model=\"\(escape(m.model))\",metric=\"\(k)\"}", v))
            }
        }
        metric("nimp_model_held_out", "Champion metrics on the held-out eval set, at assessment.", "gauge", modelSamples)
        return lines.joined(separator: "\n") + "\n"
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
