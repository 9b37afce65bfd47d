import Foundation
import MHACore
import Testing

@testable import MHAFormats

@Suite struct RoundTripTests {
    typealias T = FormatTestSupport

    /// Special values plus random finite bit patterns (every exponent, subnormals included).
    static func hardMatrix() throws -> Matrix<Double> {
        var specials: [Double] = [
            -0.0, 0.0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
            .leastNormalMagnitude, .leastNormalMagnitude.nextDown, 1e308, -1e308,
            .greatestFiniteMagnitude, 0.1, 1.0 / 3.0, .pi, 1e16, 123456789012345680,
            9007199254740994, 1e-7, .leastNormalMagnitude / 3,
        ]
        var generator = SplitMix64(seed: 42)
        while specials.count < 17 * 20 {
            let value = Double(bitPattern: generator.next())
            if value.isFinite { specials.append(value) }
        }
        return try Matrix(rows: 20, columns: 17, elements: specials)
    }

    @Test(arguments: [MatrixFormat.csv, .json, .npy])
    func writtenThenReadIsBitIdentical(_ format: MatrixFormat) throws {
        let m = try Self.hardMatrix()
        let bytes: [UInt8]
        switch format {
        case .csv, .tsv: bytes = Array(CSVWriter.matrix(m, decimals: nil).utf8)
        case .json: bytes = Array(JSONWriter.matrix(m).utf8)
        case .npy: bytes = NPYWriter.data(m)
        }
        let back = try MatrixReader.read(bytes: bytes, name: "rt", format: format)
        #expect(back.shape == m.shape)
        #expect(T.bits(back) == T.bits(m))
    }

    @Test func floatMatricesRoundTripThroughNPYExactly() throws {
        var generator = SplitMix64(seed: 7)
        var values: [Float] = [-0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 0.1]
        while values.count < 60 {
            let value = Float(bitPattern: UInt32(truncatingIfNeeded: generator.next()))
            if value.isFinite { values.append(value) }
        }
        let m = try Matrix(rows: 6, columns: 10, elements: values)
        let back = try MatrixReader.read(bytes: NPYWriter.data(m), name: "rt", format: .npy)
        #expect(back.converted(to: Float.self).elements.map(\.bitPattern) == m.elements.map(\.bitPattern))
    }

    @Test func numpyReadsWhatNPYWriterWrites() throws {
        // The header is what numpy itself writes: 64-byte aligned, ending in a newline.
        let bytes = NPYWriter.data(try Matrix<Double>([[1, 2, 3]]))
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + headerLength) % 64 == 0)
        #expect(bytes[10 + headerLength - 1] == UInt8(ascii: "\n"))
        #expect(
            String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
                .hasPrefix("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 3), }"))
        #expect(bytes.count == 10 + headerLength + 24)
    }
}
