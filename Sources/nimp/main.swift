import ArgumentParser
import Foundation
import NimpCore
import NimpIO

// The OpenBLAS kernel, set for the library to read when the first product loads it, and
// BLIS and libxsmm where measured faster: before any thread starts, as setenv needs.
let kernelWarning = BLASKernel.prepare()
setlocale(LC_CTYPE, "C.UTF-8")
signal(SIGPIPE, SIG_IGN)
Console.checkStandardOutputAtExit()
if let kernelWarning { Console.warn(kernelWarning) }
if CommandLine.arguments.dropFirst() == ["--version"] {
    print(NimpVersion.description)
    exit(0)
}
if let script = FishCompletion.scriptIfRequested(CommandLine.arguments) {
    print(script)
    exit(0)
}
Nimp.main()
