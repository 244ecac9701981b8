import NimpCore
import NimpImprove
import NimpIO
import NimpRegistry

/// `registry init --examples`: trains and adds the four signal models (NimpImprove).
func seedExamples(into registry: NimpRegistry.Registry) throws {
    let added = try Examples.seed(into: registry, log: Console.info)
    if added.isEmpty { Console.info("the example models are already there") }
}
