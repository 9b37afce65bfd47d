import Foundation
import MHACore
import Testing

@testable import MHAFormats

@Suite struct MatrixReaderTests {
    /// A fresh temporary folder for one test.
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mha-formats-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func formatByExtension() {
        #expect(MatrixFormat(pathExtension: "CSV") == .csv)
        #expect(MatrixFormat(pathExtension: ".npy") == .npy)
        #expect(MatrixFormat(pathExtension: "txt") == nil)
        #expect(MatrixFormat(path: "dir.v2/w.TSV") == .tsv)
        #expect(MatrixFormat(path: "dir.json/weights") == nil)
        #expect(MatrixFormat(path: ".json") == nil)
    }

    @Test func sniffing() {
        #expect(MatrixFormat.sniff(Array("\u{FEFF} \n [[1]]".utf8)) == .json)
        #expect(MatrixFormat.sniff(Array("{\"x\": 1}".utf8)) == .json)
        #expect(MatrixFormat.sniff(NPYHeader.magic + [1, 0]) == .npy)
        #expect(MatrixFormat.sniff(Array("# c\n1,2\n".utf8)) == .csv)
        #expect(MatrixFormat.sniff(Array("# c\n1\t2\n".utf8)) == .tsv)
        #expect(MatrixFormat.sniff([UInt8]()) == .csv)
    }

    @Test func readsFilesByExtensionOrOverride() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let m = try Matrix<Double>([[1, 2], [3, 4]])
        let files: [(String, [UInt8])] = [
            ("m.CSV", Array(CSVWriter.matrix(m, decimals: nil).utf8)),
            ("m.tsv", Array("1\t2\n3\t4\n".utf8)),
            ("m.json", Array(JSONWriter.matrix(m).utf8)),
            ("m.npy", NPYWriter.data(m)),
            ("m.data", NPYWriter.data(m)),  // unknown extension: sniffed
        ]
        for (name, bytes) in files {
            let path = folder.appendingPathComponent(name).path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            #expect(try MatrixReader.read(path: path) == m, "\(name)")
        }
        let jsonAsText = folder.appendingPathComponent("m.txt").path
        try Data(JSONWriter.matrix(m).utf8).write(to: URL(fileURLWithPath: jsonAsText))
        #expect(try MatrixReader.read(path: jsonAsText, format: .json) == m)
        FormatTestSupport.expectError(line: 1, column: 1, "m.txt:1:1: expected a number, found \"[[") {
            try MatrixReader.read(path: jsonAsText, format: .csv)
        }
    }

    @Test func filesThatCannotBeOpenedAreNoInput() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("x.csv").path
        for (path, reason) in [(missing, "No such file or directory"), (folder.path, "Is a directory")] {
            let error = FormatTestSupport.formatError { try MatrixReader.read(path: path) }
            #expect(error?.category == .noInput)
            #expect(error?.description == "cannot open '\(path)': \(reason)")
            let bundleError = FormatTestSupport.formatError { try InputBundle.read(path: path) }
            #expect(bundleError?.category == .noInput)
        }
    }

    @Test func contentErrorsAreDataErrors() {
        let error = FormatTestSupport.formatError { try FormatTestSupport.read("1,x\n") }
        #expect(error?.category == .data)
    }
}

@Suite struct StreamInputTests {
    /// Standard input is read like this: a pipe of unknown length, here larger than the
    /// initial 64 KiB buffer so that it must grow.
    @Test func readsAPipeToItsEnd() throws {
        let pipe = Pipe()
        let rows = (0..<5_000).map { "\($0),\(Double($0) / 7),-1e-3" }.joined(separator: "\n")
        let payload = Data(("x,y,z\n" + rows + "\n").utf8)
        let writer = Thread {
            pipe.fileHandleForWriting.write(payload)
            try? pipe.fileHandleForWriting.close()
        }
        writer.start()
        let bytes = try InputBytes.read(descriptor: pipe.fileHandleForReading.fileDescriptor, name: "<stdin>")
        #expect(bytes.count == payload.count + 1 && bytes.last == 0)
        let format = MatrixFormat.sniff(bytes.dropLast())
        #expect(format == .csv)
        let m = try MatrixReader.readTerminated(bytes, name: "<stdin>", format: format)
        #expect(m.shape == Shape(rows: 5_000, columns: 3))
        #expect(m[4_999, 1] == 4_999.0 / 7)
    }
}
