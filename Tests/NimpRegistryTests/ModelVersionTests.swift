import Foundation
import NimpCore
import NimpIO
import Testing
@testable import NimpRegistry

@Suite struct ModelVersionTests {
    @Test func addModelMakesVersionOneTheChampion() throws {
        let t = try TempRegistry()
        let spec = try t.addModel("sine")
        #expect(try t.registry.modelIDs() == ["sine"])
        #expect(try t.registry.champion("sine") == 1)
        #expect(t.read("models/sine/champion") == "v0001\n")
        #expect(FileManager.default.fileExists(atPath: t.layout.resolve(spec.train.path)))
        #expect(spec.train.path == "data/\(SHA256.hex(Data("train-sine".utf8))).safetensors")
        let archive = try t.registry.archive("sine", version: 1)
        #expect(archive.manifest.id == "sine" && archive.manifest.version == 1)
        let listing = try t.registry.listing("sine")
        #expect(listing.heldOut == ["r2": 0.5, "rmse": 0.1])
        #expect(try t.registry.history.read().entries.last?.type == .add)
        #expect(t.registry.verify().isClean)
        #expect(expectNimpError(.cannotCreate) { try t.addModel("sine") } != nil)
        #expect(expectNimpError(.usage) { try t.addModel("../x") } != nil)
    }

    @Test func versionsPromoteAndRollBackThroughTheStack() throws {
        let t = try TempRegistry()
        try t.addModel("m")
        let v2 = try t.registry.addVersion("m", archive: Fixtures.archive(salt: 2, parent: 1))
        let v3 = try t.registry.addVersion("m", archive: Fixtures.archive(salt: 3, parent: 2), heldOut: ["r2": 0.9], promote: "better")
        #expect(v2 == 2 && v3 == 3)
        #expect(try t.registry.champion("m") == 3)
        try t.registry.promote("m", version: 2, reason: "manual")
        #expect(try t.registry.champions("m").stack() == [1, 3, 2])
        #expect(try t.registry.rollback("m", reason: "bad").to == 3)
        #expect(try t.registry.rollback("m", reason: "bad").to == 1)
        #expect(expectNimpError(.failure) { try t.registry.rollback("m", reason: "none left") } != nil)
        #expect(try t.registry.promote("m", version: 1, reason: "same").changed == false)
        #expect(expectNimpError(.noInput) { try t.registry.promote("m", version: 9, reason: "missing") } != nil)
        #expect(expectNimpError(.noInput) { try t.registry.promote("nope", version: 1, reason: "missing") } != nil)
        let types = try t.registry.history.read(model: "m").entries.map(\.type)
        #expect(types == [.add, .promote, .promote, .rollback, .rollback])
        #expect(t.registry.verify().isClean)
    }

    @Test func uncommittedChampionLogEntryIsIgnored() throws {
        let t = try TempRegistry()
        try t.addModel("m")
        try t.registry.addVersion("m", archive: Fixtures.archive(salt: 2), promote: "p")
        // A crash after logging a promotion to v1 but before the pointer changed.
        let line = #"{"action":"promote","from":2,"reason":"crashed","time":"2025-01-01T00:00:00.000Z","to":1}"#
        try JSONLinesFile(path: t.layout.championLog("m")).append([line], failpoint: "test")
        #expect(try t.registry.champions("m").stack() == [1, 2])
        try t.registry.addVersion("m", archive: Fixtures.archive(salt: 3), promote: "p")
        #expect(try t.registry.champions("m").stack() == [1, 2, 3])
        #expect(try t.registry.rollback("m", reason: "r").to == 2)
    }

    /// `list` reads models on several threads: the order is the models' order, a damaged
    /// model is skipped with one warning, and a model whose index cannot say is listed from
    /// its archives, as `listing` lists each alone.
    @Test func listKeepsOrderAndTakesTheSlowPathWhereTheIndexCannotSay() throws {
        let t = try TempRegistry()
        let ids = (0..<40).map { "m\($0 < 10 ? "0" : "")\($0)" }
        for (i, id) in ids.enumerated() { try t.addModel(id, salt: Float(i % 5 + 1)) }
        try Data("{".utf8).write(to: URL(fileURLWithPath: t.layout.spec("m07")))
        try FileManager.default.removeItem(atPath: t.layout.versionIndex("m13"))
        var warnings: [String] = []
        let listed = try t.registry.list { warnings.append($0) }
        #expect(listed.map(\.id) == ids.filter { $0 != "m07" })
        #expect(warnings.count == 1 && warnings[0].hasPrefix("skipping model m07: "), "\(warnings)")
        for listing in listed {
            let alone = try t.registry.listing(listing.id)
            #expect(listing.championSummary == alone.championSummary && listing.versions == alone.versions && listing.champion == 1)
        }
        #expect(listed.first { $0.id == "m13" }?.championSummary?.metrics["r2"] == 0.5)
    }

