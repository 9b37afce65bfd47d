import Foundation
import MHACore
import Testing

@testable import MHAFormats

/// The line-at-a-time reader `decode` uses, and the decode cache file.
@Suite struct RowStreamTests {
    /// A stream over a pipe holding `text` (the write end closed: the stream sees its end).
    func stream(_ text: String, width: Int? = nil) -> RowStream {
        var fds: [Int32] = [0, 0]
        _ = pipe(&fds)
        _ = text.utf8CString.withUnsafeBufferPointer { write(fds[1], $0.baseAddress, $0.count - 1) }
        close(fds[1])
        return RowStream(descriptor: fds[0], name: "h.csv", width: width)
    }

    @Test func headerCommentsAndBlankLinesAreSkippedAndRowsComeInBlocks() throws {
        let s = stream("# H\na,b,c\n\n1,2,3\n4,5,6\r\n7,8,9")
        #expect(try s.next(maxRows: 2) == .rows(try Matrix([[1, 2, 3], [4, 5, 6]]), firstLine: 4))
        #expect(try s.next(maxRows: 2) == .rows(try Matrix([[7, 8, 9]]), firstLine: 6))
        #expect(try s.next(maxRows: 2) == .end)
        #expect(s.width == 3)
    }

    @Test func tabsMakeTSV() throws {
        let s = stream("1\t2\n3\t4\n")
        #expect(try s.next(maxRows: 10) == .rows(try Matrix([[1, 2], [3, 4]]), firstLine: 1))
    }

    /// A bad line ends its block: the rows before it come first, the error with the next call.
    @Test func errorsNameTheLine() throws {
        let wrongWidth = stream("1,2,3\n\n4,5\n")
        #expect(try wrongWidth.next(maxRows: 10) == .rows(try Matrix([[1, 2, 3]]), firstLine: 1))
        #expect(throws: FormatError(kind: .data, file: "h.csv", line: 3, message: "line 3 has 2 values; d_model is 3"))
        {
            try wrongWidth.next(maxRows: 10)
        }
        #expect(throws: FormatError(kind: .data, file: "h.csv", line: 2, message: "line 2 has 3 values; d_model is 4"))
        {
            try stream("# x\n1,2,3\n", width: 4).next(maxRows: 10)
        }
        let notANumber = stream("1,2\n3,x\n")
        #expect(try notANumber.next(maxRows: 10) == .rows(try Matrix([[1, 2]]), firstLine: 1))
        do {
            _ = try notANumber.next(maxRows: 10)
            Issue.record("no error")
        } catch {
            #expect(error.line == 2 && error.column == 3, "\(error)")
        }
        // After data a line of labels is not a header: its first field is not a number.
        let labels = stream("a,b\n1,2\nc,d\n")
        #expect(try labels.next(maxRows: 10) == .rows(try Matrix([[1, 2]]), firstLine: 2))
        #expect(
            throws: FormatError(
                kind: .data, file: "h.csv", line: 3, column: 1, message: "expected a number, found \"c\"")
        ) {
            try labels.next(maxRows: 10)
        }
        do {
            _ = try stream("1,y\n3,4\n").next(maxRows: 10)
            Issue.record("no error")
        } catch {
            #expect(error.line == 1, "a bad first line is not a header: \(error)")
        }
    }

    /// Found by the `decode` fuzz target (fuzz-regressions/decode/crash-9b89a13…): a carriage
    /// return inside a line made two CSV records of it, whose values were appended as one row
    /// (a row of 2 values with d_model 1, or rows shifted into each other).
    @Test func aCarriageReturnInsideALineIsRefusedNamingTheLine() throws {
        let message = "line 2 holds 2 rows (a carriage return inside it?); decode reads one row per line"
        let split = stream("1,2\n3,4\r5,6\n7,8\n")
        #expect(try split.next(maxRows: 10) == .rows(try Matrix([[1, 2]]), firstLine: 1))
        #expect(throws: FormatError(kind: .data, file: "h.csv", line: 2, message: message)) {
            try split.next(maxRows: 10)
        }
        #expect(throws: FormatError.self) { try stream("\r\r\r1\r\r\r\r1\n", width: 1).next(maxRows: 10) }
        // Before its line feed a carriage return is a Windows line end, as before.
        #expect(try stream("1,2\r\n3,4\r\n").next(maxRows: 10) == .rows(try Matrix([[1, 2], [3, 4]]), firstLine: 1))
    }

    @Test func cacheFileRoundTripsAndRefusesDamage() throws {
        let cache = try KVCache(
            keys: try Matrix<Double>([[1, 2], [3, 4]]), values: try Matrix([[5, 6], [7, 8]]),
            kvHeads: 1, headDim: 2, nextPosition: 9)
        let bytes = try DecodeCacheFile.archive(cache, settings: [("heads", [2]), ("rope", [1, 10000.5, 2])])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("c.npz").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let read = try DecodeCacheFile.read(path: path)
        #expect(read.keys == cache.keys && read.values == cache.values)
        #expect(read.nextPosition == 9 && read.precisionBits == 64)
        #expect(read.settings == ["heads": [2], "rope": [1, 10000.5, 2]])
        for cut in [10, bytes.count / 2, bytes.count - 1] {
            try Data(bytes.prefix(cut)).write(to: URL(fileURLWithPath: path))
            #expect(throws: FormatError.self) { try DecodeCacheFile.read(path: path) }
        }
        var flipped = bytes
        flipped[170] ^= 0xFF  // inside k's data: the CRC-32 no longer matches
        try Data(flipped).write(to: URL(fileURLWithPath: path))
        #expect(throws: FormatError.self) { try DecodeCacheFile.read(path: path) }
        try Data(try NPZWriter.archive([.integers("k", [1])])).write(to: URL(fileURLWithPath: path))
        do {
            _ = try DecodeCacheFile.read(path: path)
            Issue.record("no error")
        } catch {
            #expect(error.description.contains("not a decode cache: no array 'v'"), "\(error)")
        }
    }
}
