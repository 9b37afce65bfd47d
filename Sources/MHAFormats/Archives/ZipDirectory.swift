import MHACore

/// The central directory of a zip file (PKWARE APPNOTE 6.3, with Zip64), checked against the
/// file: every member's local header where the directory says, its data inside the file and
/// before the directory, its name a plain relative path.
struct ZipDirectory {
    /// One member.
    struct Member {
        /// The member's path in the archive (`wq.npy`).
        let name: String
        /// 0 stored, 8 deflated.
        let method: Int
        /// CRC-32 of the uncompressed bytes.
        let crc: UInt32
        /// Compressed bytes in the file.
        let data: Range<Int>
        /// Size once uncompressed.
        let uncompressedSize: Int
        /// The bytes from its local header to the end of its data.
        let record: Range<Int>
    }

    /// The members in directory order.
    let members: [Member]

    /// Signatures (little-endian `PK..`).
    private static let endSignature = 0x0605_4B50, zip64EndSignature = 0x0606_4B50,
        locatorSignature = 0x0706_4B50, entrySignature = 0x0201_4B50, localSignature = 0x0403_4B50

    /// Parses and checks the directory of `file`.
    /// - Throws: a data error naming the file for anything inconsistent.
    init(_ file: MappedFile) throws(FormatError) {
        func failure(_ message: String) -> FormatError { FormatError(kind: .data, file: file.name, message: message) }
        let bytes = file.bytes
        guard let end = Self.findEnd(file) else {
            throw failure(
                bytes.starts(with: [0x50, 0x4B]) || bytes.isEmpty
                    ? "not a readable zip archive: no end of central directory record"
                    : "not an .npz (zip) archive: no end of central directory record")
        }
        var count = file.little(end + 10, 2), size = file.little(end + 12, 4), start = file.little(end + 16, 4)
        var directoryEnd = end
        if count == 0xFFFF || size == 0xFFFF_FFFF || start == 0xFFFF_FFFF {
            guard end >= 20, file.little(end - 20, 4) == Self.locatorSignature else {
                throw failure("the zip's end record points to a Zip64 record that is missing")
            }
            let record = file.little(end - 12, 8)
            guard record <= end - 20 - 56, file.little(record, 4) == Self.zip64EndSignature else {
                throw failure("the zip's Zip64 end record lies outside the file")
            }
            count = file.little(record + 32, 8)
            size = file.little(record + 40, 8)
            start = file.little(record + 48, 8)
            directoryEnd = record
        }
        guard start <= directoryEnd, size <= directoryEnd - start else {
            throw failure("the zip's central directory (offset \(start), \(size) bytes) lies outside the file")
        }
        guard count <= size / 46 else {
            throw failure("the zip's central directory claims \(count) members in \(size) bytes")
        }
        var members: [Member] = []
        var names: Set<ExactKey> = []  // by code point, as Python's zipfile
        var offset = start
        for _ in 0..<count {
            let member = try Self.entry(file, at: &offset, directory: start..<(start + size), failure)
            guard names.insert(ExactKey(member.name)).inserted else {
                throw failure("the zip holds two members named \(MessageText.quoted(member.name))")
            }
            members.append(member)
        }
        guard offset == start + size else {
            throw failure("the zip's central directory holds more than the \(count) members its end record counts")
        }
        try Self.checkDisjoint(members, failure)
        self.members = members
    }

    /// Refuses members whose local headers and data overlap (one entry pointing into
    /// another's bytes), as Python's zipfile does.
    private static func checkDisjoint(_ members: [Member], _ failure: (String) -> FormatError) throws(FormatError) {
        let ordered = members.sorted { $0.record.lowerBound < $1.record.lowerBound }
        for (first, second) in zip(ordered, ordered.dropFirst())
        where second.record.lowerBound < first.record.upperBound {
            throw failure(
                "the zip's central directory lies: members \(MessageText.quoted(first.name)) and \(MessageText.quoted(second.name)) overlap"
            )
        }
    }

    /// The offset of the end of central directory record: the last `PK\5\6` whose comment
    /// length reaches exactly the end of the file.
    private static func findEnd(_ file: MappedFile) -> Int? {
        let count = file.bytes.count
        guard count >= 22 else { return nil }
        var offset = count - 22
        let lowest = max(0, count - 22 - 0xFFFF)
        while offset >= lowest {
            if file.little(offset, 4) == endSignature, offset + 22 + file.little(offset + 20, 2) == count {
                return offset
            }
            offset -= 1
        }
        return nil
    }

