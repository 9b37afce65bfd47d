import MHACore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Exact (correctly rounded) parsing of decimal numbers in the CSV and JSON grammars.
///
/// The grammar is checked here, byte by byte; the conversion is then exact:
/// - a decimal exponent (as written, plus the digits dropped past the 18th) below −362 or
///   above 308 decides the result alone: ±0 or ±∞, whatever the number's length;
/// - Clinger's fast path when the significand has at most 19 digits, is at most 2⁵³ and
///   the decimal exponent is within ±22 (one correctly rounded multiplication or division
///   of two exactly representable doubles);
/// - otherwise the Eisel–Lemire method (`EiselLemire`), which decides almost every case;
/// - otherwise the C library's `strtod` (correctly rounded in glibc and Apple's libc) on a
///   span whose grammar was already checked; should a process-wide locale make it stop
///   early, the standard library's locale-independent `Double(String)` is used instead.
///   (`strtod_l` is not visible through Swift's Glibc module.)
/// Values that round to ±∞ are reported as out of range; a value that rounds to a subnormal is
/// that subnormal; a nonzero value that rounds to zero (below half of 4.9e-324) is zero with
/// `Scanned.flushedToZero` set, so a reader can warn (`UnderflowTally`).
enum NumberParsing {
    /// Which grammar to accept.
    enum Grammar {
        /// RFC 8259: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
        case json
        /// CSV: an optional `+` or `-`, digits with an optional `.` (`1.`, `.5` and leading
        /// zeros allowed, at least one digit), an optional exponent.
        case csv
    }

    /// A number found by `scan`.
    struct Scanned {
        /// Offset one past the number's last byte.
        var end: Int
        /// The correctly rounded value; ±∞ when out of range.
        var value: Double
        /// Whether the number is nonzero as written but `value` is ±0: it lies below half of
        /// float64's least subnormal (`1e-400`). False for every spelling of zero (`0e-999`).
        var flushedToZero = false
    }

    /// Scans one number starting at `start` in `base[..<limit]`, stopping at the first byte
    /// that cannot continue it. Returns nil if no number in `grammar` starts there (including
    /// an incomplete one such as `1e`, `-` or, for JSON, `1.`).
    /// - Precondition: `base[limit]` is readable and is not a digit, `.`, `e`, `E`, `+` or
    ///   `-` (the readers keep a NUL byte after their buffers).
    @inline(__always)
    static func scan(
        _ base: UnsafePointer<UInt8>, from start: Int, limit: Int,
        grammar: Grammar
    ) -> Scanned? {
        var index = start
        var negative = false
        if index < limit, base[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        } else if grammar == .csv, index < limit, base[index] == UInt8(ascii: "+") {
            index += 1
        }
        var significand: UInt64 = 0
        var exponent10 = 0
        var truncated = false
        // Integer part.
        let integerStart = index
        while index < limit, case let digit = base[index] &- 48, digit < 10 {
            if significand < significandLimit {
                significand = significand &* 10 &+ UInt64(digit)
            } else {
                exponent10 += 1
                truncated = truncated || digit != 0
            }
            index += 1
        }
        let integerDigits = index - integerStart
        if grammar == .json {
            if integerDigits == 0 { return nil }
            if integerDigits > 1, base[integerStart] == UInt8(ascii: "0") {
                // JSON: "0" is the whole integer part; the caller sees what follows.
                return Scanned(end: integerStart + 1, value: negative ? -0.0 : 0.0)
            }
        }
        // Fraction.
        var fractionDigits = 0
        if index < limit, base[index] == UInt8(ascii: ".") {
            let fractionStart = index + 1
            var cursor = fractionStart
            while cursor < limit, case let digit = base[cursor] &- 48, digit < 10 {
                if significand < significandLimit {
                    significand = significand &* 10 &+ UInt64(digit)
                    exponent10 -= 1
                } else {
                    truncated = truncated || digit != 0
                }
                cursor += 1
            }
            fractionDigits = cursor - fractionStart
            if grammar == .json && fractionDigits == 0 { return nil }
            index = cursor
        }
        if integerDigits + fractionDigits == 0 { return nil }
        // Exponent.
        if index < limit, base[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            var exponentNegative = false
            if index < limit, base[index] == UInt8(ascii: "+") || base[index] == UInt8(ascii: "-") {
                exponentNegative = base[index] == UInt8(ascii: "-")
                index += 1
            }
            let exponentStart = index
            var exponent = 0
            while index < limit, case let digit = base[index] &- 48, digit < 10 {
                if exponent < exponentSaturation { exponent = exponent * 10 + Int(digit) }
                index += 1
            }
            if index == exponentStart { return nil }
            exponent10 += exponentNegative ? -exponent : exponent
        }
        let value = convert(
            significand: significand, exponent10: exponent10,
            exact: !truncated, negative: negative,
            text: base + start, length: index - start)
        // Checked only for a zero result, so data without zeros pays one comparison.
        return Scanned(end: index, value: value, flushedToZero: value == 0 && significand != 0)
    }

