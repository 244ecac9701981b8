import Foundation

/// One bar; bars with the same `x` stand side by side.
struct ChartBar {
    var x: Double
    var value: Double
    var color: String
    var note: String
}

/// Bars up or down from zero over whole-number x values (gains per cycle). Values
/// beyond `clip` are drawn to the edge with a notch; their tooltip keeps the value.
struct BarChart {
    var frame: ChartFrame
    var bars: [ChartBar]
    var references: [(value: Double, label: String, color: String)]

    init(title: String, xLabel: String, yLabel: String, bars: [ChartBar], legend: [LegendItem],
         references: [(value: Double, label: String, color: String)] = [], clip: ClosedRange<Double>? = nil,
         width: Double = 560, height: Double = 300)
    {
        frame = ChartFrame(width: width, height: height, title: title, xLabel: xLabel, yLabel: yLabel)
        frame.integerX = true
        frame.xDomain = LinearScale.domain(bars.map(\.x), pad: 0).widened(by: 0.6)
        var values = bars.map(\.value)
        if let clip { values = values.map { min(max($0, clip.lowerBound), clip.upperBound) } }
        frame.yDomain = LinearScale.domain(values, including: [0] + references.map(\.value))
        frame.legend = legend
        self.bars = bars
        self.references = references
    }

    var svg: String {
        var s = frame.open(description: "\(bars.count) bars")
        if bars.isEmpty { s += frame.emptyNote("no data yet") }
        let x = frame.x, y = frame.y
        let slot = max(2, min(40, (x(1) - x(0)) * 0.8))
        let groups = Dictionary(grouping: bars, by: \.x)
        for key in groups.keys.sorted() {
            let group = groups[key]!
            let w = slot / Double(group.count)
            for (i, bar) in group.enumerated() {
                let v = min(max(bar.value, frame.yDomain.lowerBound), frame.yDomain.upperBound)
                let y0 = y(0), y1 = y(v)
                let left = x(key) - slot / 2 + Double(i) * w
                s += SVG.element("rect", ["x": SVG.n(left + 0.5), "y": SVG.n(min(y0, y1)), "width": SVG.n(max(1, w - 1)),
                                          "height": SVG.n(max(1, abs(y1 - y0))), "fill": bar.color], SVG.title(bar.note))
                if v != bar.value {
                    s += SVG.element("path", ["d": "M\(SVG.n(left)),\(SVG.n(y1)) l\(SVG.n(w / 2)),\(v < 0 ? "-4" : "4") l\(SVG.n(w / 2)),\(v < 0 ? "4" : "-4")",
                                              "fill": "none", "stroke": "#fff", "stroke-width": "1.5"])
                }
            }
        }
        s += frame.horizontalLine(at: 0, color: Palette.axis, label: nil, dashed: false)
        for r in references { s += frame.horizontalLine(at: r.value, color: r.color, label: r.label) }
        return s + frame.close()
    }
}
