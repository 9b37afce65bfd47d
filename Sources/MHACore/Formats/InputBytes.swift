#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading a whole input (a file or standard input) into memory, followed by one NUL byte
/// the readers rely on as a sentinel (it is not part of the content).
enum InputBytes {
    /// The name used in messages for standard input.
    static let standardInputName = "<stdin>"

    /// The bytes of the file at `path` ("-" = standard input), plus a trailing NUL.
    /// - Throws: `FormatError` of kind `.cannotOpen` for a missing, unreadable or
    ///   directory path: `cannot open 'x.csv': No such file or directory`.
    static func read(path: String) throws(FormatError) -> [UInt8] {
        if path == "-" { return try readAll(descriptor: STDIN_FILENO, name: standardInputName, sizeHint: 0) }
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw cannotOpen(path, errno) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw cannotOpen(path, errno) }
        if status.st_mode & S_IFMT == S_IFDIR { throw cannotOpen(path, EISDIR) }
        let sizeHint = status.st_mode & S_IFMT == S_IFREG ? Int(status.st_size) : 0
        return try readAll(descriptor: descriptor, name: path, sizeHint: sizeHint)
    }

    /// Reads `descriptor` to its end; `sizeHint` (the file size, if known) sizes the buffer.
    private static func readAll(descriptor: Int32, name: String, sizeHint: Int) throws(FormatError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: max(sizeHint, 1 << 16) + 1)
        var count = 0
        while true {
            if count + 1 >= bytes.count {
                bytes.append(contentsOf: repeatElement(0, count: bytes.count))
            }
            let room = bytes.count - 1 - count
            let got = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return readBytes(descriptor, base + count, room)
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw cannotRead(name, errno)
            }
            if got == 0 { break }
            count += got
        }
        bytes.removeSubrange((count + 1)...)
        bytes[count] = 0
        return bytes
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
    private static func cannotOpen(_ path: String, _ code: Int32) -> FormatError {
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
