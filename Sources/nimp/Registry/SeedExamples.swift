import NimpCore
import NimpCycle
import NimpIO
import NimpRegistry

/// `registry init --examples`: trains and adds the example models (NimpCycle).
func seedExamples(into registry: NimpRegistry.Registry) throws {
    let added = try Examples.seed(into: registry, log: Console.info)
    if added.isEmpty { Console.info("the example models are already there") }
}
