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

    /// What the caller will read the bytes as, so a stream that cannot be that is cut short.
    enum Content {
        /// Binary data: every byte is read.
        case binary
        /// An NPY, NPZ (zip) or safetensors file: every byte is read, unless a stream's first
        /// bytes already cannot start one (no `\x93NUMPY` with version 1–3 and a `{`, no `PK`
        /// record, no safetensors length followed by `{`); it is then read no further, for the
        /// reader to refuse at once instead of buffering `/dev/zero` up to the memory budget.
        case array
        /// Text (CSV, TSV, JSON): a stream stops at the first chunk holding a NUL byte or a
        /// byte that is not UTF-8, kept up to that byte, for the reader to refuse (located)
        /// at once instead of buffering `/dev/zero` up to the memory budget.
        case text
        /// Not known yet: text unless the first bytes are an NPY, NPZ or safetensors header
        /// (then screened as `array`).
        case sniffed
    }

    /// The bytes of the file at `path` ("-" = standard input), plus a trailing NUL.
    /// - Throws: `FormatError` of kind `.cannotOpen` for a missing, unreadable or
    ///   directory path: `cannot open 'x.csv': No such file or directory`.
    static func read(path: String, content: Content = .binary) throws(FormatError) -> [UInt8] {
        try read(OpenedInput(path: path), content: content)
    }

    /// The bytes of an input opened once (`OpenedInput`), from its current offset, plus a
    /// trailing NUL.
    static func read(_ input: OpenedInput, content: Content = .binary) throws(FormatError) -> [UInt8] {
        if input.isRegular { try requireMemory(input.size + 2, name: input.name, exact: true) }
        return try readAll(
            descriptor: input.descriptor, name: input.name, sizeHint: input.size,
            screen: input.isRegular ? nil : StreamScreen(content))
    }

    /// The bytes of an open stream (a pipe, standard input) to its end, plus a trailing NUL.
    static func read(descriptor: Int32, name: String, content: Content = .binary) throws(FormatError) -> [UInt8] {
        try readAll(descriptor: descriptor, name: name, sizeHint: 0, screen: StreamScreen(content))
    }

    /// Reads `descriptor` to its end; `sizeHint` (the file size, if known) sizes the buffer
    /// so that a regular file is read straight into its final array, without zero-filling.
    /// With a `screen`, reading stops at the first chunk that cannot be text.
    private static func readAll(
        descriptor: Int32, name: String, sizeHint: Int, screen initialScreen: StreamScreen?
    ) throws(FormatError) -> [UInt8] {
        var bytes: [UInt8] = []
        var screen = initialScreen
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
                    if let end = screen?.cut(UnsafeBufferPointer(start: base, count: count)) {
                        count = end
                        reachedEnd = true
                        break
                    }
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

    /// Watches a stream's bytes as they arrive for the first one text cannot hold, or for a
    /// start no array file has.
    private struct StreamScreen {
        /// Nil until known (`.sniffed` waits for a header's first bytes).
        var isText: Bool?
        /// Bytes already found clean.
        var checked = 0
        /// Whether an array file's start has been looked at.
        var startChecked = false

        init?(_ content: Content) {
            switch content {
            case .binary: return nil
            case .array: isText = false
            case .text: isText = true
            case .sniffed: isText = nil
            }
        }

        /// The length to keep (through the first NUL or non-UTF-8 byte, or all read so far for
        /// an array file's impossible start) when `bytes`, the stream so far, shows one; nil to
        /// read on.
        mutating func cut(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
            if isText == nil {
                guard bytes.count >= 9 else { return nil }
                isText = !bytes.starts(with: NPYHeader.magic) && ArchiveFormat.sniff(bytes) == nil
            }
            if isText == false {
                guard !startChecked, bytes.count >= ArrayFileStart.length else { return nil }
                startChecked = true
                return ArrayFileStart.isPossible(bytes) ? nil : bytes.count
            }
            guard let base = bytes.baseAddress else { return nil }
            let complete = UTF8Validation.completePrefixLength(bytes)
            guard complete > checked else { return nil }
            let fresh = UnsafeBufferPointer(start: base + checked, count: complete - checked)
            var bad = UTF8Validation.firstInvalidOffset(in: fresh)
            if let nul = memchr(base + checked, 0, complete - checked) {
                let offset = UnsafeRawPointer(nul) - UnsafeRawPointer(base + checked)
                bad = min(bad ?? offset, offset)
            }
            if let bad { return checked + bad + 1 }
            checked = complete
            return nil
        }
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
    /// Refuses an input (open as `descriptor`, `status` its fstat) that is this process's own
    /// standard output — `-x /dev/stdout`, `--cache /dev/stdout`, the file stdout is
    /// redirected to: reading a pipe would wait for the output itself (forever), a terminal
    /// for the keyboard, a file for what is being written. Devices such as /dev/null are not.
    static func refuseOwnOutput(_ descriptor: Int32, _ status: stat, name: String) throws(FormatError) {
        var output = stat()
        guard fstat(STDOUT_FILENO, &output) == 0, output.st_dev == status.st_dev, output.st_ino == status.st_ino,
            status.st_mode & S_IFMT != S_IFCHR || isatty(descriptor) == 1
        else { return }
        throw FormatError(
            kind: .cannotOpen, file: name,
            message:
                "cannot read '\(name)': it is this command's own standard output (reading it would wait for the output)"
        )
    }

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
