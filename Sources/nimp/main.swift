import ArgumentParser
import Foundation
import NimpCore
import NimpIO

// Re-run once with the chosen OpenBLAS kernel (the library reads it when it loads); BLIS
// and libxsmm where measured faster. Commands that multiply nothing skip it.
let kernelWarning = KernelSetup.needed(CommandLine.arguments) ? BLASKernel.prepare() : nil
setlocale(LC_CTYPE, "C.UTF-8")
signal(SIGPIPE, SIG_IGN)
Console.checkStandardOutputAtExit()
if let kernelWarning { Console.warn(kernelWarning) }
if let script = FishCompletion.scriptIfRequested(CommandLine.arguments) {
    print(script)
    exit(0)
}
Nimp.main()
