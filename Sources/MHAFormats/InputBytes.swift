import MHACore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading a whole input (a file or standard input) into memory, followed by one NUL byte
/// the readers rely on as a sentinel (it is not part of the content).
///
/// Memory is checked before it is taken (`AvailableMemory`): a regular file's size up front,
/// a stream's buffer before each doubling, so `yes 1, | mha-cli run -x -` ends with a one-line
/// data error once the input would no longer fit, instead of growing until the kernel or a
/// limit kills the process.
enum InputBytes {
    /// The name used in messages for standard input.
    static let standardInputName = "<stdin>"

    /// The bytes of the file at `path` ("-" = standard input), plus a trailing NUL.
    /// - Throws: `FormatError` of kind `.cannotOpen` for a missing, unreadable or
    ///   directory path: `cannot open 'x.csv': No such file or directory`.
    static func read(path: String) throws(FormatError) -> [UInt8] {
        if path == "-" { return try read(descriptor: STDIN_FILENO, name: standardInputName) }
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw cannotOpen(path, errno) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw cannotOpen(path, errno) }
        if status.st_mode & S_IFMT == S_IFDIR { throw cannotOpen(path, EISDIR) }
        let sizeHint = status.st_mode & S_IFMT == S_IFREG ? Int(status.st_size) : 0
        try requireMemory(sizeHint + 2, name: path, exact: true)
        return try readAll(descriptor: descriptor, name: path, sizeHint: sizeHint)
    }

    /// The bytes of an open stream (a pipe, standard input) to its end, plus a trailing NUL.
    static func read(descriptor: Int32, name: String) throws(FormatError) -> [UInt8] {
        try readAll(descriptor: descriptor, name: name, sizeHint: 0)
    }

    /// Reads `descriptor` to its end; `sizeHint` (the file size, if known) sizes the buffer
    /// so that a regular file is read straight into its final array, without zero-filling.
    private static func readAll(descriptor: Int32, name: String, sizeHint: Int) throws(FormatError) -> [UInt8] {
        var bytes: [UInt8] = []
        var capacity = max(sizeHint + 2, 1 << 16)  // one spare byte to see the end in one pass
        while true {
            var failure: Int32 = 0
            var reachedEnd = false
            let previous = bytes
            bytes = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
                guard let base = buffer.baseAddress else { return }
                if capacity >= 2 * HugePages.size { HugePages.advise(base, byteCount: capacity) }
                var count = previous.count
                previous.withUnsafeBufferPointer { old in
                    if let source = old.baseAddress { base.update(from: source, count: old.count) }
                }
                while count < capacity - 1 {
                    let got = readBytes(descriptor, base + count, capacity - 1 - count)
                    if got < 0 {
                        if errno == EINTR { continue }
                        failure = errno
                        break
                    }
                    if got == 0 {
                        reachedEnd = true
                        break
                    }
                    count += got
                }
                initialized = count
            }
            if failure != 0 { throw cannotRead(name, failure) }
            if reachedEnd { break }
            let (doubled, overflow) = capacity.multipliedReportingOverflow(by: 2)
            // While the new buffer is filled, the old one (`bytes`) is still held.
            try requireMemory(
                overflow || doubled > Int.max / 2 ? Int.max : doubled + bytes.count, name: name, exact: false)
            capacity = doubled
        }
        bytes.append(0)
        return bytes
    }

    /// Throws when `needed` bytes for the input would not fit in the memory available.
    /// - Parameter exact: the size is the whole input (a regular file); else the input is at
    ///   least that large (a stream still being read).
    private static func requireMemory(_ needed: Int, name: String, exact: Bool) throws(FormatError) {
        guard let available = AvailableMemory.shortfall(needed) else { return }
        throw FormatError(
            kind: .data, file: name,
            message:
                "reading the input needs \(exact ? "" : "more than ")\(AvailableMemory.describe(needed)); \(AvailableMemory.describe(available)) available"
        )
    }

    /// The C library's `read`, named apart from this type's own `read(path:)`.
    private static func readBytes(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        return Glibc.read(descriptor, buffer, count)
        #else
        return Darwin.read(descriptor, buffer, count)
        #endif
    }

    /// `cannot open 'path': reason`.
    static func cannotOpen(_ path: String, _ code: Int32) -> FormatError {
        FormatError(kind: .cannotOpen, file: path, message: "cannot open '\(path)': \(reason(code))")
    }

    /// `cannot read 'path': reason`.
    private static func cannotRead(_ path: String, _ code: Int32) -> FormatError {
        FormatError(kind: .cannotOpen, file: path, message: "cannot read '\(path)': \(reason(code))")
    }

    /// The C library's text for an errno value.
    private static func reason(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
