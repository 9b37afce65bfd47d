import Foundation
import MHACore
import Testing

@testable import MHAFormats

/// An additive mask blocks with −∞: read under `.negativeInfinityAllowed` by every matrix
/// format (CSV text, .npy in memory and from a file, an .npz member, a safetensors tensor);
/// NaN and +∞ stay refused, and every other input refuses −∞ as well.
@Suite struct NonFiniteRuleTests {
    static let values: [Double] = [0.5, -.infinity, -2, 0]

    /// The four values as a 2 × 2 matrix in `extension`'s format, written into `folder`.
    static func file(_ ext: String, values: [Double], in folder: URL) throws -> String {
        let m = try Matrix(rows: 2, columns: 2, elements: values)
        let url = folder.appendingPathComponent("m.\(ext)")
        switch ext {
        case "npy": try Data(NPYWriter.data(m)).write(to: url)
        case "npz": try Data(NPZWriter.archive([NPZMember(name: "mask", npy: NPYWriter.data(m))])).write(to: url)
        case "safetensors":
            let header = Array(#"{"mask":{"dtype":"F64","shape":[2,2],"data_offsets":[0,32]}}"#.utf8)
            var bytes = withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init) + header
            for value in values { bytes += withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init) }
            try Data(bytes).write(to: url)
        default:
            let text = values.map { $0 == -.infinity ? "-inf" : $0 == .infinity ? "inf" : $0.isNaN ? "nan" : "\($0)" }
            try "\(text[0]),\(text[1])\n\(text[2]),\(text[3])\n".write(to: url, atomically: true, encoding: .utf8)
        }
        return url.path + (ext == "npz" || ext == "safetensors" ? ":mask" : "")
    }

    @Test(arguments: ["csv", "tsv", "npy", "npz", "safetensors"])
    func negativeInfinityIsReadOnlyWhenAllowed(_ ext: String) throws {
        let folder = try MatrixReaderTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var values = Self.values
        if ext == "tsv" {
            try "0.5\t-Infinity\n-2\t0\n".write(
                to: folder.appendingPathComponent("m.tsv"), atomically: true, encoding: .utf8)
        }
        let path =
            ext == "tsv" ? folder.appendingPathComponent("m.tsv").path : try Self.file(ext, values: values, in: folder)
        let read = try MatrixReader.read(path: path, nonFinite: .negativeInfinityAllowed)
        #expect(read.elements == values)
        #expect(throws: FormatError.self) { try MatrixReader.read(path: path) }
        for bad in [Double.nan, .infinity] where ext != "tsv" {
            values[1] = bad
            let refused = try Self.file(ext, values: values, in: folder)
            #expect(throws: FormatError.self) {
                try MatrixReader.read(path: refused, nonFinite: .negativeInfinityAllowed)
            }
        }
    }

    @Test func inMemoryNPYAndCSV() throws {
        let m = try Matrix(rows: 2, columns: 2, elements: Self.values)
        let npy = try MatrixReader.read(
            bytes: NPYWriter.data(m), name: "m", format: .npy, nonFinite: .negativeInfinityAllowed)
        #expect(npy.elements == Self.values)
        let csv = try MatrixReader.read(
            bytes: Array("0.5, -INF\n-2,0\n".utf8), name: "m", format: .csv, nonFinite: .negativeInfinityAllowed)
        #expect(csv.elements == Self.values)
        // A value too large for float64 is still out of range, not −∞.
        #expect(throws: FormatError.self) {
            try MatrixReader.read(
                bytes: Array("-1e400,0\n".utf8), name: "m", format: .csv, nonFinite: .negativeInfinityAllowed)
        }
    }
}
