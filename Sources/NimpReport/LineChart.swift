import Foundation

/// One point of a chart; `note` becomes its tooltip.
struct ChartPoint {
    var x: Double
    var y: Double
    var note: String? = nil
    /// Drawn larger, ringed (e.g. the champion).
    var emphasized = false
}

/// A named line of points.
struct ChartSeries {
    var name: String
    var color: String
    var points: [ChartPoint]
    var dashed = false
    var markers = true
}

/// Lines over a shared x axis: quality over versions, signal levels over cycles, a
/// learning curve.
struct LineChart {
    var frame: ChartFrame
    var series: [ChartSeries]
    /// Horizontal reference lines (value, label, colour), e.g. a target.
    var references: [(value: Double, label: String, color: String)] = []

    init(title: String, xLabel: String, yLabel: String, series: [ChartSeries], integerX: Bool = true,
         references: [(value: Double, label: String, color: String)] = [], yDomain: ClosedRange<Double>? = nil,
         width: Double = 560, height: Double = 300)
    {
        let xs = series.flatMap { $0.points.map(\.x) }
        let ys = series.flatMap { $0.points.map(\.y) }
        frame = ChartFrame(width: width, height: height, title: title, xLabel: xLabel, yLabel: yLabel)
        frame.integerX = integerX
        frame.xDomain = integerX ? LinearScale.domain(xs, pad: 0).widened(by: 0.5) : LinearScale.domain(xs, pad: 0.02)
        frame.yDomain = yDomain ?? LinearScale.domain(ys, including: references.map(\.value))
        frame.legend = series.map { LegendItem(name: $0.name, color: $0.color, mark: $0.dashed ? .dashed : .line) }
            + (series.contains { $0.points.contains(where: \.emphasized) } ? [LegendItem(name: "champion", color: Palette.accent, mark: .ring)] : [])
        self.series = series
        self.references = references
    }

    var svg: String {
        let description = series.map { "\($0.name), \($0.points.count) points" }.joined(separator: "; ")
        var s = frame.open(description: description)
        for r in references { s += frame.horizontalLine(at: r.value, color: r.color, label: r.label) }
        if series.allSatisfy({ $0.points.isEmpty }) { s += frame.emptyNote("no data yet") }
        let x = frame.x, y = frame.y
        for line in series where !line.points.isEmpty {
            let path = line.points.map { "\(SVG.n(x($0.x))),\(SVG.n(y($0.y)))" }.joined(separator: " ")
            s += SVG.element("polyline", ["points": path, "fill": "none", "stroke": line.color, "stroke-width": "2",
                                          "stroke-linejoin": "round", "stroke-dasharray": line.dashed ? "6 4" : "none"])
            guard line.markers || line.points.contains(where: \.emphasized) else { continue }
            for p in line.points where line.markers || p.emphasized {
                let tip = SVG.title(p.note ?? "\(line.name): \(SVG.value(p.y)) at \(SVG.value(p.x))")
                s += SVG.element("circle", ["cx": SVG.n(x(p.x)), "cy": SVG.n(y(p.y)), "r": "3.5", "fill": line.color], tip)
                if p.emphasized {
                    s += SVG.element("circle", ["cx": SVG.n(x(p.x)), "cy": SVG.n(y(p.y)), "r": "7.5", "fill": "none",
                                                "stroke": Palette.accent, "stroke-width": "2"], tip)
                }
            }
        }
        return s + frame.close()
    }
}

extension ClosedRange where Bound == Double {
    func widened(by amount: Double) -> ClosedRange<Double> { (lowerBound - amount)...(upperBound + amount) }
}
