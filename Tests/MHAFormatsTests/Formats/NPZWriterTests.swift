import Foundation
import Testing
@testable import MHAFormats
import MHACore

/// The `.npz` writer: zip structure read back by a minimal reader here, by numpy when it is
/// installed, and the plain-zip limits.
@Suite struct NPZWriterTests {
    let a = try! Matrix<Double>([[1, 0.1, -2.5], [1e-300, .greatestFiniteMagnitude, -0.0]])
    let b = try! Matrix<Float>([[0.1], [2]])

    @Test func crcIsTheZipChecksum() {
        #expect(ZipCRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(ZipCRC32.checksum([]) == 0)
    }

    @Test func membersReadBackThroughTheCentralDirectory() throws {
        let members: [NPZMember] = [.matrix("output", a), .matrix("head_1", b), .integers("positions", [0, 7, -3])]
        let zip = try NPZWriter.archive(members)
        let read = try StoredZip(zip)
        #expect(read.names == ["output.npy", "head_1.npy", "positions.npy"])
        #expect(read.members["output.npy"] == NPYWriter.data(a))
        #expect(try MatrixReader.read(bytes: read.members["output.npy"] ?? [], name: "o", format: .npy) == a)
        #expect(try MatrixReader.read(bytes: read.members["head_1.npy"] ?? [], name: "h", format: .npy) == b.converted(to: Double.self))
        let positions = try MatrixReader.read(bytes: read.members["positions.npy"] ?? [], name: "p", format: .npy)
        #expect(positions.elements == [0, 7, -3])
        #expect(try NPZWriter.archive(members) == zip, "the same arrays give the same bytes")
    }

    @Test func emptyArchiveIsJustTheEndRecord() throws {
        let zip = try NPZWriter.archive([])
        #expect(zip == [0x50, 0x4B, 0x05, 0x06] + [UInt8](repeating: 0, count: 18))
    }

    @Test func numpyLoadsTheArchive() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("npz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("parts.npz").path
        let zip = try NPZWriter.archive([.matrix("output", a), .matrix("head_1", b), .integers("positions", [4, 5]),
                                         .string("rope", "half")])
        try Data(zip).write(to: URL(fileURLWithPath: path))
        let script = """
        import sys, zipfile, numpy as np
        z = np.load(sys.argv[1])
        assert zipfile.ZipFile(sys.argv[1]).testzip() is None
        print(sorted(z.files))
        print(z['output'].dtype, z['output'].shape, repr(z['output'][1, 1]), repr(z['output'][0, 1]))
        print(z['head_1'].dtype, z['head_1'].tolist())
        print(z['positions'].dtype, z['positions'].tolist(), str(z['rope']))
        """
        guard let output = Self.python(script, path) else {
            print("skipped: python3 with numpy is not available")
            return
        }
        #expect(output == """
        ['head_1', 'output', 'positions', 'rope']
        float64 (2, 3) np.float64(1.7976931348623157e+308) np.float64(0.1)
        float32 [[0.10000000149011612], [2.0]]
        int64 [4, 5] half

        """)
    }

    @Test func refusesWhatPlainZipCannotHold() {
        #expect(throws: NPZWriterError.duplicateName("x")) { try NPZWriter.archive([.integers("x", []), .integers("x", [1])]) }
        #expect(throws: NPZWriterError.invalidName("a/b")) { try NPZWriter.archive([.integers("a/b", [])]) }
        #expect(throws: NPZWriterError.invalidName("")) { try NPZWriter.archive([.integers("", [])]) }
        #expect(throws: NPZWriterError.self) { try NPZWriter.check([("big", Int(UInt32.max) - 100)]) }
        #expect(throws: NPZWriterError.self) { try NPZWriter.check([("a", Int.max - 10)]) }
        #expect((try? NPZWriter.check([("a", 1 << 31), ("b", (1 << 31) - 1000)])) != nil)
        #expect(throws: NPZWriterError.self) { try NPZWriter.check([("a", 1 << 31), ("b", 1 << 31)]) }
        let message = NPZWriterError.tooLarge(name: "weights_3", bytes: 5 << 30).description
        #expect(message == "the .npz archive would be 5.0 GiB at member 'weights_3': .npz files are written without zip64, so at most 4 GiB; write the parts as separate .npy files")
        #expect(NPZWriterError.tooLarge(name: "x", bytes: 1).category == .output)
    }

    /// Runs `python3 -c script argument`; nil when python3 or numpy is missing.
    static func python(_ script: String, _ argument: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, argument]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = Pipe()
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        if process.terminationStatus != 0 {
            // A missing interpreter or numpy skips; numpy rejecting the file fails.
            let probe = Process()
            probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            probe.arguments = ["python3", "-c", "import numpy"]
            probe.standardError = Pipe()
            guard (try? probe.run()) != nil else { return nil }
            probe.waitUntilExit()
            return probe.terminationStatus == 0 ? "python3 failed: \(text)" : nil
        }
        return text
    }
}

/// A minimal reader of stored zip archives for the tests: the end record, the central
/// directory, and each member's local header, cross-checked (sizes, CRC-32, offsets).
struct StoredZip {
    var names: [String] = []
    var members: [String: [UInt8]] = [:]

    struct Malformed: Error, CustomStringConvertible { var description: String }

    init(_ zip: [UInt8]) throws {
        func u16(_ o: Int) throws -> Int {
            guard o >= 0, o + 2 <= zip.count else { throw Malformed(description: "u16 past end at \(o)") }
            return Int(zip[o]) | Int(zip[o + 1]) << 8
        }
        func u32(_ o: Int) throws -> Int { let low = try u16(o), high = try u16(o + 2); return low | high << 16 }
        let end = zip.count - 22
        guard try u32(end) == 0x0605_4B50 else { throw Malformed(description: "no end record") }
        let count = try u16(end + 10)
        var entry = try u32(end + 16)
        guard try u32(end + 12) + entry == end else { throw Malformed(description: "directory size") }
        for _ in 0..<count {
            guard try u32(entry) == 0x0201_4B50 else { throw Malformed(description: "directory signature") }
            guard try u16(entry + 10) == 0 else { throw Malformed(description: "not stored") }
            let (crc, size, nameLength) = (try u32(entry + 16), try u32(entry + 24), try u16(entry + 28))
            guard try u32(entry + 20) == size else { throw Malformed(description: "sizes differ") }
            let name = String(decoding: zip[(entry + 46)..<(entry + 46 + nameLength)], as: UTF8.self)
            let local = try u32(entry + 42)
            guard try u32(local) == 0x0403_4B50, try u32(local + 14) == crc, try u32(local + 22) == size,
                  try u16(local + 26) == nameLength else { throw Malformed(description: "local header of \(name)") }
            let extra = try u16(local + 28)
            let start = local + 30 + nameLength + extra
            let bytes = Array(zip[start..<(start + size)])
            guard Int(ZipCRC32.checksum(bytes)) == crc else { throw Malformed(description: "CRC of \(name)") }
            names.append(name)
            members[name] = bytes
            entry += 46 + nameLength
        }
    }
}
