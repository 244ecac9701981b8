/// The Pareto front of a set of candidates: those no other candidate beats on every
/// objective at once.
public enum ParetoFront {
    /// Indices of the non-dominated rows of `costs` (every objective lower-is-better;
    /// negate one that is higher-is-better). A row dominates another when it is no
    /// worse on every objective and better on at least one, so equal rows are all on
    /// the front. Rows containing NaN are never on it.
    public static func indices(_ costs: [[Double]]) -> [Int] {
        let valid = costs.indices.filter { costs[$0].allSatisfy { !$0.isNaN } }
        return valid.filter { i in
            !valid.contains { j in j != i && dominates(costs[j], costs[i]) }
        }
    }

    /// Whether `a` dominates `b`.
    public static func dominates(_ a: [Double], _ b: [Double]) -> Bool {
        precondition(a.count == b.count, "objectives differ in number")
        var better = false
        for (x, y) in zip(a, b) {
            if x > y { return false }
            if x < y { better = true }
        }
        return better
    }
}
