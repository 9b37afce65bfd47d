import MHACore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of a whole file, memory-mapped read-only: opening a 1 GB checkpoint reads
/// nothing but the pages later touched. A stream (standard input, a pipe) that cannot be
/// mapped is read into memory instead.
final class MappedFile: @unchecked Sendable {
    /// The file's bytes (empty for an empty file).
    let bytes: UnsafeRawBufferPointer
    /// The name messages use: the path, or `<stdin>`.
    let name: String
    /// How to give the bytes back.
    private let release: Release

    /// What `deinit` must undo.
    private enum Release {
        case unmap, deallocate, nothing
    }

    /// Maps the file at `path` ("-" reads standard input into memory).
    /// - Throws: `FormatError` of kind `.cannotOpen` for a missing, unreadable or directory path.
    init(path: String) throws(FormatError) {
        if path == "-" {
            self.name = InputBytes.standardInputName
            (bytes, release) = Self.copy(try InputBytes.read(path: path, content: .array).dropLast())
            return
        }
        name = path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw InputBytes.cannotOpen(path, errno) }
        defer { close(descriptor) }
        InputFiles.record(descriptor, name: path)
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw InputBytes.cannotOpen(path, errno) }
        if status.st_mode & S_IFMT == S_IFDIR { throw InputBytes.cannotOpen(path, EISDIR) }
        try InputBytes.refuseOwnOutput(descriptor, status, name: path)
        guard status.st_mode & S_IFMT == S_IFREG else {
            (bytes, release) = Self.copy(
                try InputBytes.read(descriptor: descriptor, name: path, content: .array).dropLast())
            return
        }
        let size = Int(status.st_size)
        guard size > 0 else {
            (bytes, release) = (UnsafeRawBufferPointer(start: nil, count: 0), .nothing)
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else {
            throw InputBytes.cannotOpen(path, errno)
        }
        (bytes, release) = (UnsafeRawBufferPointer(start: address, count: size), .unmap)
    }

    /// Wraps bytes already in memory (tests, fuzzing); `name` goes into messages.
    init(bytes source: [UInt8], name: String) {
        self.name = name
        (bytes, release) = Self.copy(source[...])
    }

    /// A private copy of `source`.
    private static func copy(_ source: ArraySlice<UInt8>) -> (UnsafeRawBufferPointer, Release) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(source.count, 1), alignment: 16)
        source.withUnsafeBytes { buffer.copyMemory(from: $0) }
        return (UnsafeRawBufferPointer(rebasing: buffer[..<source.count]), .deallocate)
    }

    deinit {
        switch release {
        case .unmap: munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
        case .deallocate: bytes.baseAddress.map { UnsafeMutableRawPointer(mutating: $0).deallocate() }
        case .nothing: break
        }
    }

    /// The bytes `range`, which the caller has checked lie inside the file.
    func slice(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[range])
    }

    /// The little-endian unsigned integer of `width` bytes at `offset` (checked by the caller).
    func little(_ offset: Int, _ width: Int) -> Int {
        var value: UInt64 = 0
        for index in (0..<width).reversed() { value = value << 8 | UInt64(bytes[offset + index]) }
        return Int(clamping: value)  // never negative: a huge value fails every bounds check
    }
}
