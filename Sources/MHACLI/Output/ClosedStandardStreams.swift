#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Standard streams the shell left closed (`>&-`, `<&-`, `2>&-`).
///
/// A closed descriptor 0, 1 or 2 is the lowest free one, so the next file the program opens
/// (an input, an `-o` temporary file) would get it: an input opened as descriptor 1 looked
/// like "this command's own standard output", and a temporary file opened as descriptor 2
/// would receive the warnings. Each closed one is filled with /dev/null opened the wrong way
/// round (read-only for stdout and stderr, write-only for stdin), so the stream stays unusable
/// as the user asked: writing the result to a closed stdout fails with EBADF, as `shapes`
/// does (74, `cannot write '<stdout>': Bad file descriptor`), and a run with `-o FILE` that
/// needs no stdout succeeds.
enum ClosedStandardStreams {
    /// Fills every closed standard descriptor, lowest first; call before opening anything.
    static func fill() {
        for (descriptor, mode) in [(STDIN_FILENO, O_WRONLY), (STDOUT_FILENO, O_RDONLY), (STDERR_FILENO, O_RDONLY)]
        where fcntl(descriptor, F_GETFD) == -1 && errno == EBADF {
            let opened = open("/dev/null", mode)
            if opened >= 0, opened != descriptor {
                dup2(opened, descriptor)
                close(opened)
            }
        }
    }
}
