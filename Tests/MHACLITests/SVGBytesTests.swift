import Testing

@testable import MHACLI

/// The SVG's fast fixed-decimal writer prints exactly what `MatrixText.format` (printf) does.
@Suite struct SVGBytesTests {
    @Test func fixedDecimalsMatchPrintf() {
        var generator = SystemRandomNumberGenerator()
        var values: [Double] = [0, -0.0, 1, 0.5, 0.25, 0.125, 0.00005, 0.00015, 0.99995, 2.5, 1e-300, 123.456, 7e8]
        values += (0..<20_000).map { _ in Double.random(in: 0...1, using: &generator) }
        values += (0..<2_000).map { _ in Double(Int.random(in: 0...99_999, using: &generator)) / 1e4 + 0.00005 }
        values += [.nan, .infinity, -1.5]
        for decimals in [0, 1, 2, 4, 6, 8, 10] {
            for value in values {
                var bytes = SVGBytes(capacity: 32)
                bytes.append(fixed: value, decimals: decimals)
                let expected = MatrixText.format(value, decimals)
                #expect(String(decoding: bytes.bytes, as: UTF8.self) == expected, "\(value) at \(decimals)")
            }
        }
    }

    @Test func integersAreDecimal() {
        for value in [0, 7, 10, 255, 1_000_000, Int.max, -3] {
            var bytes = SVGBytes(capacity: 32)
            bytes.append(integer: value)
            #expect(String(decoding: bytes.bytes, as: UTF8.self) == String(value))
        }
    }
}
