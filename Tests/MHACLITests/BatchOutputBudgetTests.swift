import Foundation
import MHACore
import MHAFormats
import Testing

/// Output of a batch under a memory limit, and the words of refusals and `--float`
/// warnings in `attend` (QA s23: F10, F13, F3), through the built binary.
@Suite("Batch output budget, -o wording, attend --float warnings")
struct BatchOutputBudgetTests {
    /// A B × n × d float64 `.npy` of seeded values in (−1, 1) (whose JSON is as long as real
    /// data's), or of zeros.
    static func batch(_ b: Int, _ n: Int, _ d: Int, random: Bool = true) -> [UInt8] {
        var g = SplitMix64(seed: 7)
        var payload: [UInt8] = []
        payload.reserveCapacity(b * n * d * 8)
        for _ in 0..<(b * n * d) {
            let value = random ? g.nextSigned() : 0
            withUnsafeBytes(of: value.bitPattern.littleEndian) { payload += $0 }
        }
        return HostileInputTests.npy(
            header: "{'descr': '<f8', 'fortran_order': False, 'shape': (\(b), \(n), \(d)), }", payload: payload)
    }

    /// 400 sequences of 100 × 64 as JSON need about 400 MiB of text: refused with needed vs
    /// available under a 200 MB address space (beyond the threads' reserve) (it was "failed to allocate", exit 134), while
    /// the same batch as elided text and as NPY still runs.
    @Test("a batch printed as JSON is budgeted for all its sequences (F10)")
    func batchJSONIsBudgeted() throws {
        let folder = try ScratchFolder()
        try folder.write("batch.npy", Self.batch(400, 100, 64))
        let run = ["run", "-x", "batch.npy", "--weights", "random:1", "--heads", "4"]
        try folder.run(run + ["--format", "json"], killAfter: 60, addressSpace: 200_000_000)
            .expectRefusal(65, "computing and printing the heads, the concat, the output as JSON needs", "available")
        let text = try folder.run(run + ["-o", "out.txt"], killAfter: 60, addressSpace: 200_000_000)
        #expect(text.status == 0, "\(text.stderr)")
        let npy = try folder.run(run + ["-o", "out.npy"], killAfter: 60, addressSpace: 200_000_000)
        #expect(npy.status == 0, "\(npy.stderr)")
        try folder.run(
            ["attend", "-q", "batch.npy", "-k", "batch.npy", "-v", "batch.npy", "--heads", "4", "--format", "json"],
            killAfter: 60, addressSpace: 200_000_000
        ).expectRefusal(65, "as JSON needs", "available")
    }

    @Test("-o FILE.npz on a batch names -o, not a --format that was not given (F13)")
    func outputPathWording() throws {
        let folder = try ScratchFolder()
        try folder.write("q.npy", Self.batch(2, 3, 4, random: false))
        let attend = ["attend", "-q", "q.npy", "-k", "q.npy", "-v", "q.npy"]
        try folder.run(attend + ["-o", "o.npz"]).expectRefusal(
            64, "-o o.npz holds one sequence, but the input is a batch of 2 sequences; write a .json or .npy file")
        try folder.run(attend + ["--format", "npz", "-o", "o.npz"]).expectRefusal(
            64, "--format npz holds one sequence, but the input is a batch of 2 sequences; use --format json or npy")
        #expect(try folder.contents() == ["q.npy"])
    }

