extension Model {
    /// Data-dependent start for a fresh regression model: the output layer's bias is
    /// the mean of each target and its weights are scaled by the target's standard
    /// deviation, so the first predictions are already on the targets' scale. Without
    /// it a freshly initialised network starts with outputs of unit variance around 0,
    /// which for targets in (0, 1) costs the first epochs just to move there.
    /// Classification models are left as they are (logits start near uniform).
    public mutating func initializeOutputs(for targets: Targets) {
        guard case .values(let y) = targets, y.rows > 0, y.cols == outputs else { return }
        let last = layers.count - 1
        let cols = y.cols
        for o in 0..<cols {
            var mean = 0.0
            y.forEachChunk { p, rows in
                for r in 0..<rows.count { mean += Double(p[r &* cols &+ o]) }
            }
            mean /= Double(y.rows)
            var variance = 0.0
            y.forEachChunk { p, rows in
                for r in 0..<rows.count {
                    let d = Double(p[r &* cols &+ o]) - mean
                    variance += d * d
                }
            }
            let std = (variance / Double(y.rows)).squareRoot()
            layers[last].bias[o] = Float(mean)
            let scale = Float(std > 0 ? std : 1)
            for i in 0..<layers[last].weight.cols { layers[last].weight[o, i] *= scale }
        }
    }
}
