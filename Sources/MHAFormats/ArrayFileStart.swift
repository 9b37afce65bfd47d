/// The first bytes every NPY, NPZ (zip) or safetensors file starts with, so a stream whose
/// start is none of them (`/dev/zero`, `\x93NUMPY` with version 0) is refused at its first
/// chunk instead of read whole.
enum ArrayFileStart {
    /// How many bytes decide: an NPY 2.0 header's `{` is byte 12.
    static let length = 13

    /// Whether `bytes` (at least `length` of them) can start an NPY, NPZ or safetensors file:
    /// `\x93NUMPY`, version 1–3 and the header's `{` (or a blank before it); a zip's `PK\x03\x04` (a member) or
    /// `PK\x05\x06` (an empty archive); or a safetensors header length of at most 100 MB
    /// followed by `{`.
    static func isPossible(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count >= length else { return true }
        if bytes.starts(with: NPYHeader.magic) {
            let major = bytes[6]
            guard (1...3).contains(major) else { return false }
            let first = bytes[major == 1 ? 10 : 12]
            return first == UInt8(ascii: "{") || first == 0x20 || first == 0x09 || first == 0x0A
        }
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) || bytes.starts(with: [0x50, 0x4B, 0x05, 0x06]) {
            return true
        }
        var declared: UInt64 = 0
        for index in (0..<8).reversed() { declared = declared << 8 | UInt64(bytes[index]) }
        return (2...UInt64(SafetensorsHeader.maximumLength)).contains(declared) && bytes[8] == UInt8(ascii: "{")
    }
}
