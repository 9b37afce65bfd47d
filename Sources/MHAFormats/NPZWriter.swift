import MHACore

/// Writing an `.npz` archive: numpy's zip of `.npy` members (`np.savez`), every member
/// stored (not compressed) with its CRC-32, so `np.load` reads it and `unzip -l` lists it.
///
/// The archive is plain zip (no zip64): each member, the whole file and every offset must be
/// below 4 GiB and there may be at most 65 535 members; a larger archive is refused before
/// anything is built. Timestamps are fixed (1980-01-01 00:00), so the same arrays always give
/// the same bytes.
///
///     let bytes = try NPZWriter.archive([.matrix("output", m), .integers("positions", [0, 1, 2])])
///     // np.load("x.npz")["output"] is m; ["positions"] is array([0, 1, 2])
public enum NPZWriter {
    /// The largest archive (and member) plain zip can describe: 2³² − 1 bytes.
    public static let maximumBytes = Int(UInt32.max)

    /// The archive's bytes.
    /// - Throws: `NPZWriterError` for an archive past the plain-zip limits, a duplicate
    ///   member name, or a name that is empty or not a plain file name.
    public static func archive(_ members: [NPZMember]) throws(NPZWriterError) -> [UInt8] {
        try check(members)
        var file: [UInt8] = []
        var directory: [UInt8] = []
        file.reserveCapacity(members.reduce(22) { $0 + $1.bytes.count + 2 * (46 + $1.entryName.utf8.count) })
        for member in members {
            let entry = Entry(
                name: Array(member.entryName.utf8), crc: ZipCRC32.checksum(member.bytes),
                size: UInt32(member.bytes.count), offset: UInt32(file.count))
            entry.appendLocalHeader(to: &file)
            file += member.bytes
            entry.appendDirectoryHeader(to: &directory)
        }
        let directoryOffset = file.count
        file += directory
        // End of central directory: counts, the directory's size and offset, no comment.
        file.appendLittleEndian(UInt32(0x0605_4B50))
        file.appendLittleEndian(UInt16(0))
        file.appendLittleEndian(UInt16(0))
        file.appendLittleEndian(UInt16(members.count))
        file.appendLittleEndian(UInt16(members.count))
        file.appendLittleEndian(UInt32(directory.count))
        file.appendLittleEndian(UInt32(directoryOffset))
        file.appendLittleEndian(UInt16(0))
        return file
    }

    /// Refuses what plain zip cannot hold, before any bytes are built.
    private static func check(_ members: [NPZMember]) throws(NPZWriterError) {
        try check(members.map { ($0.name, $0.bytes.count) })
    }

    /// The limits on members given by name and `.npy` size.
    static func check(_ members: [(name: String, bytes: Int)]) throws(NPZWriterError) {
        guard members.count <= Int(UInt16.max) else { throw .tooManyMembers(members.count) }
        var names = Set<ExactKey>()  // by code point, as numpy reads them back
        var total = 22
        for (name, bytes) in members {
            guard !name.isEmpty, !name.contains("/"), !name.contains("\\"), name != ".", name != "..",
                name.utf8.count < 60_000
            else { throw .invalidName(name) }
            guard names.insert(ExactKey(name)).inserted else { throw .duplicateName(name) }
            let headers = 30 + 46 + 2 * (name.utf8.count + 4)
            let (sum, overflow) = total.addingReportingOverflow(bytes)
            let (end, overflow2) = sum.addingReportingOverflow(headers)
            guard !overflow, !overflow2, end <= maximumBytes else {
                throw .tooLarge(name: name, bytes: overflow || overflow2 ? Int.max : end)
            }
            total = end
        }
    }

    /// One member's zip metadata.
    private struct Entry {
        var name: [UInt8]
        var crc: UInt32
        var size: UInt32
        var offset: UInt32

        /// Version 2.0 (stored), no flags, method 0, time 00:00, date 1980-01-01.
        private func appendCommon(to bytes: inout [UInt8]) {
            bytes.appendLittleEndian(UInt16(20))
            bytes.appendLittleEndian(UInt16(0))
            bytes.appendLittleEndian(UInt16(0))
            bytes.appendLittleEndian(UInt16(0))
            bytes.appendLittleEndian(UInt16((0 << 9) | (1 << 5) | 1))
            bytes.appendLittleEndian(crc)
            bytes.appendLittleEndian(size)
            bytes.appendLittleEndian(size)
            bytes.appendLittleEndian(UInt16(name.count))
            bytes.appendLittleEndian(UInt16(0))
        }

        func appendLocalHeader(to bytes: inout [UInt8]) {
            bytes.appendLittleEndian(UInt32(0x0403_4B50))
            appendCommon(to: &bytes)
            bytes += name
        }

        func appendDirectoryHeader(to bytes: inout [UInt8]) {
            bytes.appendLittleEndian(UInt32(0x0201_4B50))
            bytes.appendLittleEndian(UInt16(0x0314))  // made by: Unix, zip 2.0
            appendCommon(to: &bytes)
            bytes.appendLittleEndian(UInt16(0))  // comment length
            bytes.appendLittleEndian(UInt16(0))  // disk number
            bytes.appendLittleEndian(UInt16(0))  // internal attributes
            bytes.appendLittleEndian(UInt32(0o100644) << 16)  // a regular file, rw-r--r--
            bytes.appendLittleEndian(offset)
            bytes += name
        }
    }
}

/// Why an archive could not be written (exit 74 in the front end: the output is the problem).
public enum NPZWriterError: MHAError, Equatable {
    /// The archive would reach or pass 4 GiB, the plain-zip limit.
    case tooLarge(name: String, bytes: Int)
    /// More members than plain zip counts (65 535).
    case tooManyMembers(Int)
    /// Two members with one name.
    case duplicateName(String)
    /// A name that is empty, has a path separator, or is too long.
    case invalidName(String)

    public var category: ErrorCategory { .output }

    public var description: String {
        switch self {
        case let .tooLarge(name, bytes):
            let size = bytes == Int.max ? "more than 8 EiB" : ByteCount.describe(bytes)
            return
                "the .npz archive would be \(size) at member '\(name)': .npz files are written without zip64, so at most 4 GiB; write the parts as separate .npy files"
        case let .tooManyMembers(count):
            return "the .npz archive would have \(count) members; at most 65535 fit"
        case let .duplicateName(name):
            return "the .npz archive would have two members named '\(name)'"
        case let .invalidName(name):
            return "'\(name)' cannot name an .npz member (empty, a path, or too long)"
        }
    }
}

/// CRC-32 (IEEE 802.3, the reflected polynomial 0xEDB88320) as zip stores it.
enum ZipCRC32 {
    /// The byte-at-a-time table.
    static let table: [UInt32] = (0..<256).map { index in
        var c = UInt32(index)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// The checksum of `bytes` (`crc32(b"123456789")` is 0xCBF43926).
    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            for byte in bytes { c = t[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        }
        return c ^ 0xFFFF_FFFF
    }
}

fileprivate extension Array where Element == UInt8 {
    /// Appends `value`'s bytes, least significant first.
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        var v = value.littleEndian
        Swift.withUnsafeBytes(of: &v) { append(contentsOf: $0) }
    }
}
