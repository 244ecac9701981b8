import Foundation

/// One candidate in a trade-off chart.
struct ScatterPoint {
    var x: Double
    var y: Double
    var label: String
    var note: String
    /// On the Pareto front (filled, labelled, in the accent colour).
    var onFront: Bool
    /// The champion (ringed).
    var champion: Bool
}

/// Quality against a cost (size, latency): every version a dot, the Pareto-optimal
/// ones highlighted, and this view's own front drawn as a staircase through them.
struct ScatterChart {
    var frame: ChartFrame
    var points: [ScatterPoint]
    /// The front in this two-dimensional view, in x order.
    var staircase: [ScatterPoint]
    var higherIsBetter: Bool

    /// `xTolerance`: relative differences of x that count as ties (noisy timings).
    init(title: String, xLabel: String, yLabel: String, points: [ScatterPoint], higherIsBetter: Bool,
         xTolerance: Double = 0, width: Double = 560, height: Double = 300)
    {
        frame = ChartFrame(width: width, height: height, title: title, xLabel: xLabel, yLabel: yLabel)
        frame.xDomain = LinearScale.domain(points.map(\.x), pad: 0.08)
        frame.xFormat = SVG.compact
        frame.yDomain = LinearScale.domain(points.map(\.y), pad: 0.08)
        frame.legend = [LegendItem(name: "Pareto front", color: Palette.accent, mark: .dot),
                        LegendItem(name: "other", color: Palette.rejected, mark: .dot),
                        LegendItem(name: "champion", color: Palette.text, mark: .ring)]
        self.points = points
        self.higherIsBetter = higherIsBetter
        let costs = points.map { [$0.x, higherIsBetter ? -$0.y : $0.y] }
        staircase = ParetoFront.indices(costs, tolerance: [xTolerance, 0]).map { points[$0] }.sorted { ($0.x, $0.y) < ($1.x, $1.y) }
    }

    var svg: String {
        var s = frame.open(description: "\(points.count) versions, \(points.filter(\.onFront).count) on the Pareto front")
        if points.isEmpty { s += frame.emptyNote("no measured versions yet") }
        let x = frame.x, y = frame.y
        if staircase.count > 1 {
            // Each step holds its quality until the next front point's cost is reached.
            var d = "M\(SVG.n(x(staircase[0].x))),\(SVG.n(y(staircase[0].y)))"
            for p in staircase.dropFirst() { d += " H\(SVG.n(x(p.x))) V\(SVG.n(y(p.y)))" }
            s += SVG.element("path", ["d": d, "fill": "none", "stroke": Palette.accent, "stroke-width": "1.5", "stroke-dasharray": "5 3"])
        }
        // Others first so front points stay on top.
        for p in points.sorted(by: { !$0.onFront && $1.onFront }) {
            let cx = SVG.n(x(p.x)), cy = SVG.n(y(p.y))
            s += SVG.element("circle", ["cx": cx, "cy": cy, "r": p.onFront ? "5" : "4", "fill": p.onFront ? Palette.accent : Palette.rejected,
                                        "fill-opacity": p.onFront ? "1" : "0.8"], SVG.title(p.note))
            if p.champion {
                s += SVG.element("circle", ["cx": cx, "cy": cy, "r": "9", "fill": "none", "stroke": Palette.text, "stroke-width": "1.8"], SVG.title(p.note))
            }
            if p.onFront {
                s += SVG.element("text", ["x": SVG.n(x(p.x) + 8), "y": SVG.n(y(p.y) - 7), "fill": Palette.text], SVG.escape(p.label))
            }
        }
        return s + frame.close()
    }
}
