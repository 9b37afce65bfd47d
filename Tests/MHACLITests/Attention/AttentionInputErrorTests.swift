import Foundation
import Testing

/// Bad inputs to the options of DESIGN §4, end to end: each a one-line error with the right
/// sysexits code, shape mismatches naming both shapes.
@Suite struct AttentionInputErrorTests {
    /// A folder with small CSV matrices: Q 2×4, K 3×4, V 3×6, H 2×4, a memory 3×6, weights.
    static func folder() throws -> URL {
        let url = try BuiltBinary.temporaryFolder()
        func matrix(_ rows: Int, _ columns: Int, _ seed: Int) -> String {
            (0..<rows).map { r in
                (0..<columns).map { c in String(Double((r * 7 + c * 3 + seed) % 11) / 10 - 0.5) }
                    .joined(separator: ",")
            }.joined(separator: "\n") + "\n"
        }
        let files = [
            "q.csv": matrix(2, 4, 1), "k.csv": matrix(3, 4, 2), "v.csv": matrix(3, 6, 3), "k3.csv": matrix(3, 3, 4),
            "v2.csv": matrix(2, 6, 5), "x.csv": matrix(2, 4, 6), "m.csv": matrix(3, 6, 7), "w44.csv": matrix(4, 4, 8),
            "w64.csv": matrix(6, 4, 9), "pad2.csv": "1,0\n", "mask23.csv": "1,1,0\n1,1,1\n",
        ]
        for (name, text) in files {
            try text.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return url
    }

    /// Runs in `folder` and checks: the status, one `mha-cli: error:` line, every word in it.
    func expectError(
        _ arguments: [String], in folder: URL, status: Int32, naming words: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let outcome = try BuiltBinary.run(arguments, in: folder)
        #expect(outcome.status == status, "\(arguments): \(outcome.stderr)", sourceLocation: sourceLocation)
        #expect(outcome.stdout.isEmpty, sourceLocation: sourceLocation)
        let lines = outcome.stderr.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(
            lines.count == 2 && lines[1].isEmpty && lines[0].hasPrefix("mha-cli: error: "),
            "not one error line: \(outcome.stderr)", sourceLocation: sourceLocation)
        for word in words {
            #expect(
                outcome.stderr.contains(word), "'\(word)' missing from: \(outcome.stderr)",
                sourceLocation: sourceLocation)
        }
    }

    @Test func attendShapeMismatchesNameBothShapes() throws {
        let f = try Self.folder()
        try expectError(
            ["attend", "-q", "q.csv", "-k", "k3.csv", "-v", "v.csv", "--heads", "2"], in: f, status: 65,
            naming: ["2×4", "3×3"])
        try expectError(
            ["attend", "-q", "q.csv", "-k", "k.csv", "-v", "v2.csv", "--heads", "2"], in: f, status: 65,
            naming: ["3×4", "2×6"])
    }

    @Test func crossAttentionMemoryAgainstTheKeyWeightNamesBothShapes() throws {
        let f = try Self.folder()
        try expectError(
            [
                "run", "-x", "x.csv", "-m", "m.csv", "--wq", "w44.csv", "--wk", "w44.csv", "--wv", "w64.csv",
                "--wo", "w44.csv", "--heads", "2",
            ], in: f, status: 65, naming: ["memory is 3×6", "wk is 4×4", "6×4"])
    }

    @Test func ropeDimensionsOddOrWiderThanTheHeadAreUsageErrors() throws {
        let f = try Self.folder()
        let attend = ["attend", "-q", "q.csv", "-k", "k.csv", "-v", "v.csv", "--heads", "2", "--rope", "half"]
        try expectError(attend + ["--rope-dims", "1"], in: f, status: 64, naming: ["1"])
        try expectError(attend + ["--rope-dims", "4"], in: f, status: 64, naming: ["4", "d_k = 2"])
    }

    @Test func windowAndSoftcapMustBePositive() throws {
        let f = try Self.folder()
        let attend = ["attend", "-q", "q.csv", "-k", "k.csv", "-v", "v.csv", "--heads", "2"]
        try expectError(attend + ["--window", "0"], in: f, status: 64, naming: ["--window", "0"])
        try expectError(attend + ["--softcap", "0"], in: f, status: 64, naming: ["--softcap", "0"])
        try expectError(attend + ["--softcap", "-2"], in: f, status: 64, naming: ["--softcap", "-2"])
    }

