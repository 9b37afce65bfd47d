import Foundation

/// `%.Nf` (and `%.Ne`) formatting through the C library's `vsnprintf`.
///
/// Same digits as `String(format:)` (both round the exact binary value half-to-even as
/// printf does), without Foundation's formatting machinery, whose first use loads ICU and
/// costs about 5 ms of a one-off run's start-up.
enum FixedDecimal {
    /// `value` with `decimals` digits after the point (clamped to 0…17); `scientific` writes
    /// `%.Ne` (`1.2500e+06`) instead of `%.Nf`.
    static func format(_ value: Double, decimals: Int, scientific: Bool = false) -> String {
        let digits = max(0, min(decimals, 17))
        var buffer = [CChar](repeating: 0, count: 352)
        let count = withVaList([value]) { arguments in
            buffer.withUnsafeMutableBufferPointer {
                vsnprintf($0.baseAddress, $0.count, "%.\(digits)\(scientific ? "e" : "f")", arguments)
            }
        }
        guard count >= 0 else { return String(value) }
        return String(decoding: buffer.prefix(Int(min(count, 351))).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
