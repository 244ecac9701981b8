import Foundation

/// One entry of a chart's legend.
struct LegendItem {
    enum Mark { case line, dashed, dot, ring, bar }
    var name: String
    var color: String
    var mark: Mark
}

/// The parts every chart shares: size, margins, title, axes with ticks and grid,
/// axis labels and a legend. Marks are drawn between `open()` and `close()`.
struct ChartFrame {
    var width = 560.0
    var height = 300.0
    var left = 62.0
    var right = 18.0
    var top = 46.0
    var bottom = 44.0
    var title: String
    var xLabel: String
    var yLabel: String
    var xDomain: ClosedRange<Double> = 0...1
    var yDomain: ClosedRange<Double> = 0...1
    /// Whole-number x ticks (versions, cycles, epochs).
    var integerX = false
    var xFormat: (Double) -> String = SVG.value
    var yFormat: (Double) -> String = SVG.value
    var legend: [LegendItem] = []
    /// Tick values in plot units when the automatic ones do not fit (a log axis).
    var yTicks: [Double]?

    var x: LinearScale { LinearScale(domain: xDomain, range: left...(width - right)) }
    var y: LinearScale { LinearScale(domain: yDomain, range: top...(height - bottom), flipped: true) }
    var plotLeft: Double { left }
    var plotRight: Double { width - right }
    var plotTop: Double { top }
    var plotBottom: Double { height - bottom }

    /// The `<svg>` start tag, title, grid and axes.
    func open(description: String) -> String {
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(SVG.n(width)) \(SVG.n(height))\" "
            + "width=\"\(SVG.n(width))\" height=\"\(SVG.n(height))\" role=\"img\" "
            + "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\" font-size=\"11\">"
        s += SVG.title(title + ": " + description)
        s += SVG.element("rect", ["x": "0", "y": "0", "width": SVG.n(width), "height": SVG.n(height), "fill": "#fff"])
        s += SVG.element("text", ["x": SVG.n(left), "y": "16", "font-size": "13", "font-weight": "600", "fill": Palette.text], SVG.escape(title))
        s += legendSVG()
        let xs = x, ys = y
        let xTicks = integerX ? xs.integerTicks() : xs.ticks(6)
        for t in yTicks ?? ys.ticks(5) {
            let py = ys(t)
            s += SVG.element("line", ["x1": SVG.n(plotLeft), "y1": SVG.n(py), "x2": SVG.n(plotRight), "y2": SVG.n(py), "stroke": Palette.grid])
            s += SVG.element("text", ["x": SVG.n(plotLeft - 6), "y": SVG.n(py + 4), "text-anchor": "end", "fill": Palette.muted], SVG.escape(yFormat(t)))
        }
        for t in xTicks {
            let px = xs(t)
            s += SVG.element("line", ["x1": SVG.n(px), "y1": SVG.n(plotBottom), "x2": SVG.n(px), "y2": SVG.n(plotBottom + 4), "stroke": Palette.axis])
            s += SVG.element("text", ["x": SVG.n(px), "y": SVG.n(plotBottom + 16), "text-anchor": "middle", "fill": Palette.muted], SVG.escape(xFormat(t)))
        }
        s += SVG.element("line", ["x1": SVG.n(plotLeft), "y1": SVG.n(plotBottom), "x2": SVG.n(plotRight), "y2": SVG.n(plotBottom), "stroke": Palette.axis])
        s += SVG.element("line", ["x1": SVG.n(plotLeft), "y1": SVG.n(plotTop), "x2": SVG.n(plotLeft), "y2": SVG.n(plotBottom), "stroke": Palette.axis])
        s += SVG.element("text", ["x": SVG.n((plotLeft + plotRight) / 2), "y": SVG.n(height - 8), "text-anchor": "middle", "fill": Palette.text], SVG.escape(xLabel))
        let cy = (plotTop + plotBottom) / 2
        s += SVG.element("text", ["x": "14", "y": SVG.n(cy), "text-anchor": "middle", "fill": Palette.text,
                                  "transform": "rotate(-90 14 \(SVG.n(cy)))"], SVG.escape(yLabel))
        return s
    }

    func close() -> String { "</svg>" }

    /// A horizontal reference line across the plot (a target, a threshold, zero).
    func horizontalLine(at value: Double, color: String, label: String?, dashed: Bool = true) -> String {
        guard yDomain.contains(value) else { return "" }
        let py = y(value)
        var s = SVG.element("line", ["x1": SVG.n(plotLeft), "y1": SVG.n(py), "x2": SVG.n(plotRight), "y2": SVG.n(py),
                                     "stroke": color, "stroke-width": "1.2", "stroke-dasharray": dashed ? "5 4" : "none"])
        if let label {
            s += SVG.element("text", ["x": SVG.n(plotRight - 4), "y": SVG.n(py - 4), "text-anchor": "end", "fill": color], SVG.escape(label))
        }
        return s
    }

    /// The legend, one row in the top margin, right-aligned.
    func legendSVG() -> String {
        guard !legend.isEmpty else { return "" }
        let widths = legend.map { 22 + Double($0.name.count) * 6.2 + 12 }
        var px = max(left, width - right - widths.reduce(0, +))
        let py = 34.0
        var s = ""
        for (item, w) in zip(legend, widths) {
            switch item.mark {
            case .line, .dashed:
                s += SVG.element("line", ["x1": SVG.n(px), "y1": SVG.n(py - 4), "x2": SVG.n(px + 16), "y2": SVG.n(py - 4), "stroke": item.color,
                                          "stroke-width": "2", "stroke-dasharray": item.mark == .dashed ? "5 3" : "none"])
            case .dot:
                s += SVG.element("circle", ["cx": SVG.n(px + 8), "cy": SVG.n(py - 4), "r": "4", "fill": item.color])
            case .ring:
                s += SVG.element("circle", ["cx": SVG.n(px + 8), "cy": SVG.n(py - 4), "r": "5", "fill": "none", "stroke": item.color, "stroke-width": "2"])
            case .bar:
                s += SVG.element("rect", ["x": SVG.n(px + 3), "y": SVG.n(py - 9), "width": "10", "height": "10", "fill": item.color])
            }
            s += SVG.element("text", ["x": SVG.n(px + 20), "y": SVG.n(py), "fill": Palette.text], SVG.escape(item.name))
            px += w
        }
        return s
    }

    /// A short note in the middle of an empty plot.
    func emptyNote(_ text: String) -> String {
        SVG.element("text", ["x": SVG.n((plotLeft + plotRight) / 2), "y": SVG.n((plotTop + plotBottom) / 2), "text-anchor": "middle",
                             "fill": Palette.muted], SVG.escape(text))
    }
}
