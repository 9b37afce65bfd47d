import Foundation
import Testing

/// QA s25's numerics findings, through the built binary: one input, one outcome, whatever
/// precision or display is asked for.
@Suite("Numerics: float32 checks, masked overflow, bundle integers")
struct NumericsFindingsTests {
    static let qkv = ["-q", "q.csv", "-k", "k.csv", "-v", "v.csv"]

    /// q = [[1,0],[0,1]], k = [[1,0],[0,1],[0,0]], v = [[1,0],[0,1],[5,5]].
    static func folder() throws -> ScratchFolder {
        let folder = try ScratchFolder()
        try folder.write("q.csv", "1,0\n0,1\n")
        try folder.write("k.csv", "1,0\n0,1\n0,0\n")
        try folder.write("v.csv", "1,0\n0,1\n5,5\n")
        return folder
    }

    @Test("--float checks a keep/block mask on the values as read: 1.00000001 and 1e-50 are refused as in float64")
    func floatMaskCheckedAsRead() throws {
        let folder = try Self.folder()
        try folder.write("m.csv", "1.00000001,1,1\n1,1,1\n")
        try folder.write("tiny.csv", "1e-50,1,1\n1,1,1\n")
        for precision in [[], ["--float"]] {
            try folder.run(["attend"] + Self.qkv + ["--mask", "m.csv", "--show", "weights"] + precision)
                .expectRefusal(65, "mask[0, 0] is 1.00000001", "must be 1 (may attend) or 0 (blocked)")
            try folder.run(
                ["attend"] + Self.qkv + ["--mask", "tiny.csv", "--mask-kind", "block", "--show", "weights"] + precision
            ).expectRefusal(65, "mask[0, 0] is 1e-50", "must be 0 or 1")
        }
    }

    @Test("--float keeps a value that rounds to float32's largest (3.4028235e38) and refuses one that rounds to ∞")
    func floatLargestKept() throws {
        let folder = try Self.folder()
        try folder.write("vmax.csv", "3.4028235e38,1\n3.4028235e38,2\n3.4028235e38,4\n")
        let run = try folder.run(["attend"] + Self.qkv.dropLast(2) + ["-v", "vmax.csv", "--float", "--format", "csv"])
        #expect(run.status == 0, "exit \(run.status): \(run.stderr)")
        #expect(run.stdout.hasPrefix("3.4028235e+38,"), "\(run.stdout)")
        try folder.write("vover.csv", "3.4028236e38,1\n1,2\n3,4\n")
        try folder.run(["attend"] + Self.qkv.dropLast(2) + ["-v", "vover.csv", "--float"])
            .expectRefusal(65, "vover.csv:1:1: v[0, 0] is 3.4028236e38, beyond float32's range")
    }

