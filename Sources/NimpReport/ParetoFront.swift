/// The Pareto front of a set of candidates: those no other candidate beats on every
/// objective at once.
public enum ParetoFront {
    /// Indices of the non-dominated rows of `costs` (every objective lower-is-better;
    /// negate one that is higher-is-better). A row dominates another when it is no
    /// worse on every objective and better on at least one, so equal rows are all on
    /// the front. `tolerance` gives, per objective, a relative difference that counts
    /// as a tie (for measurements with noise, like latency); by default every
    /// difference counts. Rows containing NaN are never on the front.
    public static func indices(_ costs: [[Double]], tolerance: [Double]? = nil) -> [Int] {
        let valid = costs.indices.filter { costs[$0].allSatisfy { !$0.isNaN } }
        return valid.filter { i in
            !valid.contains { j in j != i && dominates(costs[j], costs[i], tolerance: tolerance) }
        }
    }

    /// Whether `a` dominates `b`: no worse anywhere, better somewhere, beyond the
    /// tolerance (relative to `b`) of each objective.
    public static func dominates(_ a: [Double], _ b: [Double], tolerance: [Double]? = nil) -> Bool {
        precondition(a.count == b.count, "objectives differ in number")
        var better = false
        for k in a.indices {
            let slack = (tolerance?[k] ?? 0) * abs(b[k])
            if a[k] > b[k] + slack { return false }
            if a[k] < b[k] - slack { better = true }
        }
        return better
    }
}
