import Foundation
import NimpCore
import Testing
@testable import NimpRegistry

@Suite struct ConfigTests {
    @Test func defaultsMatchDesign() throws {
        let config = RegistryConfig()
        #expect(config.maxConcurrentTasks == 3)
        #expect(config.improvementInterval == 300)
        #expect(config.performanceThreshold == 0.1)
        #expect(config.maxIterations == 1000)
        #expect(config.signalDrivenPriority && config.geneticArchitectureSearch && config.crossModelDistillation)
        let parsed = try RegistryConfig.parse(try config.encoded(), file: "config.json")
        #expect(parsed == config)
    }

    @Test func missingKeysTakeDefaults() throws {
        let config = try RegistryConfig.parse(Data(#"{"max_concurrent_tasks": 5}"#.utf8), file: "config.json")
        #expect(config.maxConcurrentTasks == 5)
        #expect(config.improvementInterval == 300)
    }

    @Test func unknownKeyIsRejectedWithAHint() throws {
        let error = expectNimpError(.dataError) {
            _ = try RegistryConfig.parse(Data(#"{"max_concurent_tasks": 5}"#.utf8), file: "config.json")
        }
        #expect(error?.message.contains("max_concurent_tasks") == true)
        #expect(error?.hint?.contains("did you mean \"max_concurrent_tasks\"") == true)
    }

    @Test func typesAndRangesAreChecked() throws {
        for bad in [#"{"max_concurrent_tasks": 1.5}"#, #"{"max_concurrent_tasks": 0}"#, #"{"performance_threshold": "0.1"}"#,
                    #"{"performance_threshold": 2}"#, #"{"cross_model_distillation": 1}"#, #"[1]"#,
                    #"{"promotion_confidence": 1}"#, #"{"promotion_confidence": 0}"#, #"{"promotion_confidence": -0.5}"#] {
            let error = expectNimpError(.dataError) { _ = try RegistryConfig.parse(Data(bad.utf8), file: "config.json") }
            #expect(error != nil, "\(bad) should be rejected")
        }
        var config = RegistryConfig()
        try config.set(try RegistryConfig.key("improvement_interval"), text: "60")
        #expect(config.improvementInterval == 60)
        try config.set(try RegistryConfig.key("genetic_architecture_search"), text: "false")
        #expect(!config.geneticArchitectureSearch)
        #expect(expectNimpError(.dataError) { try config.set(try RegistryConfig.key("keep_versions"), text: "zero") } != nil)
        let open = expectNimpError(.dataError) { try config.set(try RegistryConfig.key("promotion_confidence"), text: "1") }
        #expect(open?.message.contains("promotion_confidence") == true && open?.message.contains("strictly between 0 and 1") == true)
        try config.set(try RegistryConfig.key("promotion_confidence"), text: "0.999")
        #expect(config.promotionConfidence == 0.999)
        #expect(expectNimpError(.usage) { _ = try RegistryConfig.key("nope") } != nil)
    }

    @Test func setConfigWritesFileAndHistory() throws {
        let t = try TempRegistry()
        let (old, new) = try t.registry.setConfig("keep_versions", to: "4")
        #expect(old == .int(10) && new == .int(4))
        #expect(try t.registry.config().keepVersions == 4)
        let last = try #require(try t.registry.history.read().entries.last)
        #expect(last.type == .config && last["key"] == "keep_versions")
    }
}

@Suite struct ModelSpecTests {
    let sha = String(repeating: "a", count: 64)

    @Test func roundTrips() throws {
        let spec = ModelSpec(task: .classification, train: DataRef(path: "data/t.safetensors", sha256: sha),
                             eval: DataRef(path: "data/e.safetensors", sha256: sha), audit: DataRef(path: "data/a.safetensors", sha256: sha), source: DataSource(.generator("signal/growth"), samples: 500, sampling: .active),
                             targets: ["accuracy": 0.9], constraints: ["max_parameters": 5000], genome: Genome(hidden: [8]))
        let parsed = try ModelSpec.parse(try spec.encoded(), file: "model.json")
        #expect(parsed == spec)
    }

    @Test func rejectsUnknownKeysAndBadValues() throws {
        let good = #"{"task":"regression","data":{"train":{"path":"data/t","sha256":"\#(sha)"},"eval":{"path":"data/e","sha256":"\#(sha)"}}}"#
        _ = try ModelSpec.parse(Data(good.utf8), file: "model.json")
        let bad = [
            good.replacingOccurrences(of: #""task""#, with: #""tsak":"x","task""#),
            good.replacingOccurrences(of: "regression", with: "ranking"),
            good.replacingOccurrences(of: #""path":"data/t""#, with: #""path":"../t""#),
            good.replacingOccurrences(of: #"}}}"#, with: #"},"source":{"generator":"g","command":"c"}}}"#),
            good.replacingOccurrences(of: #"}}}"#, with: #"}},"targets":{"speed":1}}"#),
            // A classifier's metric as a regressor's target can never be met.
            good.replacingOccurrences(of: #"}}}"#, with: #"}},"targets":{"accuracy":0.9}}"#),
            good.replacingOccurrences(of: #""path":"data/e""#, with: #""path":"data/e","sha256":"\#(sha)"},"audit":{"path":"../a""#),
            good.replacingOccurrences(of: #"}}}"#, with: #"},"source":{"generator":"g","sampling":"clever"}}}"#),
            // Files arrive as they are: nothing to sample.
            good.replacingOccurrences(of: #"}}}"#, with: #"},"source":{"files":"in/*.csv","sampling":"active"}}}"#),
        ]
        for text in bad {
            #expect(expectNimpError(.dataError) { _ = try ModelSpec.parse(Data(text.utf8), file: "model.json") } != nil, "\(text)")
        }
    }

    /// `registry add` and `task add` read --target and the constraint flags through these.
    @Test func targetsAndConstraintsFromPeople() throws {
        #expect(try ModelSpec.targets(parsing: ["r2=0.99", "latency_p50_us=2"], task: .regression) == ["r2": 0.99, "latency_p50_us": 2])
        for (text, words) in [("r2", "expected metric=value, e.g. r2=0.9"), ("r2=high", "expected metric=value"),
                              ("speed=1", "unknown metric \"speed\""), ("accuracy=0.9", "accuracy is not a metric of a regression model")] {
            let error = expectNimpError(.usage) { _ = try ModelSpec.targets(parsing: [text], task: .regression) }
            #expect(error?.message.hasPrefix("target \(text): \(words)") == true, "\(String(describing: error))")
            #expect(error?.parameters == [.targets])
        }
        #expect(try ModelSpec.constraints(["max_parameters": 5000, "max_bytes": nil]) == ["max_parameters": 5000])
        let negative = expectNimpError(.usage) { _ = try ModelSpec.constraints(["max_latency_p50_us": -3]) }
        #expect(negative?.message == "max_latency_p50_us -3: expected a positive number")
        #expect(negative?.parameters == [.constraint("max_latency_p50_us")])
        #expect(expectNimpError(.usage) { _ = try ModelSpec.constraints(["max_speed": 1]) } != nil)
    }

    @Test func versionNames() {
        #expect(VersionName.file(7) == "v0007.nimp")
        #expect(VersionName.file(12345) == "v12345.nimp")
        #expect(VersionName.parseFile("v0007.nimp") == 7)
        #expect(VersionName.parseFile("v7.nimp") == nil)
        #expect(VersionName.parse("7") == 7 && VersionName.parse("v0007") == 7 && VersionName.parse("0") == nil)
        #expect(ModelID.problem("dopamine-v2_x.y") == nil)
        #expect(ModelID.problem("../x") != nil && ModelID.problem(".hidden") != nil && ModelID.problem("") != nil)
    }
}
