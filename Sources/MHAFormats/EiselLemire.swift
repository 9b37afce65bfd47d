import MHACore

/// The Eisel–Lemire conversion of w · 10^q to the nearest Double (D. Lemire, "Number Parsing
/// at a Gigabyte per Second", Software: Practice and Experience, 2021, algorithm 1).
///
/// It multiplies the normalised significand by a 128-bit approximation of 5^q and returns
/// nil whenever the truncated product cannot decide the rounding (then the caller uses
/// `strtod`); subnormal and overflowing results also return nil. Exactness is tested
/// against parse-number-fxx-test-data and against `strtod` on random inputs.
enum EiselLemire {
    /// w · 10^q correctly rounded, or nil if this method cannot decide it.
    /// - Parameters:
    ///   - w: the decimal significand, non-zero, exactly as written (at most 19 digits).
    ///   - q: the decimal exponent.
    @inline(__always)
    static func convert(_ w: UInt64, _ q: Int) -> Double? {
        guard w != 0, q >= PowersOfFive.minimumExponent, q <= PowersOfFive.maximumExponent else {
            return nil
        }
        let zeros = w.leadingZeroBitCount
        let normalised = w << UInt64(zeros)
        let power = PowersOfFive.table[q - PowersOfFive.minimumExponent]
        var (high, low) = normalised.multipliedFullWidth(by: power.high)
        if high & 0x1FF == 0x1FF {
            let second = normalised.multipliedFullWidth(by: power.low)
            let (sum, carry) = low.addingReportingOverflow(second.high)
            low = sum
            if carry { high &+= 1 }
            if high & 0x1FF == 0x1FF, low == .max, q < -27 || q > 55 { return nil }
        }
        let upperBit = Int(high >> 63)
        var mantissa = high >> UInt64(upperBit + 9)
        if low == 0, high & 0x1FF == 0, mantissa & 3 == 1 { return nil }
        mantissa += mantissa & 1
        mantissa >>= 1
        var exponentAdjust = 0
        if mantissa >= 1 << 53 {
            mantissa = 1 << 52
            exponentAdjust = 1
        }
        // ⌊q · log₂10⌋ + 63 + 1024 − zeros (+1 when the product had its top bit set).
        let biased = ((217_706 &* q) >> 16) + 63 + upperBit - zeros + 1023 + exponentAdjust
        guard biased >= 1, biased <= 2046 else { return nil }
        return Double(bitPattern: UInt64(biased) << 52 | (mantissa & ((1 << 52) - 1)))
    }
}
