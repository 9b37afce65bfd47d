#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One number written by a C printf conversion (`%.4f`, `%.1e`, `%.2g`), through the C
/// library's `vsnprintf`: the digits of Foundation's `String(format:)` (which formats
/// numbers the same way), without needing full Foundation, which is not linked.
package enum PrintfFormat {
    /// `value` written by `specification`, a single conversion for a Double such as
    /// `"%.4f"` (text around it is kept: `"%.0f %%"`).
    package static func string(_ specification: String, _ value: Double) -> String {
        var buffer = [CChar](repeating: 0, count: 512)
        let count = buffer.withUnsafeMutableBufferPointer { buffer in
            withVaList([value]) { arguments in
                Int(vsnprintf(buffer.baseAddress, buffer.count, specification, arguments))
            }
        }
        guard count >= 0 else { return String(value) }
        if count >= buffer.count {  // longer than 511 bytes (%.300f of a large value): measured, now written
            buffer = [CChar](repeating: 0, count: count + 1)
            _ = buffer.withUnsafeMutableBufferPointer { buffer in
                withVaList([value]) { arguments in
                    vsnprintf(buffer.baseAddress, buffer.count, specification, arguments)
                }
            }
        }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
