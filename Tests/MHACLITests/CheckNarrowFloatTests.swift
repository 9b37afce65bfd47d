import Foundation
import Testing

/// `check` with answers from float32 (PyTorch's default dtype), through the built binary: an
/// `<f4` .npy is graded at float32's precision, a CSV printed from float32 by Python's `str`
/// is correct to float32 precision and says so, and a wrong float32 answer is still caught
/// with its mistake named. Each .npy is written here byte by byte as numpy writes it.
@Suite struct CheckNarrowFloatTests {
    static let bundle = BuiltBinary.packageRoot.appendingPathComponent("examples/two-heads/bundle.json").path

    /// The output of `run --bundle two-heads … extra` in float64, row-major, with its shape.
    static func output(_ extra: [String] = []) throws -> (rows: Int, columns: Int, values: [Double]) {
        let outcome = try BuiltBinary.run(["run", "--bundle", bundle, "--format", "json", "--show", "output"] + extra)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        let rows = try #require(json["output"] as? [[Double]])
        return (rows.count, rows.first?.count ?? 0, rows.flatMap { $0 })
    }

    /// An .npy file of `values` (rows × columns) as `<f4` (each rounded to float32) or `<f8`.
    static func npy(_ values: [Double], rows: Int, columns: Int, float32: Bool) -> Data {
        var header = "{'descr': '\(float32 ? "<f4" : "<f8")', 'fortran_order': False, 'shape': (\(rows), \(columns)), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        data.append(contentsOf: [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        data.append(contentsOf: Array(header.utf8))
        for v in values {
            if float32 {
                withUnsafeBytes(of: Float(v).bitPattern.littleEndian) { data.append(contentsOf: $0) }
            } else {
                withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) }
            }
        }
        return data
    }

    static func check(_ answer: URL, _ extra: [String] = []) throws -> BuiltBinary.Outcome {
        try BuiltBinary.run(["check", "--bundle", bundle, "--answer", answer.path] + extra)
    }

    @Test("an <f4 .npy of the right answer rounded to float32 is correct at float32 precision (it was wrong at 1e-9)")
    func float32NPYIsGradedAtFloat32Precision() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let right = try Self.output()
        // Rounding to float32 moves the entries by more than 1e-9 relative: the old rule failed them.
        #expect(right.values.contains { abs(Double(Float($0)) - $0) > 1e-9 * abs($0) })
        let f4 = folder.appendingPathComponent("right32.npy")
        try Self.npy(right.values, rows: right.rows, columns: right.columns, float32: true).write(to: f4)
        let outcome = try Self.check(f4)
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stdout == "correct: output (3 × 4) matches at float32 precision, relative 1e-6\n")
        let json = try Self.check(f4, ["--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["correct"] as? Bool == true && object["float32_precision"] as? Bool == true)
        #expect(object["full_precision"] as? Bool == false)
        // A float64 .npy is still compared at full precision: the float32-rounded values in it fail.
        let f8 = folder.appendingPathComponent("rounded64.npy")
        try Self.npy(right.values.map { Double(Float($0)) }, rows: 3, columns: 4, float32: false).write(to: f8)
        let strict = try Self.check(f8)
        #expect(strict.status == 1)
        #expect(strict.stdout.contains("(checked at full precision, relative 1e-9)"), "\(strict.stdout)")
    }

    @Test("a wrong float32 answer is caught, and a float32 forgotten scale is named no-scale")
    func wrongFloat32AnswersAreCaught() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var off = try Self.output().values
        off[5] *= 1 + 2e-5
        let wrong = folder.appendingPathComponent("wrong.npy")
        try Self.npy(off, rows: 3, columns: 4, float32: true).write(to: wrong)
        let outcome = try Self.check(wrong)
        #expect(outcome.status == 1)
        #expect(
            outcome.stdout.hasPrefix(
                "not correct: 1 of 12 entries of output (3 × 4) differs from the right values (checked at float32 precision, relative 1e-6)\nfirst: row 1, column 1: "
            ), "\(outcome.stdout)")
        let noScale = try Self.output(["--scale", "1"])
        let mistake = folder.appendingPathComponent("noscale.npy")
        try Self.npy(noScale.values, rows: 3, columns: 4, float32: true).write(to: mistake)
        let named = try Self.check(mistake)
        #expect(named.status == 1)
        #expect(
            named.stdout.contains("diagnosis: no-scale: you did not divide the scores by √d_k = √2"), "\(named.stdout)")
    }

    /// Python's `str(np.float32(v))`: the shortest decimal that reads back as the float32.
    static func shortestFloat32(_ v: Double) -> String { "\(Float(v))" }

    @Test("a CSV printed from float32 (1.1067318) is correct to float32 precision, and says so")
    func float32TextIsCorrectToFloat32Precision() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let right = try Self.output()
        let text =
            stride(from: 0, to: 12, by: 4).map { row in
                (row..<(row + 4)).map { Self.shortestFloat32(right.values[$0]) }.joined(separator: ",")
            }.joined(separator: "\n") + "\n"
        let csv = folder.appendingPathComponent("right32.csv")
        try text.write(to: csv, atomically: true, encoding: .utf8)
        // Some entry misses the half-unit rule of its own digits: the case this rule is for.
        let written = text.split(whereSeparator: { $0 == "," || $0 == "\n" }).compactMap { Double($0) }
        #expect(
            zip(written, right.values).contains { w, r in
                let text = Self.shortestFloat32(r)
                let decimals = text.split(separator: ".").last?.count ?? 0
                return abs(w - r) > 0.5 * pow(10, -Double(decimals))
            })
        let outcome = try Self.check(csv)
        #expect(outcome.status == 0, "\(outcome.stdout)")
        #expect(
            outcome.stdout.hasPrefix(
                "correct to float32 precision: output (3 × 4) matches within float32's rounding (relative 1e-6); "),
            "\(outcome.stdout)")
        #expect(
            outcome.stdout.contains(
                "not right to their last written decimal (float32 holds about 7 significant digits)"))
        // One entry wrong in its 5th digit is not excused.
        var lines = text.split(separator: "\n").map(String.init)
        lines[2] = lines[2].replacing(
            Self.shortestFloat32(right.values[8]), with: Self.shortestFloat32(right.values[8] + 3e-4))
        try (lines.joined(separator: "\n") + "\n").write(to: csv, atomically: true, encoding: .utf8)
        let wrong = try Self.check(csv)
        #expect(wrong.status == 1, "\(wrong.stdout)")
        #expect(wrong.stdout.contains("first: row 2, column 0: "), "\(wrong.stdout)")
    }
}
