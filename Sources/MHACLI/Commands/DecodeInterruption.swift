#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGINT, SIGTERM, SIGHUP, SIGALRM and SIGXCPU during `decode`: the handler only records the signal, so a blocked
/// read returns (EINTR, no SA_RESTART) and the decoder finishes its block, writes the cache
/// atomically and exits with 128 + the signal's number; a signal can never leave half a
/// cache behind.
enum DecodeInterruption {
    /// The signal received, or 0.
    nonisolated(unsafe) static var signal: Int32 = 0

    /// Installs the recording handler for SIGINT, SIGTERM, SIGHUP, SIGALRM and SIGXCPU, and
    /// unblocks them (a parent may have started this process with them blocked, which would
    /// hold them pending). A signal ignored at start (SIGHUP under `nohup`) stays ignored.
    static func install() {
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        for number in [SIGINT, SIGTERM, SIGHUP, SIGALRM, SIGXCPU] {
            var current = sigaction()
            guard sigaction(number, nil, &current) == 0, !TerminationSignals.isIgnored(current) else { continue }
            sigaddset(&unblocked, number)
            var action = sigaction()
            #if os(Linux)
            action.__sigaction_handler.sa_handler = { DecodeInterruption.signal = $0 }
            #else
            action.__sigaction_u.__sa_handler = { DecodeInterruption.signal = $0 }
            #endif
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(number, &action, nil)
        }
        sigprocmask(SIG_UNBLOCK, &unblocked, nil)
    }

    /// The signal's name for messages.
    static func name(_ number: Int32) -> String {
        [SIGINT: "SIGINT", SIGTERM: "SIGTERM", SIGHUP: "SIGHUP", SIGALRM: "SIGALRM", SIGXCPU: "SIGXCPU"][number]
            ?? "signal \(number)"
    }
}
