import NimpCore
import Testing
@testable import NimpOperators

@Suite struct DistillationTests {
    @Test func regressionStudentMovesTowardTheTeacher() throws {
        let data = OperatorFixtures.signal(800, seed: 11)
        let teacher = try TestArchives.trained(data, hidden: [32, 32], epochs: 6)
        var request = DistillRequest(teacher: teacher, train: data)
        request.validation = OperatorFixtures.signal(300, seed: 12)
        request.hidden = [8]
        request.epochs = 6
        request.augment = 400
        request.latencySamples = 20
        let result = try Distiller.run(request)
        #expect(result.finalDistance < result.initialDistance / 4)
        #expect(result.trainingSamples == 1200)
        #expect(result.archive.model.hidden == [8])
        #expect(result.comparison.parametersRatio < 0.2)
        #expect(result.comparison.teacherDistance == result.finalDistance)
        let lineage = result.archive.manifest.lineage
        #expect(lineage.operation == "distill" && lineage.parentSha256 == teacher.sha256)
    }

    @Test func classifierStudentLearnsSoftTargets() throws {
        let data = OperatorFixtures.blobs(600, seed: 13)
        let teacher = try TestArchives.trained(data, hidden: [32], epochs: 8)
        func distill(alpha: Float) throws -> DistillResult {
            var request = DistillRequest(teacher: teacher, train: data)
            request.validation = OperatorFixtures.blobs(300, seed: 14)
            request.hidden = [8]
            request.epochs = 30
            request.batchSize = 32
            request.alpha = alpha
            request.augment = 200
            request.latencySamples = 20
            return try Distiller.run(request)
        }
        let soft = try distill(alpha: 0.9)
        let labelsOnly = try distill(alpha: 0)
        #expect(soft.finalDistance < soft.initialDistance / 10)
        // The teacher's probabilities bring the student closer to it than its labels do.
        #expect(soft.finalDistance < labelsOnly.finalDistance)
        let accuracy = try #require(soft.comparison.result.quality["accuracy"])
        #expect(accuracy > 0.9)
    }

    @Test func augmentationDrawsNoiseAndMixupAroundTheData() {
        let data = OperatorFixtures.blobs(50, seed: 1)
        let extra = Distiller.augmentedInputs(data, count: 40, noise: 0.1, seed: 2)
        #expect(extra.rows == 40 && extra.cols == 4)
        // Inputs lie in [-1, 1); mixup stays inside, noise barely leaves it.
        #expect(extra.data.allSatisfy { abs($0) < 1.5 })
        #expect(extra == Distiller.augmentedInputs(data, count: 40, noise: 0.1, seed: 2))
        #expect(extra != Distiller.augmentedInputs(data, count: 40, noise: 0.1, seed: 3))
    }

    @Test func regressionTargetsBlendTeacherAndTruthOnGivenRowsOnly() {
        let teacher = OperatorFixtures.model([4, 8, 1])
        let x = OperatorFixtures.inputs(rows: 5, cols: 4)
        let truth = Matrix(rows: 3, cols: 1, data: [10, 20, 30])
        guard case .values(let y) = Distiller.teacherTargets(teacher: teacher, x: x, truth: .values(truth), temperature: 1, alpha: 0.25) else {
            Issue.record("expected values")
            return
        }
        let t = teacher.predict(x)
        #expect(abs(y[0, 0] - (0.25 * t[0, 0] + 0.75 * 10)) < 1e-5)
        #expect(y[4, 0] == t[4, 0])
    }
}