    @Test func masksOfTheWrongLengthNameBothShapes() throws {
        let f = try Self.folder()
        let attend = ["attend", "-q", "q.csv", "-k", "k.csv", "-v", "v.csv", "--heads", "2"]
        try expectError(attend + ["--mask", "pad2.csv"], in: f, status: 65, naming: ["1×2", "3"])
        let run = ["run", "-x", "x.csv", "--weights", "identity", "--heads", "2"]
        try expectError(run + ["--mask", "mask23.csv"], in: f, status: 65, naming: ["2×3", "2×2"])
    }

    @Test func maskKindNeedsAMaskAndPackedWeightsExcludeSeparateOnes() throws {
        let f = try Self.folder()
        try expectError(
            ["run", "-x", "x.csv", "--weights", "identity", "--mask-kind", "block"], in: f, status: 64,
            naming: ["--mask-kind", "--mask"])
        try expectError(
            ["run", "-x", "x.csv", "--qkv", "w44.csv", "--wq", "w44.csv", "--wo", "w44.csv"], in: f, status: 64,
            naming: ["--qkv", "--wq"])
        try expectError(
            ["run", "-x", "x.csv", "--qkv", "w44.csv", "--in-proj", "w44.csv", "--wo", "w44.csv"], in: f,
            status: 64, naming: ["--qkv", "--in-proj"])
    }

    /// A position offset whose last position passes 2⁵³ (near Int.max it used to trap with
    /// signal 4) is one usage line in every command; 2⁵³ itself is still a position.
    @Test func positionsPastTwoToTheFiftyThreeAreUsageErrors() throws {
        let f = try Self.folder()
        let huge = "9223372036854775807"
        for arguments in [
            ["attend", "-q", "q.csv", "-k", "k.csv", "-v", "k.csv", "--rope", "half", "--position-offset", huge],
            [
                "run", "-x", "x.csv", "--weights", "identity", "--heads", "2", "--rope", "half", "--position-offset",
                huge,
            ],
            ["run", "-x", "x.csv", "--weights", "identity", "--heads", "2", "--position-offset", "9007199254740992"],
            ["bench", "--seq-len", "8", "--d-model", "8", "--heads", "2", "--position-offset", huge, "--repeat", "1"],
            [
                "decode", "-x", "x.csv", "--weights", "identity", "--heads", "2", "--rope", "half", "--position-offset",
                huge,
            ],
        ] {
            try expectError(arguments, in: f, status: 64, naming: ["the last position", "2^53"])
        }
        let last = try BuiltBinary.run(
            [
                "run", "-x", "x.csv", "--weights", "identity", "--heads", "2", "--rope", "half", "--position-offset",
                "9007199254740991",
            ], in: f)
        #expect(last.status == 0, "\(last.stderr)")
    }

    /// Messages in the user's terms: an odd d_k under RoPE says so, attend's Q width (there is
    /// no d_model), a head width whose τ·d_k overflows, and fewer keys than queries under causal.
    @Test func messagesNameWhatTheUserGave() throws {
        let f = try Self.folder()
        try expectError(
            ["attend", "-q", "k3.csv", "-k", "k3.csv", "-v", "k3.csv", "--rope", "half"], in: f, status: 64,
            naming: ["d_k = 3 is odd", "rope dimensions 2 or fewer"])
        try expectError(
            ["attend", "-q", "q.csv", "-k", "k.csv", "-v", "v.csv", "--heads", "3"], in: f, status: 64,
            naming: ["q's 4 columns are not divisible by 3 heads"])
        try expectError(
            ["run", "-x", "x.csv", "--weights", "identity", "--heads", "2", "--head-dim", "9223372036854775807"],
            in: f, status: 65, naming: ["filling the weights needs more than"])
        try expectError(
            ["attend", "-q", "q.csv", "-k", "k.csv", "-v", "v.csv", "--heads", "2", "--tokens", "a\u{1B}[31mb,c,d"],
            in: f, status: 64, naming: ["contains a control character"])
        let causal = try BuiltBinary.run(
            ["attend", "-q", "k.csv", "-k", "q.csv", "-v", "q.csv", "--causal"], in: f)
        #expect(causal.stdout.contains("query row i attends to keys 0…i − 1"), "\(causal.stdout)")
    }
}
