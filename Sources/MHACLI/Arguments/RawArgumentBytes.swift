/// The command line's bytes as the system passed them. `CommandLine.arguments` turns bytes
/// that are not UTF-8 into U+FFFD; these bytes tell such a repair from a U+FFFD the user typed.
enum RawArgumentBytes {
    /// The first byte that is not UTF-8 in an argument whose repaired text contains `text`
    /// (which holds U+FFFD), or nil when every such argument is UTF-8 (the user wrote U+FFFD).
    static func firstInvalidByte(inArgumentContaining text: String) -> UInt8? {
        guard text.unicodeScalars.contains("\u{FFFD}") else { return nil }
        for index in 1..<Int(CommandLine.argc) {
            guard let pointer = CommandLine.unsafeArgv[index] else { continue }
            let bytes = Self.bytes(pointer)
            guard let offset = firstInvalidOffset(bytes) else { continue }
            if String(decoding: bytes, as: UTF8.self).contains(text) { return bytes[offset] }
        }
        return nil
    }

    /// The offset of the first byte of `bytes` that is not part of well-formed UTF-8, or nil.
    static func firstInvalidOffset(_ bytes: [UInt8]) -> Int? {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case let .scalarValue(scalar): offset += UTF8.width(scalar)
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    /// The bytes of a NUL-terminated C string.
    private static func bytes(_ pointer: UnsafeMutablePointer<CChar>) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = 0
        while pointer[index] != 0 {
            bytes.append(UInt8(bitPattern: pointer[index]))
            index += 1
        }
        return bytes
    }
}
