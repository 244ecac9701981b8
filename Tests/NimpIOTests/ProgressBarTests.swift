@testable import NimpIO
import XCTest

final class ProgressBarTests: XCTestCase {
    func testLineShowsCountRateAndETA() {
        let line = ProgressBar.render(label: "train", completed: 5, total: 20, unit: "epochs", elapsed: 2.5, detail: "loss 0.01")
        XCTAssertEqual(line, "train  [==>       ]  5/20 epochs  2.0 epochs/s  ETA 0:08  loss 0.01")
    }

    func testSlowStepsShowSecondsPerStepAndTheBudgetCapsTheETA() {
        let line = ProgressBar.render(label: "cycle 3", completed: 1, total: 4, unit: "tasks", elapsed: 30, budgetSeconds: 60)
        XCTAssertEqual(line, "cycle 3  [==>       ]  1/4 tasks  30.0 s/task  ETA 0:30")
        let unknown = ProgressBar.render(label: "evolve", completed: 2, total: nil, unit: "generations", elapsed: 10, budgetSeconds: 100)
        XCTAssertEqual(unknown, "evolve  2 generations  5.0 s/generation  ETA 1:30")
        XCTAssertEqual(ProgressBar.render(label: "x", completed: 0, total: 3, unit: "tasks", elapsed: 1), "x  [>         ]  0/3 tasks",
                       "no ETA before the first step")
    }

    func testNarrowTerminalsDropDetailBeforeCuttingTheLine() {
        let line = ProgressBar.render(label: "train", completed: 5, total: 20, unit: "epochs", elapsed: 2.5,
                                      detail: "loss 0.01  val 0.02  36000 samples/s", width: 70)
        XCTAssertEqual(line, "train  [==>       ]  5/20 epochs  2.0 epochs/s  ETA 0:08  loss 0.01")
        XCTAssertLessThanOrEqual(line.count, 69)
    }

    func testColourCodesAreOnlyUsedWhenAskedAndTakeNoColumns() {
        let plain = ProgressBar.render(label: "t", completed: 1, total: 2, unit: "epochs", elapsed: 1, width: 120)
        XCTAssertFalse(plain.contains("\u{1B}"))
        let coloured = ProgressBar.render(label: "t", completed: 1, total: 2, unit: "epochs", elapsed: 1, width: 120, color: true)
        XCTAssertTrue(coloured.contains("\u{1B}[32m"))
        XCTAssertEqual(ProgressBar.visibleWidth(coloured), plain.count)
        XCTAssertEqual(ProgressBar.clock(3725), "1:02:05")
    }
}
