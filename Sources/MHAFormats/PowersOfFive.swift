import MHACore

/// 128-bit normalised approximations of 5^q for q in −342…308, the table of the
/// Eisel–Lemire conversion (D. Lemire, "Number Parsing at a Gigabyte per Second", 2021).
///
/// Entry q is 5^q · 2^−s for the s that puts it in [2¹²⁷, 2¹²⁸): truncated for q ≥ 0 and
/// rounded up for q < 0 (5^q is then never a dyadic rational). It is computed once, on
/// first use, with a small multi-precision integer (multiplying and dividing by 5 only),
/// rather than pasted as a literal table.
enum PowersOfFive {
    /// The smallest decimal exponent in the table.
    static let minimumExponent = -342
    /// The largest decimal exponent in the table.
    static let maximumExponent = 308

    /// (high, low) 64-bit halves, indexed by q − minimumExponent.
    static let table: [(high: UInt64, low: UInt64)] = {
        var entries = [(high: UInt64, low: UInt64)](
            repeating: (0, 0),
            count: maximumExponent - minimumExponent + 1)
        // q ≥ 0: 5^q exactly, its top 128 bits.
        var power = BigNatural(1)
        for q in 0...maximumExponent {
            entries[q - minimumExponent] = power.top128Bits()
            power.multiply(by: 5)
        }
        // q < 0: ⌈2^(L+127) / 5^n⌉ with L the bit length of 5^n, from ⌊2^M / 5^n⌋ for one
        // large M (nested floors: ⌊⌊2^M / 5^n⌋ / 2^k⌋ = ⌊2^(M−k) / 5^n⌋).
        let m = 1_100
        var quotient = BigNatural(powerOfTwo: m)
        var fivePower = BigNatural(1)
        for n in 1...(-minimumExponent) {
            quotient.divide(by: 5)
            fivePower.multiply(by: 5)
            let shift = m - (fivePower.bitLength + 127)
            var (high, low) = quotient.bits128(shiftedRightBy: shift)
            // + 1: the quotient is never exact, so this is the ceiling.
            low &+= 1
            if low == 0 { high &+= 1 }
            entries[-n - minimumExponent] = (high, low)
        }
        return entries
    }()
}

/// A minimal arbitrary-precision natural number (little-endian 32-bit limbs) for building
/// the `PowersOfFive` table.
struct BigNatural {
    /// Limbs, least significant first.
    private(set) var limbs: [UInt32]

    /// The number `value`.
    init(_ value: UInt32) { limbs = [value] }

    /// The number 2^exponent.
    init(powerOfTwo exponent: Int) {
        limbs = [UInt32](repeating: 0, count: exponent / 32 + 1)
        limbs[exponent / 32] = 1 << UInt32(exponent % 32)
    }

    /// The number of significant bits.
    var bitLength: Int {
        guard let top = limbs.lastIndex(where: { $0 != 0 }) else { return 0 }
        return top * 32 + (32 - limbs[top].leadingZeroBitCount)
    }

    /// self ← self · factor.
    mutating func multiply(by factor: UInt32) {
        var carry: UInt64 = 0
        for index in limbs.indices {
            let product = UInt64(limbs[index]) * UInt64(factor) + carry
            limbs[index] = UInt32(truncatingIfNeeded: product)
            carry = product >> 32
        }
        if carry != 0 { limbs.append(UInt32(carry)) }
    }

    /// self ← ⌊self / divisor⌋.
    mutating func divide(by divisor: UInt32) {
        var remainder: UInt64 = 0
        for index in limbs.indices.reversed() {
            let current = remainder << 32 | UInt64(limbs[index])
            limbs[index] = UInt32(current / UInt64(divisor))
            remainder = current % UInt64(divisor)
        }
        while limbs.count > 1, limbs.last == 0 { limbs.removeLast() }
    }

    /// Bit `index` (0 = least significant).
    func bit(_ index: Int) -> UInt64 {
        guard index >= 0, index / 32 < limbs.count else { return 0 }
        return UInt64(limbs[index / 32] >> UInt32(index % 32) & 1)
    }

    /// The 128 bits starting at bit `shift` (bits shift…shift+127 as high:low); a negative
    /// shift moves the number left.
    func bits128(shiftedRightBy shift: Int) -> (high: UInt64, low: UInt64) {
        var high: UInt64 = 0, low: UInt64 = 0
        for offset in 0..<64 {
            low |= bit(shift + offset) << UInt64(offset)
            high |= bit(shift + 64 + offset) << UInt64(offset)
        }
        return (high, low)
    }

    /// The top 128 bits, the most significant one at bit 127 (the number shifted left if
    /// it has fewer bits).
    func top128Bits() -> (high: UInt64, low: UInt64) {
        bits128(shiftedRightBy: bitLength - 128)
    }
}
