/// The members of a zip archive whose members are stored (not compressed), as `NPZWriter`
/// and `np.savez` write them: the end record, the central directory, and each member's local
/// header, every offset and size checked against the file and every CRC-32 verified.
///
/// Interim: the general `.npz` reader (stored and deflated members, memory-mapped) replaces
/// this once it is on main; until then decode caches are read here.
enum StoredZipMembers {
    /// Member name → bytes.
    /// - Throws: `FormatError` (data) naming `name`: truncated, not a zip, a compressed member,
    ///   a size or CRC that does not match.
    static func read(_ zip: [UInt8], name: String) throws(FormatError) -> [String: [UInt8]] {
        func fail(_ message: String) -> FormatError { FormatError(kind: .data, file: name, message: message) }
        func u16(_ o: Int) throws(FormatError) -> Int {
            guard o >= 0, o <= zip.count - 2 else { throw fail("truncated: the zip structure ends past the file's \(zip.count) bytes") }
            return Int(zip[o]) | Int(zip[o + 1]) << 8
        }
        func u32(_ o: Int) throws(FormatError) -> Int {
            let low = try u16(o), high = try u16(o + 2)
            return low | high << 16
        }
        guard zip.count >= 22 else { throw fail("truncated or not an .npz archive (\(zip.count) bytes, no zip end record)") }
        // The end record is the last 22 bytes when there is no comment (as written here).
        var end = zip.count - 22
        while end >= 0, (try u32(end)) != 0x0605_4B50 {
            end -= 1
            if zip.count - end > 22 + 0xFFFF { end = -1 }
        }
        guard end >= 0 else { throw fail("truncated or not an .npz archive (no zip end record)") }
        let count = try u16(end + 10)
        let directorySize = try u32(end + 12), directoryStart = try u32(end + 16)
        guard directoryStart + directorySize <= end else { throw fail("truncated: the zip directory lies past its end record") }
        var members: [String: [UInt8]] = [:]
        var entry = directoryStart
        for _ in 0..<count {
            guard try u32(entry) == 0x0201_4B50 else { throw fail("damaged zip directory at byte \(entry)") }
            let method = try u16(entry + 10)
            let crc = try u32(entry + 16), compressed = try u32(entry + 20), size = try u32(entry + 24)
            let nameLength = try u16(entry + 28), extra = try u16(entry + 30), comment = try u16(entry + 32)
            let local = try u32(entry + 42)
            guard entry + 46 + nameLength <= zip.count else { throw fail("truncated zip directory") }
            let member = String(decoding: zip[(entry + 46)..<(entry + 46 + nameLength)], as: UTF8.self)
            guard method == 0, compressed == size else {
                throw fail("member '\(member)' is compressed; a decode cache is stored (as mha-cli writes it)")
            }
            guard try u32(local) == 0x0403_4B50 else { throw fail("damaged zip: no local header for '\(member)'") }
            let start = local + 30 + (try u16(local + 26)) + (try u16(local + 28))
            guard start <= zip.count, size <= zip.count - start else {
                throw fail("truncated: member '\(member)' needs \(size) bytes at byte \(start), the file has \(zip.count)")
            }
            let bytes = Array(zip[start..<(start + size)])
            guard Int(ZipCRC32.checksum(bytes)) == crc else { throw fail("member '\(member)' is damaged (CRC-32 mismatch)") }
            members[member] = bytes
            entry += 46 + nameLength + extra + comment
        }
        return members
    }
}