    @Test func damagedIndexIsRebuiltFromArchives() throws {
        let t = try TempRegistry()
        try t.addModel("m")
        try t.registry.addVersion("m", archive: Fixtures.archive(salt: 2, parent: 1))
        let index = t.layout.versionIndex("m")
        try Data("garbage\n{\"version\":2,\"size\":1,\"sha256\":\"x\"}\n".utf8).write(to: URL(fileURLWithPath: index))
        let list = try t.registry.versions("m")
        #expect(list.summaries.map(\.version) == [1, 2])
        #expect(list.summary(2)?.parent == 1)
        #expect(list.indexProblems.count == 1)
        // A writer saves the rebuilt index.
        try t.registry.withLock { _ = try t.registry.versions("m") }
        let reloaded = try VersionIndex(layout: t.layout, model: "m").load()
        #expect(reloaded.unindexed.isEmpty && !reloaded.stale && reloaded.problems.isEmpty)
        try FileManager.default.removeItem(atPath: index)
        #expect(try t.registry.versions("m").summaries.count == 2)
    }

    /// An index line reads back as written; a field of the wrong type makes the line
    /// unreadable (its archive is summarised again), a null field counts as absent.
    @Test func indexLinesReadBackAndWrongTypesMakeALineUnreadable() throws {
        var written = VersionSummary(version: 3, size: 120, sha256: "ab", created: RegistryTime.parse("2026-12-01T10:00:00.000Z"),
                                     task: .regression, parent: 2, operation: "train", teacher: "t", datasetSha256: "cd",
                                     parameters: 41, metrics: ["r2": 0.5, "rmse": 0.25],
                                     heldOut: HeldOutMetrics(evalSha256: "ef", metrics: ["r2": 0.4]))
        written.audit = HeldOutMetrics(evalSha256: "gh", metrics: ["r2": 0.3])
        func read(_ text: String) -> VersionSummary? { VersionIndex.parse(Substring(text)).flatMap(IndexLine.summary) }
        #expect(read(try JSONCoding.line(written.json)) == written)
        #expect(read(#"{"version":3,"size":120,"sha256":"ab","parent":null,"metrics":{"r2":null,"rmse":1}}"#)
            == VersionSummary(version: 3, size: 120, sha256: "ab", metrics: ["rmse": 1]))
        #expect(read(#"{"version":3.0,"size":120,"sha256":"ab"}"#)?.version == 3)
        for bad in [#"{"version":"3","size":120,"sha256":"ab"}"#, #"{"version":3,"size":120}"#, #"{"version":3.5,"size":120,"sha256":"ab"}"#,
                    #"{"version":3,"size":120,"sha256":"ab","parent":"2"}"#, #"{"version":3,"size":120,"sha256":"ab","metrics":{"r2":"x"}}"#,
                    #"{"version":3,"size":120,"sha256":"ab","held_out":{"metrics":{}}}"#, #"{"version":0,"size":120,"sha256":"ab"}"#,
                    #"{"version":3,"size":-1,"sha256":"ab"}"#, "[3]", "3"] {
            #expect(read(bad) == nil, "\(bad)")
        }
    }

    @Test func damagedModelIsSkippedByListingAndFailsAlone() throws {
        let t = try TempRegistry()
        try t.addModel("good")
        try t.addModel("bad", salt: 2)
        try Data("{".utf8).write(to: URL(fileURLWithPath: t.layout.spec("bad")))
        var warnings: [String] = []
        let listed = try t.registry.list { warnings.append($0) }
        #expect(listed.map(\.id) == ["good"])
        #expect(warnings.count == 1 && warnings[0].contains("bad"))
        #expect(expectNimpError(.dataError) { _ = try t.registry.spec("bad") } != nil)
    }

    @Test func failedStepsLeaveNoTrace() throws {
        let t = try TempRegistry()
        try t.addModel("m")
        // A version whose task differs is refused before anything is written.
        var classifier = Fixtures.archive()
        classifier.manifest.task = .classification
        #expect(throws: NimpError.self) { try t.registry.addVersion("m", archive: classifier) }
        #expect(VersionIndex(layout: t.layout, model: "m").archiveFiles().keys.sorted() == [1])
    }
}

