import Foundation
import Testing

/// QA session 25's findings on `check`, `shapes --claim` and the write-ups, through the built
/// binary. The problems and answers are the tester's (Fixtures/check-s25: A_causal_bias is
/// τ 2, d_k 3, causal, with biases; HD has d_model 8, τ 2, --head-dim 2; intprob/intprob2
/// are integer textbook problems; the .safetensors are PyTorch SDPA outputs in bfloat16).
@Suite struct CheckS25FindingsTests {
    static let fixtures = BuiltBinary.packageRoot.appendingPathComponent("Tests/MHACLITests/Fixtures/check-s25").path
    static let twoHeads = BuiltBinary.packageRoot.appendingPathComponent("examples/two-heads/bundle.json").path

    private func fixture(_ name: String) -> String { Self.fixtures + "/" + name }

    private func check(_ bundle: String, _ answer: String, _ extra: [String] = []) throws -> BuiltBinary.Outcome {
        try BuiltBinary.run(["check", "--bundle", fixture(bundle), "--answer", fixture(answer)] + extra)
    }

    private func object(_ outcome: BuiltBinary.Outcome) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
    }

    @Test("F1: a bfloat16 forward pass that forgot the scale is not correct and is named no-scale (6e-2 passed it)")
    func bfloat16ForgottenScaleIsCaught() throws {
        let right = try check("A_causal_bias.json", "torch_bf16_right.safetensors:o")
        #expect(right.status == 0, "\(right.stdout)\(right.stderr)")
        #expect(right.stdout == "correct: output (4 × 6) matches at bfloat16 precision, relative 1.6e-2\n")
        let wrong = try check("A_causal_bias.json", "torch_bf16_noscale.safetensors:o")
        #expect(wrong.status == 1, "\(wrong.stdout)")
        #expect(wrong.stdout.contains("diagnosis: no-scale: "), "\(wrong.stdout)")
        let json = try object(
            try check("A_causal_bias.json", "torch_bf16_noscale.safetensors:o", ["--format", "json"]))
        #expect(json["correct"] as? Bool == false && json["diagnosis"] as? [String] == ["no-scale"])
        #expect(json["answer_dtype"] as? String == "bfloat16")
        let tolerance = try #require(json["relative_tolerance"] as? Double)
        #expect(abs(tolerance - 1.6e-2) <= 1e-12)
    }

    /// `values` (rows × columns) as a `<f2` .npy.
    private func float16NPY(_ values: [Double], rows: Int, columns: Int) -> Data {
        var header = "{'descr': '<f2', 'fortran_order': False, 'shape': (\(rows), \(columns)), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        data.append(contentsOf: [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        data.append(contentsOf: Array(header.utf8))
        for v in values { withUnsafeBytes(of: Float16(v).bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    @Test(
        "F1: an answer within float16's rounding of the right output but 4 times closer to a mistake's is not correct")
    func anAnswerMuchCloserToAMistakeIsNotCorrect() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // With --scale 0.96, forgetting the scale moves the output by 0.9 of float16's tolerance.
        let run = try BuiltBinary.run([
            "run", "--bundle", Self.twoHeads, "--scale", "1", "--format", "json", "--show", "output",
        ])
        let rows = try #require(try object(run)["output"] as? [[Double]])
        let answer = folder.appendingPathComponent("noscale16.npy")
        try float16NPY(rows.flatMap { $0 }, rows: rows.count, columns: rows[0].count).write(to: answer)
        let outcome = try BuiltBinary.run([
            "check", "--bundle", Self.twoHeads, "--scale", "0.96", "--answer", answer.path,
        ])
        #expect(outcome.status == 1, "\(outcome.stdout)")
        #expect(
            outcome.stdout.hasPrefix(
                "not correct: output (3 × 4) is within float16's rounding (relative 8e-3) of the right values, but much closer to a known mistake's: "
            ), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("diagnosis: no-scale: you did not multiply the scores by the scale 0.96"))
        let json = try object(
            try BuiltBinary.run([
                "check", "--bundle", Self.twoHeads, "--scale", "0.96", "--answer", answer.path, "--format", "json",
            ]))
        let closer = try #require(json["closer_to_mistake"] as? [String: Double])
        #expect(try #require(closer["mistake_distance"]) * 4 < (try #require(closer["right_distance"])))
        // The right output in float16 stays correct.
        let right = try BuiltBinary.run([
            "run", "--bundle", Self.twoHeads, "--scale", "0.96", "--format", "json", "--show", "output",
        ])
        let values = try #require(try object(right)["output"] as? [[Double]])
        let rightFile = folder.appendingPathComponent("right16.npy")
        try float16NPY(values.flatMap { $0 }, rows: values.count, columns: values[0].count).write(to: rightFile)
        let ok = try BuiltBinary.run([
            "check", "--bundle", Self.twoHeads, "--scale", "0.96", "--answer", rightFile.path,
        ])
        #expect(ok.status == 0, "\(ok.stdout)")
    }

    @Test("F2: a whole-number answer to a whole-number problem gets its exact diagnosis and no ±0.5 warning")
    func wholeNumberHomeworkIsDiagnosed() throws {
        let k = try check("intprob.json", "ik_transposed.csv", ["--part", "k"])
        #expect(k.status == 1)
        #expect(k.stdout.contains("diagnosis: transposed-weights: "), "\(k.stdout)")
        #expect(!k.stdout.contains("none offered") && !k.stderr.contains("whole number"), "\(k.stdout)\(k.stderr)")
        let json = try object(try check("intprob.json", "ik_transposed.csv", ["--part", "k", "--format", "json"]))
        #expect(json["whole_numbers"] as? Bool == false && json["diagnosis"] as? [String] == ["transposed-weights"])
        let scores = try check("intprob2.json", "s_transposed.csv", ["--scale", "1", "--part", "scores:1"])
        #expect(scores.status == 1)
        #expect(scores.stdout.contains("diagnosis: transposed-scores: "), "\(scores.stdout)")
    }

    @Test("F4: a --token weights row of only the visible keys is named so, not 'd_k, not n'")
    func visibleKeysRowIsDescribed() throws {
        let outcome = try check("A_causal_bias.json", "w1_row2_3keys.csv", ["--token", "2", "--part", "weights:1"])
        #expect(outcome.status == 1)
        #expect(
            outcome.stdout
                == "not correct: weights_1 is 1 × n = 1 × 4, the answer is 1 × 3: the 3 keys 0…2 token 2 may attend to, and their weights are right; weights:1 with --token is the whole 1 × n row, with 0 for the masked keys\n",
            "\(outcome.stdout)")
    }

    @Test("F5: with --head-dim, scale-d_model's arithmetic is true and single-head is considered")
    func headDimExplanations() throws {
        let dModel = try check("HD.json", "HD_sqrt_dmodel.csv")
        #expect(dModel.stdout.contains("instead of √d_k = √2 (d_k = 2 is given, not d_model/τ)"), "\(dModel.stdout)")
        #expect(!dModel.stdout.contains("8/2"))
        let single = try check("HD.json", "HD_single.csv")
        #expect(single.status == 1)
        #expect(
            single.stdout.contains(
                "diagnosis: single-head: you computed one head over all τ·d_k = 4 columns of Q; this problem has τ = 2 heads of d_k = 4/2 = 2 columns"
            ), "\(single.stdout)")
    }

    @Test("F6: intermediates rounded to 4 decimals are told as rounding, with the farthest entry in last-digit units")
    func intermediateRoundingIsNamed() throws {
        let outcome = try check("A_causal_bias.json", "A_causal_bias_interround_4.csv")
        #expect(outcome.status == 1)
        #expect(
            outcome.stdout.contains(
                "diagnosis: rounding: every entry is within 1 unit of its last written decimal (the farthest 0.75 units off)"
            ), "\(outcome.stdout)")
        #expect(!outcome.stdout.contains("no known mistake"))
        let json = try object(try check("A_causal_bias.json", "A_causal_bias_interround_4.csv", ["--format", "json"]))
        let units = try #require(json["rounding_units"] as? Double)
        #expect(abs(units - 0.75) <= 0.01)
    }

    @Test("F7: shapes --claim refuses --explain, and --layers when no claim is about the KV cache")
    func claimRefusesIgnoredOptions() throws {
        let explain = try BuiltBinary.run([
            "shapes", "--d-model", "768", "--heads", "12", "--claim", "d_k=64", "--explain",
        ])
        #expect(explain.status == 64 && explain.stdout.isEmpty)
        #expect(explain.stderr.hasPrefix("mha-cli: error: --claim ") && explain.stderr.filter { $0 == "\n" }.count == 1)
        let layers = try BuiltBinary.run([
            "shapes", "--d-model", "768", "--heads", "12", "--claim", "d_k=64", "--layers", "2",
        ])
        #expect(layers.status == 64, "\(layers.stdout)")
        let cache = try BuiltBinary.run([
            "shapes", "--d-model", "768", "--heads", "12", "--claim", "kv_cache.bytes_per_token=24576", "--layers", "2",
        ])
        #expect(cache.status == 0 && cache.stdout.hasPrefix("right: kv_cache.bytes_per_token"), "\(cache.stdout)")
    }

    @Test("F10–F12: yours echoed with its written decimals, -inf in JSON as \"-inf\", a huge place as 1e308")
    func answerEntriesAsWritten() throws {
        let concat = try check("A_causal_bias.json", "concat_as_output.csv")
        #expect(concat.stdout.contains("first: row 0, column 0: yours 0.6400, right -0.493186"), "\(concat.stdout)")
        let negInf = try object(try check("A_causal_bias.json", "neginf_out.csv", ["--format", "json"]))
        let first = try #require(negInf["first_mismatch"] as? [String: Any])
        #expect(first["answer"] as? String == "-inf")
        let huge = try check("A_causal_bias.json", "huge.csv")
        #expect(huge.status == 1)
        #expect(huge.stdout.contains("the nearest 1e308") && huge.stderr.contains("the nearest 1e308"))
        #expect((huge.stdout + huge.stderr).split(separator: "\n").allSatisfy { $0.count < 300 })
    }

    @Test("F3/F9: token names with < > | \" ' ` -- print as given in LaTeX; & and ~ are escaped in Markdown")
    func writeUpLabelsAsGiven() throws {
        let tokens = "<s>,a|b,\"q\"'s"
        let latex = try BuiltBinary.run([
            "run", "--bundle", Self.twoHeads, "--tokens", tokens, "--format", "latex", "--show", "output",
        ])
        #expect(latex.status == 0, "\(latex.stderr)")
        #expect(
            latex.stdout.contains(
                "tokens 0 \\textless{}s\\textgreater{}, 1 a\\textbar{}b, 2 {\\ttfamily\\char34}q{\\ttfamily\\char34}\\textquotesingle{}s"
            ), "\(latex.stdout)")
        let markdown = try BuiltBinary.run([
            "run", "--bundle", Self.twoHeads, "--tokens", "&amp;,x~y,z", "--format", "markdown", "--show", "weights",
        ])
        #expect(markdown.stdout.contains("| \\&amp; | x\\~y | z |"), "\(markdown.stdout)")
    }

    @Test(
        "F3: pdflatex prints the token names as given",
        .enabled(if: WriteUpTests.pdflatex != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/pdftotext"))
    )
    func pdfShowsTokenNames() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let tex = folder.appendingPathComponent("t.tex")
        let run = try BuiltBinary.run([
            "run", "--bundle", Self.twoHeads, "--tokens", "<s>,a|b,a--b", "--format", "latex", "--show", "output",
            "-o", tex.path,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let pdf = try BuiltBinary.launch(
            URL(fileURLWithPath: try #require(WriteUpTests.pdflatex)),
            ["-interaction=nonstopmode", "-halt-on-error", "t.tex"], in: folder)
        #expect(pdf.status == 0, "\(pdf.stdout.suffix(800))")
        let text = try BuiltBinary.launch(URL(fileURLWithPath: "/usr/bin/pdftotext"), ["t.pdf", "-"], in: folder)
        #expect(text.stdout.contains("tokens 0 <s>, 1 a|b, 2 a--b"), "\(text.stdout)")
    }
}
