import MHACore

/// A 1-based line and column in a text, computed from a byte offset only when an error
/// needs it, so the readers track nothing but offsets on the fast path.
struct TextLocation: Equatable, Sendable {
    /// 1-based line number (lines end at LF, CRLF or a lone CR; a line break belongs to the
    /// line it ends).
    let line: Int
    /// 1-based column, counting Unicode scalars (UTF-8 lead bytes) from the line start; a
    /// UTF-8 BOM at the start of the text is not counted.
    let column: Int

    /// The location of byte `offset` (clamped to the text) in `bytes`.
    /// - Complexity: O(offset).
    init(of offset: Int, in bytes: UnsafeBufferPointer<UInt8>) {
        let end = min(max(offset, 0), bytes.count)
        var line = 1
        var lineStart = 0
        for index in 0..<end {
            let byte = bytes[index]
            let isBreak = byte == 0x0A || (byte == 0x0D && (index + 1 == bytes.count || bytes[index + 1] != 0x0A))
            if isBreak {
                line += 1
                lineStart = index + 1
            }
        }
        var column = 1
        for index in lineStart..<end where bytes[index] & 0xC0 != 0x80 {
            column += 1
        }
        // A UTF-8 BOM opening the text is skipped by the readers and shown by no editor.
        if lineStart == 0, end >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { column -= 1 }
        self.line = line
        self.column = column
    }
}
