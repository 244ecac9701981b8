import Foundation
import NimpCore

/// `nimp train --plot curve.svg`: training and validation loss per epoch, on a log
/// axis (losses fall by decades), the best validation epoch ringed.
public enum LearningCurve {
    /// A standalone SVG document.
    public static func svg(_ epochs: [EpochReport], title: String = "Learning curve") -> String {
        let train = epochs.filter { $0.trainLoss > 0 && $0.trainLoss.isFinite }
        let validation = epochs.filter { ($0.validationLoss ?? 0) > 0 && $0.validationLoss!.isFinite }
        let best = validation.min { $0.validationLoss! < $1.validationLoss! }?.epoch
        var series = [ChartSeries(name: "training loss", color: Palette.primary,
                                  points: train.map { ChartPoint(x: Double($0.epoch), y: log10($0.trainLoss),
                                                                 note: "epoch \($0.epoch): training loss \(SVG.value($0.trainLoss))") },
                                  markers: train.count <= 60)]
        if !validation.isEmpty {
            series.append(ChartSeries(name: "validation loss", color: Palette.secondary, points: validation.map { e in
                var note = "epoch \(e.epoch): validation loss \(SVG.value(e.validationLoss!))"
                if let m = e.validationMetric, let name = e.validationMetricName { note += ", \(name) \(SVG.value(m))" }
                return ChartPoint(x: Double(e.epoch), y: log10(e.validationLoss!), note: note, emphasized: e.epoch == best)
            }, markers: validation.count <= 60))
        }
        var chart = LineChart(title: title, xLabel: "epoch", yLabel: "loss (log scale)", series: series, width: 640, height: 360)
        chart.frame.yFormat = { SVG.value(pow(10, $0)) }
        chart.frame.yTicks = logTicks(chart.frame.yDomain)
        if best != nil { chart.frame.legend.removeLast(); chart.frame.legend.append(LegendItem(name: "best validation", color: Palette.accent, mark: .ring)) }
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + chart.svg + "\n"
    }

    /// Ticks of a log10 axis: every power of ten in range, and 2× and 5× when the range
    /// spans fewer than three decades.
    static func logTicks(_ domain: ClosedRange<Double>) -> [Double] {
        let multiples: [Double] = domain.upperBound - domain.lowerBound < 3 ? [1, 2, 5] : [1]
        var ticks: [Double] = []
        for decade in Int(floor(domain.lowerBound))...Int(ceil(domain.upperBound)) {
            for m in multiples {
                let t = Double(decade) + log10(m)
                if domain.contains(t) { ticks.append(t) }
            }
        }
        // Less than a decade may hold no round value: fall back to even steps.
        return ticks.count >= 2 ? ticks : LinearScale(domain: domain, range: 0...1).ticks(4)
    }
}
