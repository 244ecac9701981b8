import Foundation
@testable import NimpIO
import Testing

@Suite struct ProgressBarTests {
    @Test func lineShowsCountRateAndETA() {
        let line = ProgressBar.render(label: "train", completed: 5, total: 20, unit: "epochs", elapsed: 2.5, detail: "loss 0.01")
        #expect(line == "train  [==>       ]  5/20 epochs  2.0 epochs/s  ETA 0:08  loss 0.01")
    }

    @Test func slowStepsShowSecondsPerStepAndTheBudgetCapsTheETA() {
        let line = ProgressBar.render(label: "cycle 3", completed: 1, total: 4, unit: "tasks", elapsed: 30, budgetSeconds: 60)
        #expect(line == "cycle 3  [==>       ]  1/4 tasks  30.0 s/task  ETA 0:30")
        let unknown = ProgressBar.render(label: "evolve", completed: 2, total: nil, unit: "generations", elapsed: 10, budgetSeconds: 100)
        #expect(unknown == "evolve  2 generations  5.0 s/generation  ETA 1:30")
        #expect(ProgressBar.render(label: "x", completed: 0, total: 3, unit: "tasks", elapsed: 1) == "x  [>         ]  0/3 tasks", "no ETA before the first step")
    }

    @Test func narrowTerminalsDropDetailBeforeCuttingTheLine() {
        let line = ProgressBar.render(label: "train", completed: 5, total: 20, unit: "epochs", elapsed: 2.5,
                                      detail: "loss 0.01  val 0.02  36000 samples/s", width: 70)
        #expect(line == "train  [==>       ]  5/20 epochs  2.0 epochs/s  ETA 0:08  loss 0.01")
        #expect(line.count <= 69)
    }

    @Test func colourCodesAreOnlyUsedWhenAskedAndTakeNoColumns() {
        let plain = ProgressBar.render(label: "t", completed: 1, total: 2, unit: "epochs", elapsed: 1, width: 120)
        #expect(!plain.contains("\u{1B}"))
        let coloured = ProgressBar.render(label: "t", completed: 1, total: 2, unit: "epochs", elapsed: 1, width: 120, color: true)
        #expect(coloured.contains("\u{1B}[32m"))
        #expect(ProgressBar.visibleWidth(coloured) == plain.count)
        #expect(ProgressBar.clock(3725) == "1:02:05")
    }
}
