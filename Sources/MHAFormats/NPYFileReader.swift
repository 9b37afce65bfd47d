import MHACore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fast path for the commonest NPY file, native-order f8 in C order: the header is read
/// first, then the data straight into the matrix's storage (one copy from the page cache,
/// into huge pages), instead of reading the whole file and copying it again.
enum NPYFileReader {
    /// The matrix in the NPY file `input`, or nil when it is not a regular file with a
    /// readable, native-order f8, C-order header (the general path then reads it and reports
    /// any problem). Reads with `pread`, so the file's offset stays at 0 for that path.
    /// - Throws: `FormatError` for a size mismatch, or a file that changed while read.
    static func read(_ input: OpenedInput, nonFinite: NonFiniteRule = .refused) throws(FormatError) -> Matrix<Double>? {
        guard input.isRegular else { return nil }
        let (descriptor, path) = (input.descriptor, input.name)
        guard let header = readHeader(descriptor), header.dataType.kind == "f", header.dataType.size == 8,
            header.dataType.bigEndian == (UInt16(1).bigEndian == 1), !header.fortranOrder
        else { return nil }
        let layout = try NPYLayout(header, availableBytes: input.size - header.dataOffset, name: path)
        var complete = true
        let elements = [Double](unsafeUninitializedCapacity: layout.count) { buffer, initialized in
            guard let base = buffer.baseAddress else { return }
            HugePages.advise(base, byteCount: layout.byteCount)
            complete = readFully(
                descriptor, into: UnsafeMutableRawPointer(base), count: layout.byteCount,
                offset: header.dataOffset)
            initialized = complete ? layout.count : 0
        }
        guard complete else {
            throw FormatError(
                kind: .cannotOpen, file: path, message: "cannot read '\(path)': the file changed while it was read")
        }
        return try NPYReader.matrix(elements, header: header, layout: layout, name: path, nonFinite: nonFinite)
    }

    /// The parsed header, or nil if the file does not start with a valid one.
    private static func readHeader(_ descriptor: Int32) -> NPYHeader? {
        var preamble = [UInt8](repeating: 0, count: 12)
        guard preamble.withUnsafeMutableBytes({ readFully(descriptor, into: $0.baseAddress, count: 12, offset: 0) }),
            preamble.starts(with: NPYHeader.magic)
        else { return nil }
        let headerLength =
            preamble[6] == 1
            ? Int(preamble[8]) | Int(preamble[9]) << 8
            : Int(preamble[8]) | Int(preamble[9]) << 8 | Int(preamble[10]) << 16 | Int(preamble[11]) << 24
        let total = (preamble[6] == 1 ? 10 : 12) + headerLength
        guard headerLength < 1 << 20 else { return nil }
        var bytes = [UInt8](repeating: 0, count: total)
        guard bytes.withUnsafeMutableBytes({ readFully(descriptor, into: $0.baseAddress, count: total, offset: 0) })
        else { return nil }
        return bytes.withUnsafeBufferPointer { try? NPYHeader(parsing: $0) }
    }

    /// Reads exactly `count` bytes at `offset`; false on an error or a short file.
    private static func readFully(
        _ descriptor: Int32, into start: UnsafeMutableRawPointer?, count: Int,
        offset: Int
    ) -> Bool {
        guard let start else { return count == 0 }
        var done = 0
        while done < count {
            let got = pread(descriptor, start + done, count - done, off_t(offset + done))
            if got < 0 && errno == EINTR { continue }
            if got <= 0 { return false }
            done += got
        }
        return true
    }
}