    @Test("attend --float warns of Q, K, V values that round to 0 in float32, as run does (F3)")
    func attendFloatWarnings() throws {
        let folder = try ScratchFolder()
        try folder.write("tiny.csv", "1e-46,2e-45\n3,4\n")
        try folder.write("m.csv", "0,-1e-50\n0,0\n")
        let run = try folder.run(
            ["attend", "-q", "tiny.csv", "-k", "tiny.csv", "-v", "tiny.csv", "--float", "--format", "csv"])
        #expect(run.status == 0)
        let warning = { (name: String) in
            "mha-cli: warning: tiny.csv:1:1: \(name)[0, 0] = 1e-46 rounds to 0 in float32 (|v| < 1.4e-45): run without --float to keep it"
        }
        #expect(run.stderr == ["k", "q", "v"].map(warning).joined(separator: "\n") + "\n")
        let masked = try folder.run(
            [
                "attend", "-q", "m.csv", "-k", "m.csv", "-v", "m.csv", "--mask", "m.csv", "--mask-kind", "additive",
                "--float",
            ])
        #expect(masked.status == 0)
        #expect(
            masked.stderr.contains(
                "m.csv:1:3: mask[0, 1] = -1e-50 rounds to 0 in float32 (|v| < 1.4e-45): run without --float to keep it"),
            "\(masked.stderr)")
    }

    /// A B × n × d float64 `.npy` of the given values.
    static func batch(_ b: Int, _ n: Int, _ d: Int, values: [Double]) -> [UInt8] {
        let payload = values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
        return HostileInputTests.npy(
            header: "{'descr': '<f8', 'fortran_order': False, 'shape': (\(b), \(n), \(d)), }", payload: payload)
    }

    @Test("--float checks every sequence of a batch, not the first alone")
    func floatRangeOfEverySequence() throws {
        let folder = try ScratchFolder()
        // Sequence 1 (of 2) holds 1e39 at row 1, column 0, and 1e-50 twice.
        try folder.write("x.npy", Self.batch(2, 2, 2, values: [1, 2, 3, 4, 5, 6, 1e39, 1e-50]))
        try folder.write("t.npy", Self.batch(2, 2, 2, values: [1, 2, 3, 4, 1e-50, 6, 7, 1e-50]))
        let refused = "x.npy: x[1, 1, 0] is 1e+39, beyond float32's range (±3.4028235e38): run without --float"
        try folder.run(["run", "-x", "x.npy", "--weights", "identity", "--float"]).expectRefusal(65, refused)
        try folder.run(["attend", "-q", "x.npy", "-k", "x.npy", "-v", "x.npy", "--float"]).expectRefusal(
            65, refused.replacingOccurrences(of: "x[", with: "k["))
        let warned = try folder.run(["run", "-x", "t.npy", "--weights", "identity", "--float", "--format", "json"])
        #expect(warned.status == 0, "\(warned.stderr)")
        #expect(
            warned.stderr
                == "mha-cli: warning: t.npy: x[1, 0, 0] = 1e-50 rounds to 0 in float32 (|v| < 1.4e-45) (and 1 more of x): run without --float to keep them\n"
        )
    }

    /// attend on a batch writes the batch's concat to .npy as run writes its output (QA s24
    /// steps F1: a 0-byte file, exit 0), each sequence equal to attend's JSON.
    @Test("attend -o FILE.npy on a batch writes every sequence")
    func attendBatchNPY() throws {
        let folder = try ScratchFolder()
        var g = SplitMix64(seed: 5)
        try folder.write("q.npy", Self.batch(3, 4, 4, values: (0..<48).map { _ in g.nextSigned() }))
        try folder.write("k.npy", Self.batch(3, 5, 4, values: (0..<60).map { _ in g.nextSigned() }))
        let attend = ["attend", "-q", "q.npy", "-k", "k.npy", "-v", "k.npy", "--heads", "2"]
        let written = try folder.run(attend + ["-o", "out.npy"])
        #expect(written.status == 0 && written.stderr.isEmpty, "\(written.stderr)")
        let path = folder.url.appendingPathComponent("out.npy").path
        let read = try BatchReader.read(path: path)
        let sequences = try #require(read.batch)
        let json = try folder.run(attend + ["--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let concat = try #require(object["concat"] as? [[[Double]]])
        #expect(sequences.count == 3 && concat.count == 3)
        for (b, sequence) in sequences.enumerated() {
            #expect(sequence.rows == 4 && sequence.columns == 4)
            for i in 0..<4 {
                for j in 0..<4 {
                    #expect(abs(sequence[i, j] - concat[b][i][j]) <= 1e-15 * max(1, abs(concat[b][i][j])))
                }
            }
        }
        try folder.run(attend + ["--show", "weights", "-o", "w.npy"]).expectRefusal(
            64, "-o w.npy prints one matrix, but --show weights has one per head (2); use --format json")
    }
}
