import ArgumentParser
import Foundation
import NimpCore
import NimpIO

// Re-run once with a fast OpenBLAS kernel selected before the library loads.
if let core = BLASKernel.valueToSet(environment: ProcessInfo.processInfo.environment, cpuFlags: BLASKernel.cpuFlags()) {
    setenv(BLASKernel.environmentKey, core, 1)
    setenv(BLASKernel.chosenKey, core, 1)
    let args = CommandLine.unsafeArgv
    execv("/proc/self/exe", args)
    // exec failed: carry on with the slow kernel rather than not at all.
}
setlocale(LC_CTYPE, "C.UTF-8")
signal(SIGPIPE, SIG_IGN)
Console.checkStandardOutputAtExit()
if let script = FishCompletion.scriptIfRequested(CommandLine.arguments) {
    print(script)
    exit(0)
}
Nimp.main()