    @Test("a score that overflows only at a key the causal mask blocks: every display accepts it, with one answer")
    func maskedOverflowIgnoredEverywhere() throws {
        let folder = try ScratchFolder()
        // Rows 0 and 1 against key 2 overflow (2e308); the causal mask blocks them. Row 2 is 0.
        try folder.write("q.csv", "1,1\n1,1\n0,0\n")
        try folder.write("k.csv", "1,0\n0,1\n1e308,1e308\n")
        try folder.write("v.csv", "1,2\n3,4\n5,6\n")
        let base = ["attend", "-q", "q.csv", "-k", "k.csv", "-v", "v.csv", "--causal", "--format", "json"]
        var concats: [String] = []
        for extra in [["--show", "concat"], ["--show", "weights,concat"], ["--show", "scores,concat"]] {
            let run = try folder.run(base + extra)
            #expect(run.status == 0, "\(extra): exit \(run.status): \(run.stderr)")
            let json = try #require(
                try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)")
            let concat = try #require(json["concat"] as? [[Double]], "\(run.stdout)")
            concats.append(concat.map { $0.map { String($0) }.joined(separator: ",") }.joined(separator: ";"))
            // Row 0 sees key 0 only; row 1 keys 0 and 1 with equal scores.
            #expect(abs(concat[0][0] - 1) < 1e-12 && abs(concat[1][0] - 2) < 1e-12, "\(concat)")
        }
        #expect(Set(concats).count == 1, "\(concats)")
        for extra in [["--steps"], ["--heatmap"]] {
            let run = try folder.run(Array(base.dropLast(2)) + extra)
            #expect(run.status == 0, "\(extra): exit \(run.status): \(run.stderr)")
        }
    }

    @Test("bundle integers above 2^53 are refused as written, quoting the file's number")
    func bundleIntegerAsWritten() throws {
        let folder = try ScratchFolder()
        let x = "\"x\": [[1, 0], [0, 1]]"
        for (key, minimum) in [("window", "positive"), ("position_offset", "non-negative"), ("token", "non-negative")] {
            try folder.write("b.json", "{\(x), \"heads\": 1, \"\(key)\": 9007199254740993}")
            try folder.run(["run", "--bundle", "b.json", "--weights", "identity"])
                .expectRefusal(
                    65, "b.json:",
                    "expected a \(minimum) integer of at most 2^53 = 9007199254740992, found 9007199254740993")
        }
        try folder.write("w.json", "{\(x), \"heads\": 1, \"window\": 9007199254740992}")
        let run = try folder.run(["run", "--bundle", "w.json", "--weights", "identity"])
        #expect(run.status == 0, "2^53: exit \(run.status): \(run.stderr)")
        // An integer setting is spelt as an integer: 2^53 with an exponent is refused, quoted as written.
        for spelling in ["9.007199254740992e15", "90071992547409920e-1"] {
            try folder.write("w.json", "{\(x), \"heads\": 1, \"window\": \(spelling)}")
            try folder.run(["run", "--bundle", "w.json", "--weights", "identity"])
                .expectRefusal(65, "w.json:", "$.window: expected a positive integer, found \(spelling)")
        }
    }

    @Test("an additive mask whose values swamp a row's scores is warned of once, naming the row and head; −1e9 is not")
    func swampedMaskWarned() throws {
        let folder = try Self.folder()
        try folder.write("big.csv", "-1e300,-1e300,-1e300\n0,0,-inf\n")
        try folder.write("both.csv", "-1e300,-1e300,-1e300\n-1e300,-1e300,-1e300\n")
        try folder.write("fine.csv", "-1e9,-1e9,-1e9\n0,0,-inf\n")
        let options = ["--mask-kind", "additive", "--scale", "10"]
        for show in ["heads", "weights,heads"] {
            let run = try folder.run(["attend"] + Self.qkv + ["--mask", "big.csv", "--show", show] + options)
            #expect(run.status == 0, "exit \(run.status): \(run.stderr)")
            #expect(run.stderr.hasPrefix("mha-cli: warning: query row 0, head 1: the additive mask"), "\(run.stderr)")
            #expect(run.stderr.contains("-inf"), "\(run.stderr)")
            let twice = try folder.run(["attend"] + Self.qkv + ["--mask", "both.csv", "--show", show] + options)
            #expect(twice.stderr.components(separatedBy: "\n").filter { !$0.isEmpty }.count == 1, "\(twice.stderr)")
            let fine = try folder.run(["attend"] + Self.qkv + ["--mask", "fine.csv", "--show", show] + options)
            #expect(fine.status == 0 && fine.stderr.isEmpty, "exit \(fine.status): \(fine.stderr)")
        }
    }

    @Test("--scale with a nonzero value that float64 reads as 0 is refused")
    func scaleUnderflowRefused() throws {
        let folder = try Self.folder()
        let run = try folder.run(["attend"] + Self.qkv + ["--scale=-1e-400"])
        #expect(run.status == 64, "exit \(run.status): \(run.stderr)")
        #expect(run.stderr.contains("-1e-400") && run.stderr.contains("read as 0"), "\(run.stderr)")
    }

    @Test(
        "a Q·Kᵀ that overflows before a tiny scale is refused naming the product, not the scaled scores, in every path")
    func productOverflowBeforeTheScale() throws {
        let folder = try ScratchFolder()
        try folder.write("q.csv", "1e200,1e200\n")
        try folder.write("k.csv", "1e200,-1e200\n2e200,1e200\n")
        try folder.write("v.csv", "1,2\n3,4\n")
        for extra in [[], ["--show", "weights"], ["--steps"]] {
            try folder.run(["attend"] + Self.qkv + ["--scale", "1e-300"] + extra)
                .expectRefusal(65, "scores of head 1 (Q_1·K_1ᵀ before the scale, query token 0) overflowed float64")
        }
        // The product is finite and the scale makes it overflow: the scaled scores are named.
        try folder.write("k.csv", "1,1\n2,1\n")
        try folder.run(["attend"] + Self.qkv + ["--scale", "1e300"])
            .expectRefusal(65, "scores of head 1 (Q_1·K_1ᵀ·scale, query token 0) overflowed float64")
    }
}
