import NimpCore
import Testing
@testable import NimpOperators

@Suite struct EvolutionTests {
    static func request(seed: UInt64) -> EvolveRequest {
        var r = EvolveRequest(train: OperatorFixtures.signal(500, seed: 21), validation: OperatorFixtures.signal(200, seed: 22))
        r.population = 5
        r.generations = 3
        r.seed = seed
        r.space = GenomeSpace(epochs: 2)
        r.space.widths = [4, 8, 16]
        r.space.depths = 1...2
        r.initial = Genome(hidden: [8], epochs: 2)
        r.latencySamples = 20
        return r
    }

    @Test func aFixedSeedReproducesTheSearch() throws {
        let a = try Evolution.run(Self.request(seed: 7))
        let b = try Evolution.run(Self.request(seed: 7))
        #expect(a.generations.map(\.bestGenome) == b.generations.map(\.bestGenome))
        #expect(a.generations.map(\.bestFitness) == b.generations.map(\.bestFitness))
        #expect(a.generations.map(\.medianFitness) == b.generations.map(\.medianFitness))
        #expect(a.best.genome == b.best.genome)
        #expect(a.archive.model == b.archive.model)
    }

    @Test func neverReturnsWorseThanTheBestOfTheFirstGeneration() throws {
        var lines: [GenerationReport] = []
        let result = try Evolution.run(Self.request(seed: 3)) { lines.append($0) }
        #expect(lines.count == 3)
        #expect(result.best.fitness >= lines[0].bestFitness)
        for (a, b) in zip(lines, lines.dropFirst()) { #expect(b.bestFitness >= a.bestFitness) }
        #expect(result.archive.manifest.genome == result.best.genome)
        #expect(result.archive.manifest.lineage.operation == "evolve")
        #expect(result.archive.model.hidden == result.best.genome.hidden)
    }

    @Test func mutationChangesOneGeneAndStaysInTheSpace() {
        let space = GenomeSpace(epochs: 5)
        var rng = RNG(seed: 1)
        var genome = space.random(&rng)
        for _ in 0..<200 {
            let child = space.mutate(genome, &rng)
            #expect(child != genome)
            #expect(space.depths.contains(child.hidden.count))
            #expect(child.hidden.allSatisfy(space.widths.contains))
            #expect(space.learningRates.contains(child.learningRate))
            #expect(space.batchSizes.contains(child.batchSize) && space.optimizers.contains(child.optimizer))
            #expect(child.epochs == 5)
            genome = child
        }
    }

    @Test func crossoverTakesEveryGeneFromAParent() {
        let space = GenomeSpace()
        var rng = RNG(seed: 2)
        let a = Genome(hidden: [8, 8, 8], activation: .tanh, learningRate: 1e-3, batchSize: 16, optimizer: .sgd)
        let b = Genome(hidden: [64], activation: .gelu, learningRate: 1e-2, batchSize: 256, optimizer: .adam)
        for _ in 0..<100 {
            let c = space.crossover(a, b, &rng)
            #expect([a.activation, b.activation].contains(c.activation))
            #expect([a.learningRate, b.learningRate].contains(c.learningRate))
            #expect([a.batchSize, b.batchSize].contains(c.batchSize))
            #expect(c.hidden.allSatisfy { $0 == 8 || $0 == 64 } && space.depths.contains(c.hidden.count))
        }
    }

    @Test func parameterCostIsRelativeToTheReference() {
        #expect(GenomeSpace.parameters(of: Genome(hidden: [64, 64]), inputs: 10, outputs: 1) == 11 * 64 + 65 * 64 + 65)
        #expect(GenomeSpace.twoSignificantDigits(0.0012345) == Float(0.0012))
    }
}
