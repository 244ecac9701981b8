import Foundation
import Synchronization

/// Ctrl-C and SIGTERM during a long run: the first one asks the run to stop at the end of
/// the current epoch, generation or step and keep what it has; a second one exits at once
/// (whatever was being written is a temporary file that the next run removes).
public enum Interruption {
    private static let signalNumber = Atomic<Int32>(0)

    /// The signal that asked to stop, nil when none did.
    public static var requested: Int32? {
        let s = signalNumber.load(ordering: .relaxed)
        return s == 0 ? nil : s
    }

    /// Exit status for the signal: 130 for SIGINT, 143 for SIGTERM.
    public static func exitStatus(_ signal: Int32) -> Int32 { 128 + signal }

    public static func install() {
        for s in [SIGINT, SIGTERM] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { sig in
                let (exchanged, _) = Interruption.signalNumber.compareExchange(expected: 0, desired: sig, ordering: .relaxed)
                if !exchanged { _exit(128 + sig) }
                let text = "\nstopping after this step; a second Ctrl-C stops at once\n"
                _ = text.withCString { write(2, $0, strlen($0)) }
            }
            sigemptyset(&action.sa_mask)
            sigaction(s, &action, nil)
        }
        // A parent may hand down these signals blocked (threads of a Dispatch-based program
        // often run with them blocked): the handler must see them.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}
