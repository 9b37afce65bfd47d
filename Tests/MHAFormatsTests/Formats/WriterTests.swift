import Foundation
import MHACore
import Testing

@testable import MHAFormats

@Suite struct WriterTests {
    @Test func jsonMatrixIsCompactWithShortestNumbers() throws {
        let m = try Matrix<Double>([[1, 0.1, -0.0], [.leastNonzeroMagnitude, 1e308, 1.0 / 3.0]])
        #expect(JSONWriter.matrix(m) == "[[1.0,0.1,-0.0],[5e-324,1e+308,0.3333333333333333]]")
        #expect(JSONWriter.matrix(try Matrix<Float>([[0.1, 1]])) == "[[0.1,1.0]]")
    }

    @Test func jsonValuesKeepOrderAndEscapeStrings() throws {
        let value = JSONValue.object([
            ("z", .int(3)), ("a", .string("q\"\\\n\t\u{01}é")), ("n", .null), ("b", .bool(false)),
            ("x", .number(.nan)), ("list", .array([.int(1), .number(2.5)])),
            ("m", .matrix(try Matrix([[1, 2]]))),
        ])
        #expect(
            value.serialized()
                == #"{"z":3,"a":"q\"\\\n\t\u0001é","n":null,"b":false,"x":null,"list":[1,2.5],"m":[[1.0,2.0]]}"#)
    }

    @Test func prettyJSONPutsMembersAndRowsOnLines() throws {
        let value = JSONValue.object([
            ("shape", .array([.int(2), .int(1)])),
            ("m", .floatMatrix(try Matrix<Float>([[1], [2]]))),
        ])
        #expect(
            value.serialized(pretty: true) == """
                {
                  "shape": [2,1],
                  "m": [
                    [1.0],
                    [2.0]
                  ]
                }
                """)
    }

    @Test func prettyJSONIsStillValidJSON() throws {
        let value = JSONValue.object([("x", .matrix(try Matrix([[1.5, 2], [3, 4]])))])
        let bundle = try InputBundle.parse(bytes: Array(value.serialized(pretty: true).utf8), name: "p")
        #expect(bundle.matrices["x"] == (try Matrix([[1.5, 2], [3, 4]])))
    }

    @Test func csvWithDecimalsAndRoundTripForm() throws {
        let m = try Matrix<Double>([[1, -0.5, 2.0 / 3.0], [1e-7, 123.456, -0.0]])
        #expect(CSVWriter.matrix(m, decimals: 3) == "1.000,-0.500,0.667\n0.000,123.456,0.000\n")
        #expect(CSVWriter.matrix(m, decimals: nil) == "1.0,-0.5,0.6666666666666666\n1e-07,123.456,-0.0\n")
        #expect(CSVWriter.matrix(m, decimals: 0) == "1,0,1\n0,123,0\n")  // zeros print without a sign
        #expect(
            CSVWriter.matrix(try Matrix<Double>([[-0.00004, -0.00006, -0.0]]), decimals: 4) == "0.0000,-0.0001,0.0000\n"
        )
    }
}

@Suite struct FixedDecimalTests {
    /// C's `%.Nf`, the reference.
    static func printf(_ value: Double, _ decimals: Int) -> String {
        var buffer = [CChar](repeating: 0, count: 400)
        _ = buffer.withUnsafeMutableBufferPointer { buffer in
            withVaList([value]) { vsnprintf(buffer.baseAddress, buffer.count, "%.\(decimals)f", $0) }
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func fixed(_ value: Double, _ decimals: Int) -> String {
        var output: [UInt8] = []
        FixedDecimal.append(value, decimals: decimals, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    @Test func halfwayCasesRoundToEvenLikePrintf() {
        let cases: [(Double, Int, String)] = [
            (0.5, 0, "0"), (1.5, 0, "2"), (2.5, 0, "2"), (0.125, 2, "0.12"), (0.375, 2, "0.38"),
            (-0.0, 3, "-0.000"), (-1e-7, 3, "-0.000"), (1e-7, 3, "0.000"), (123.456, 0, "123"),
            (1e300, 2, Self.printf(1e300, 2)), (.leastNonzeroMagnitude, 19, "0.0000000000000000000"),
        ]
        for (value, decimals, expected) in cases {
            #expect(Self.fixed(value, decimals) == expected, "\(value) %.\(decimals)f")
            #expect(Self.printf(value, decimals) == expected, "printf \(value) %.\(decimals)f")
        }
    }

    @Test func agreesWithPrintfOnRandomValues() {
        var generator = SplitMix64(seed: 99)
        for trial in 0..<20_000 {
            let magnitude = Double(generator.next() >> 11) / 0x1p53
            let scale = Double(sign: .plus, exponent: Int(generator.next() % 90) - 60, significand: 1)
            let value = (trial % 2 == 0 ? 1 : -1) * magnitude * scale
            let decimals = trial % 24
            #expect(Self.fixed(value, decimals) == Self.printf(value, decimals), "\(value) %.\(decimals)f")
        }
    }
}