    /// The directory entry at `offset` (advanced past it), checked against its local header.
    private static func entry(
        _ file: MappedFile, at offset: inout Int, directory: Range<Int>,
        _ failure: (String) -> FormatError
    ) throws(FormatError) -> Member {
        guard directory.upperBound - offset >= 46, file.little(offset, 4) == entrySignature else {
            throw failure("the zip's central directory is corrupt at byte \(offset)")
        }
        let flags = file.little(offset + 8, 2), method = file.little(offset + 10, 2)
        let crc = UInt32(file.little(offset + 16, 4))
        var compressed = file.little(offset + 20, 4), uncompressed = file.little(offset + 24, 4)
        let nameLength = file.little(offset + 28, 2), extraLength = file.little(offset + 30, 2)
        let commentLength = file.little(offset + 32, 2)
        var local = file.little(offset + 42, 4)
        let total = 46 + nameLength + extraLength + commentLength
        guard directory.upperBound - offset >= total else {
            throw failure("the zip's central directory is corrupt at byte \(offset)")
        }
        let nameBytes = file.slice((offset + 46)..<(offset + 46 + nameLength))
        let name = try memberName(nameBytes, failure)
        // Zip64 extra field: the 8-byte sizes and offset, for each 32-bit field that is all ones.
        var extra = offset + 46 + nameLength
        let extraEnd = extra + extraLength
        while extraEnd - extra >= 4 {
            let id = file.little(extra, 2), length = file.little(extra + 2, 2)
            guard extraEnd - extra - 4 >= length else { break }
            if id == 1 {
                var field = extra + 4
                for value in [0, 1, 2] {
                    let current = [uncompressed, compressed, local][value]
                    guard current == 0xFFFF_FFFF, field + 8 <= extra + 4 + length else { continue }
                    let wide = file.little(field, 8)
                    if value == 0 { uncompressed = wide } else if value == 1 { compressed = wide } else { local = wide }
                    field += 8
                }
            }
            extra += 4 + length
        }
        offset += total
        let quoted = MessageText.quoted(name)
        guard flags & 1 == 0 else { throw failure("member \(quoted) is encrypted") }
        guard method == 0 || method == 8 else {
            throw failure("member \(quoted) uses compression method \(method) (stored and deflated are read)")
        }
        guard local <= directory.lowerBound - 30, file.little(local, 4) == localSignature else {
            throw failure("the zip's central directory lies: member \(quoted)'s local header is not at offset \(local)")
        }
        let localNameLength = file.little(local + 26, 2)
        let dataStart = local + 30 + localNameLength + file.little(local + 28, 2)
        guard dataStart <= directory.lowerBound, compressed <= directory.lowerBound - dataStart else {
            throw failure("the zip's central directory lies: member \(quoted)'s \(compressed) bytes run past the data")
        }
        let localName = file.slice((local + 30)..<(local + 30 + localNameLength))
        guard localName.elementsEqual(nameBytes) else {
            throw failure(
                "the zip's central directory lies: member \(quoted)'s local header names \(MessageText.quoted(String(decoding: localName, as: UTF8.self)))"
            )
        }
        guard method == 8 || compressed == uncompressed else {
            throw failure(
                "the zip's central directory lies: stored member \(quoted) has \(compressed) bytes, \(uncompressed) when uncompressed"
            )
        }
        return Member(
            name: name, method: method, crc: crc, data: dataStart..<(dataStart + compressed),
            uncompressedSize: uncompressed, record: local..<(dataStart + compressed))
    }

    /// A member's name, refused unless it is printable UTF-8 and a plain relative path (no
    /// `..` component, no leading `/`, no backslash). A `:` is allowed: numpy writes any key,
    /// and members are only ever read, never extracted to a path.
    private static func memberName(_ raw: UnsafeRawBufferPointer, _ failure: (String) -> FormatError)
        throws(FormatError) -> String
    {
        guard let name = String(validating: raw, as: UTF8.self),
            name.unicodeScalars.allSatisfy(MessageText.isPrintable), !name.isEmpty
        else {
            throw failure("a member's name is not printable UTF-8")
        }
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        if name.hasPrefix("/") || name.contains("\\") || components.contains("..") {
            throw failure("member \(MessageText.quoted(name)) is not a plain relative path (path traversal)")
        }
        return name
    }
}