@Suite struct VerifyAndGCTests {
    @Test func verifyFindsTamperingTornLinesAndChangedData() throws {
        let t = try TempRegistry()
        let spec = try t.addModel("m")
        #expect(t.registry.verify().isClean)
        let path = t.layout.archive("m", 1)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: path))
        try Data("changed".utf8).write(to: URL(fileURLWithPath: t.layout.resolve(spec.eval.path)))
        try Data("v0009\n".utf8).write(to: URL(fileURLWithPath: t.layout.champion("m")))
        let handle = try #require(FileHandle(forWritingAtPath: t.layout.history))
        handle.seekToEndOfFile()
        handle.write(Data("{\"time\":".utf8))
        try handle.close()
        _ = FileManager.default.createFile(atPath: t.layout.versions("m") + "/.v0002.nimp.tmp-999999-1", contents: Data())
        let report = t.registry.verify()
        let text = report.problems.joined(separator: "\n")
        #expect(report.problems.count == 4, "\(text)")
        #expect(text.contains("v0001.nimp"))
        #expect(text.contains("the dataset was changed"))
        #expect(text.contains("points to v0009"))
        #expect(text.contains("history.jsonl: line"))
        #expect(report.warnings.contains { $0.contains(".tmp-999999") })
    }

    @Test func gcKeepsChampionsTheirLineageAndTheNewest() throws {
        let t = try TempRegistry()
        try t.addModel("m")                                                           // v1 (champion, then previous)
        try t.registry.addVersion("m", archive: Fixtures.archive(salt: 2, parent: 1))  // v2: parent of v4
        try t.registry.addVersion("m", archive: Fixtures.archive(salt: 3, parent: 1))  // v3: a dead end
        try t.registry.addVersion("m", archive: Fixtures.archive(salt: 4, parent: 2), promote: "better") // v4 champion
        try t.registry.addVersion("m", archive: Fixtures.archive(salt: 5, parent: 4))  // v5 newest
        try t.addModel("teacher", salt: 9)
        try t.registry.addVersion("teacher", archive: Fixtures.archive(salt: 8))  // teacher v2: never champion
        try t.registry.addVersion("teacher", archive: Fixtures.archive(salt: 7))  // teacher v3: newest
        let teacherSha = try #require(try t.registry.versions("teacher").summary(2)?.sha256)
        try t.registry.addVersion("m", archive: Fixtures.archive(salt: 6, operation: "distill", teacher: teacherSha),
                                  promote: "distilled")                          // v6 champion, taught by teacher v2
        try Data("orphan".utf8).write(to: URL(fileURLWithPath: t.layout.data + "/" + String(repeating: "0", count: 64) + ".safetensors"))
        let dry = try t.registry.gc(keep: 1, dryRun: true)
        #expect(dry.removed["m"] == [3, 5])
        #expect(VersionIndex(layout: t.layout, model: "m").archiveFiles().count == 6)
        let report = try t.registry.gc(keep: 1)
        #expect(report.removed["m"] == [3, 5])
        #expect(report.removed["teacher"] == nil)
        #expect(report.protected["teacher"]?[2]?.contains("teacher of m") == true)
        #expect(report.removedData.count == 1)
        #expect(VersionIndex(layout: t.layout, model: "m").archiveFiles().keys.sorted() == [1, 2, 4, 6])
        #expect(try t.registry.history.read().entries.last?.type == .gc)
        // Moved aside within their own directories, then removed: nothing left behind.
        for dir in [t.layout.versions("m"), t.layout.data] {
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).allSatisfy { !$0.hasPrefix(".") }, "\(dir)")
        }
        #expect(t.registry.verify().isClean)
        #expect(try t.registry.rollback("m", reason: "r").to == 4)
    }
}
