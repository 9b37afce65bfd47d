import Foundation
import Testing

/// Refusals a random sweep against an independent oracle found (QA s24, oracle pass): RoPE
/// with more queries than keys (a SIGILL before), a bundle's QK-norm ε with no QK-norm (it
/// blamed a flag not given, 64), and RoPE on heads of one dimension (it suggested 0
/// dimensions, itself refused).
@Suite("RoPE query positions, a bundle's lone qk_norm_eps, RoPE on d_k = 1")
struct QueryPositionRefusalTests {
    @Test func roPEWithMoreQueriesThanKeysIsRefusedNotATrap() throws {
        let folder = try ScratchFolder()
        try folder.write("q.csv", "1,2\n3,4\n5,6\n")
        try folder.write("k.csv", "1,0\n0,1\n")
        let refusal =
            "RoPE turns every query by its position, but with 3 query rows and 2 keys (the queries are the last positions of the keys' sequence) query row 0 is at position -1: give a position offset of at least 1, or as many keys as queries"
        let attend = ["attend", "-q", "q.csv", "-k", "k.csv", "-v", "k.csv", "--rope", "half"]
        try folder.run(attend).expectRefusal(64, refusal)
        try folder.run(["run", "-x", "q.csv", "--memory", "k.csv", "--weights", "identity", "--rope", "interleaved"])
            .expectRefusal(64, refusal)
        let shifted = try folder.run(attend + ["--position-offset", "1", "--format", "json"])
        #expect(shifted.status == 0, "\(shifted.stderr)")
        // Without RoPE, positions below 0 only mean no key is visible under --causal.
        let plain = try folder.run(["attend", "-q", "q.csv", "-k", "k.csv", "-v", "k.csv", "--alibi"])
        #expect(plain.status == 0, "\(plain.stderr)")
    }

    @Test func aBundlesQKNormEpsilonAloneNamesTheBundle() throws {
        let folder = try ScratchFolder()
        try folder.write("b.json", #"{"x": [[1, 2], [3, 4]], "qk_norm_eps": 1e-5}"#)
        try folder.run(["run", "--bundle", "b.json", "--weights", "identity"]).expectRefusal(
            65,
            "b.json: qk_norm_eps sets the QK-norm's epsilon, but nothing sets a QK-norm up; give \"qk_norm\" (or --qk-norm) too"
        )
        let normed = try folder.run(["run", "--bundle", "b.json", "--weights", "identity", "--qk-norm", "head"])
        #expect(normed.status == 0, "\(normed.stderr)")
    }

    @Test func roPEOnHeadsOfOneDimensionSaysWhy() throws {
        let folder = try ScratchFolder()
        try folder.write("q.csv", "1,2\n3,4\n")
        try folder.run(["attend", "-q", "q.csv", "-k", "q.csv", "-v", "q.csv", "--heads", "2", "--rope", "half"])
            .expectRefusal(
                64,
                "rope dimensions 1 are invalid: RoPE turns pairs of dimensions, but d_k = 1 has no pair to turn; run without RoPE, or with wider heads"
            )
    }
}
