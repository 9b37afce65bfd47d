import MHAFormats

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGINT, SIGTERM, SIGHUP, SIGXCPU (`ulimit -t`) and SIGALRM (`timeout -s ALRM`) end the
/// program cleanly: every temporary file in flight (`InFlightFiles`: an `-o` file being
/// written, a cache being saved) is removed, one line goes to stderr, and the exit status is
/// 128 + the signal (130, 143, 129, 152, 142), as a shell reports a process killed by it.
/// SIGPIPE and SIGXFSZ are ignored (`MHACLI.main`): a closed pipe or a write past
/// `ulimit -f` fails (EPIPE, EFBIG) and is reported like any failed write.
///
/// The handler is async-signal-safe: it loads atomics, calls `unlink`, `write` and `_exit`,
/// and allocates nothing (its messages are static strings).
enum TerminationSignals {
    /// The signals handled.
    static let handled: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGXCPU, SIGALRM]

    /// The line printed for `signal` (a static string: no allocation in the handler).
    static func line(_ signal: Int32) -> StaticString {
        switch signal {
        case SIGINT: return "mha-cli: error: interrupted (SIGINT); no partial output was left\n"
        case SIGTERM: return "mha-cli: error: terminated (SIGTERM); no partial output was left\n"
        case SIGXCPU: return "mha-cli: error: CPU time limit exceeded (SIGXCPU); no partial output was left\n"
        case SIGALRM: return "mha-cli: error: alarm clock (SIGALRM); no partial output was left\n"
        default: return "mha-cli: error: hung up (SIGHUP); no partial output was left\n"
        }
    }

    /// Installs the handler for every signal in `handled` that is not ignored: a signal
    /// ignored when the program started (SIGHUP under `nohup`, SIGINT in a background job of
    /// a script) stays ignored.
    static func install() {
        InFlightFiles.prepare()
        // A blocked mask is inherited by accident (a parent's Dispatch worker thread blocks
        // them all): unblocked here, so that the signals reach the handler.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for signal in handled { sigaddset(&unblock, signal) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        for signal in handled {
            var current = sigaction()
            guard sigaction(signal, nil, &current) == 0, !isIgnored(current) else { continue }
            var action = sigaction()
            #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = handle
            #else
            action.__sigaction_u.__sa_handler = handle
            #endif
            sigemptyset(&action.sa_mask)
            // While one runs, the others wait: a second signal cannot cut the clean-up short.
            for other in handled { sigaddset(&action.sa_mask, other) }
            action.sa_flags = 0
            sigaction(signal, &action, nil)
        }
    }
}

extension TerminationSignals {
    /// Whether `action` ignores its signal.
    static func isIgnored(_ action: sigaction) -> Bool {
        #if canImport(Glibc)
        let handler = action.__sigaction_handler.sa_handler
        #else
        let handler = action.__sigaction_u.__sa_handler
        #endif
        guard let handler else { return false }
        return unsafeBitCast(handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self)
    }
}

/// The handler: removes the files in flight, writes the signal's line, exits 128 + signal.
private func handle(_ signal: Int32) {
    InFlightFiles.removeAll()
    let line = TerminationSignals.line(signal)
    _ = write(STDERR_FILENO, line.utf8Start, line.utf8CodeUnitCount)
    _exit(128 + signal)
}
