import MHACore
import Testing

@testable import MHAFormats

/// A file cut inside the 10-byte NPY preamble says so, rather than that the magic is missing.
@Suite struct NPYPreambleTests {
    @Test(arguments: [3, 6, 9])
    func truncatedPreamble(_ length: Int) {
        let bytes = Array(NPYHeader.magic + [1, 0, 118, 0]).prefix(length)
        do {
            _ = try MatrixReader.read(bytes: Array(bytes), name: "cut.npy", format: .npy)
            Issue.record("a \(length)-byte NPY was read")
        } catch {
            #expect(
                error.description
                    == "cut.npy: truncated: the file ends after \(length) bytes, inside the NPY preamble (10 bytes)")
            #expect(error.category == .data)
        }
    }

    @Test func otherBytesAreNotNPY() {
        #expect(throws: FormatError.self) {
            try MatrixReader.read(bytes: Array("NUMPY".utf8), name: "x.npy", format: .npy)
        }
        do {
            _ = try MatrixReader.read(bytes: Array("hello world".utf8), name: "x.npy", format: .npy)
        } catch {
            #expect("\(error)".contains("missing the \\x93NUMPY magic string"))
        }
    }
}
