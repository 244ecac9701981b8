import ArgumentParser
import Foundation
import NimpCore
import NimpIO
import NimpRegistry

struct RegistryInit: NimpCommand, WaitsForLock {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a registry directory (an existing one is left as it is).",
        discussion: """
            Creates config.json with the default settings, models/, data/ and history.jsonl. \
            With --examples, also adds the four signal models (signal/dopamine, cortisol, serotonin, \
            growth), each with a generated training set, a held-out eval set from another seed, \
            targets, and a small under-trained first champion, so that `nimp cycle` has work.
            """)

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var lock: LockOptions
    @OptionGroup var outputOptions: OutputOptions

    @Flag(help: "Seed the registry with the four example signal models.")
    var examples = false

    func execute() throws {
        outputOptions.apply()
        let (opened, created) = try NimpRegistry.Registry.create(at: registry.path, lockWait: lock.wait, diagnostics: Console.sink)
        Console.info(created ? "initialized registry \(opened.root)" : "\(opened.root): already a registry")
        if examples {
            try seedExamples(into: opened)
        }
    }
}