    /// Digits are accumulated while the significand is below 10¹⁸, so it never overflows
    /// and holds every digit of a number with up to 18 significant digits (19 if the first
    /// is small); leading zeros cost nothing. Later non-zero digits set `truncated` and
    /// send the conversion to `strtod`.
    private static let significandLimit: UInt64 = 1_000_000_000_000_000_000

    /// The written exponent stops growing here. Far beyond any digit count (each digit past
    /// the 18th moves `exponent10` by one, and a number's digits fit in memory), so a
    /// saturated exponent still decides the result, and `exponent10` cannot overflow.
    private static let exponentSaturation = 1 << 53

    /// Below this decimal exponent w · 10^q (w < 10¹⁹, even counting dropped digits) lies
    /// under half of 4.9e-324 and rounds to zero; above `overflowExponent` (w ≥ 1) it is
    /// beyond 1.8e308 and rounds to ∞.
    private static let underflowExponent = -362
    private static let overflowExponent = 308

    /// Exact powers of ten representable in a Double: 10⁰ … 10²².
    /// (A literal, so an optimised build can place it in static data, without lazy
    /// initialisation on the hot path.)
    private static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// Converts a checked number: Clinger's fast path, else Eisel–Lemire, else `strtod`.
    @inline(__always)
    private static func convert(
        significand: UInt64, exponent10: Int, exact: Bool,
        negative: Bool, text: UnsafePointer<UInt8>,
        length: Int
    ) -> Double {
        if significand == 0 && exact { return negative ? -0.0 : 0.0 }
        if exact, significand <= 1 << 53, exponent10 >= -22, exponent10 <= 22 {
            let magnitude = Double(significand)
            let scaled =
                exponent10 >= 0
                ? magnitude * exactPowersOfTen[exponent10]
                : magnitude / exactPowersOfTen[-exponent10]
            return negative ? -scaled : scaled
        }
        if exponent10 < underflowExponent { return negative ? -0.0 : 0.0 }
        if exponent10 > overflowExponent { return negative ? -.infinity : .infinity }
        if exact, let magnitude = EiselLemire.convert(significand, exponent10) {
            return negative ? -magnitude : magnitude
        }
        return slowConvert(text, length: length)
    }

    /// Correctly rounded conversion by the C library of a span whose grammar is checked.
    private static func slowConvert(_ text: UnsafePointer<UInt8>, length: Int) -> Double {
        text.withMemoryRebound(to: CChar.self, capacity: length + 1) { chars in
            var end: UnsafeMutablePointer<CChar>?
            let value = strtod(chars, &end)
            if let end, end - UnsafeMutablePointer(mutating: chars) == length { return value }
            // Only if a process-wide locale changed the decimal point (strtod then stops
            // early): the standard library's parser ignores the locale.
            let string = String(
                decoding: UnsafeBufferPointer(start: text, count: length),
                as: UTF8.self)
            return Double(string) ?? .nan
        }
    }
}
