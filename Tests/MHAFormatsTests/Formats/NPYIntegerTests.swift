import MHACore
import Testing

@testable import MHAFormats

/// Integer and bool NPY files: every integer width, signed and unsigned, either byte
/// order, converted exactly; a 64-bit value is refused only if float64 cannot hold it
/// exactly (converted and converted back, compared), with the value in the message.
@Suite struct NPYIntegerTests {
    typealias T = FormatTestSupport

    /// Signed fixtures: 10·i + j − 3 (see Fixtures/npy/make_npy.py).
    static let signed = Matrix<Double>(rows: 2, columns: 3) { i, j in Double(10 * i + j - 3) }
    /// Unsigned fixtures: 10·i + j.
    static let unsigned = Matrix<Double>(rows: 2, columns: 3) { i, j in Double(10 * i + j) }

    static func read(_ name: String) throws -> Matrix<Double> {
        try MatrixReader.read(path: try T.fixture("npy/" + name).path)
    }

    @Test(arguments: ["i1.npy", "i2_be.npy", "i8_fortran.npy"])
    func readsSignedIntegers(_ name: String) throws {
        #expect(try Self.read(name) == Self.signed)
    }

    @Test(arguments: ["u1.npy", "u2_le.npy", "u4_be.npy", "u8_le.npy", "u8_be.npy"])
    func readsUnsignedIntegers(_ name: String) throws {
        #expect(try Self.read(name) == Self.unsigned)
    }

    @Test func readsBoolsAsZeroAndOne() throws {
        let expected = Matrix<Double>(rows: 2, columns: 3) { i, j in Double((i + j) % 2) }
        #expect(try Self.read("b1.npy") == expected)
    }

    @Test func acceptsLarge64BitIntegersThatFloat64HoldsExactly() throws {
        #expect(try Self.read("i8_large.npy").elements == [0x1p62, -0x1p63, 0x1p53 + 2])
        #expect(try Self.read("u8_large.npy").elements == [0x1p63, 0x1p64 - 0x1p11])
    }

    @Test func refusesIntegersFloat64CannotHold() {
        T.expectError(
            line: nil, column: nil, "i8_max.npy: ", "integer 9223372036854775807 at [1, 1]",
            "not exactly representable as float64"
        ) { try Self.read("i8_max.npy") }
        T.expectError(
            line: nil, column: nil, "u8_inexact.npy: ", "integer 18446744073709551615 at [0, 0]",
            "not exactly representable as float64"
        ) { try Self.read("u8_inexact.npy") }
    }

    @Test func inMemoryBytesTakeTheGeneralPath() throws {
        let bytes = NPYHeader.encoded(descr: "|b1", rows: 1, columns: 3) + [0, 1, 2]
        #expect(try MatrixReader.read(bytes: bytes, name: "b.npy", format: .npy).elements == [0, 1, 1])
    }
}
