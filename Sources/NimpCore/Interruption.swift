import Synchronization

/// Ctrl-C and SIGTERM during a long run: the first one asks the run to stop at the end of
/// the current epoch, generation or step and keep what it has. The front end installs the
/// signal handlers (what a process does on a signal is its business) and calls `request`.
public enum Interruption {
    private static let signalNumber = Atomic<Int32>(0)

    /// The signal that asked to stop, nil when none did.
    public static var requested: Int32? {
        let s = signalNumber.load(ordering: .relaxed)
        return s == 0 ? nil : s
    }

    /// Records that `signal` asks to stop; false when one already had. Lock-free, so a
    /// signal handler may call it.
    public static func request(_ signal: Int32) -> Bool {
        signalNumber.compareExchange(expected: 0, desired: signal, ordering: .relaxed).exchanged
    }
}
