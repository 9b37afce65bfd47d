import Foundation
import Testing

/// `--tokens` names are written as given (QA s26-lib findings 2 and 8): JSON carries the exact
/// strings, SVG, LaTeX and Markdown the characters themselves (escaping only what each format
/// requires), the text output escapes only bidi controls and line separators, and bytes that
/// are not UTF-8 are refused.
@Suite struct WriteUpTokenNamesTests {
    static let bundle = BuiltBinary.packageRoot.appendingPathComponent("examples/two-heads/bundle.json").path
    /// A no-break space, an emoji family joined by zero-width joiners, a soft hyphen and a BOM.
    static let invisible = ["x\u{A0}y", "\u{1F469}\u{200D}\u{1F469}\u{200D}\u{1F467}", "s\u{AD}h\u{FEFF}"]
    /// A right-to-left override, a line separator and a zero-width non-joiner.
    static let layout = ["r\u{202E}l", "a\u{2028}b", "c\u{200C}d"]

    static func run(_ names: [String], _ extra: [String]) throws -> BuiltBinary.Outcome {
        let outcome = try BuiltBinary.run(
            ["run", "--bundle", bundle, "--tokens", names.joined(separator: ","), "--show", "weights"] + extra)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        return outcome
    }

    @Test(arguments: [invisible, layout, ["x\u{FFFD}y", "$x$", "p"]])
    func jsonCarriesTheExactNames(_ names: [String]) throws {
        let outcome = try Self.run(names, ["--format", "json"])
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        let tokens = try #require(object["tokens"] as? [String])
        #expect(tokens.map { Array($0.unicodeScalars) } == names.map { Array($0.unicodeScalars) })
    }

    @Test func svgWritesTheCharactersAndStaysWellFormed() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let names = [Self.invisible[0], Self.invisible[1], "r\u{202E}l\u{2028}q"]
        let file = folder.appendingPathComponent("w.svg")
        _ = try Self.run(names, ["--format", "svg", "-o", file.path])
        let svg = try SVGSummary(file)
        for name in names {
            #expect(
                svg.texts.contains { $0.unicodeScalars.elementsEqual(name.unicodeScalars) }, "\(name.debugDescription)")
        }
        #expect(!svg.texts.joined().contains("\\u{"))
    }

    /// U+FFFF may not appear in XML 1.0, even as a reference: it is written `\u{FFFF}`.
    @Test func svgWritesACharacterXMLForbidsVisibly() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("w.svg")
        _ = try Self.run(["a\u{FFFF}b", "c", "d"], ["--format", "svg", "-o", file.path])
        let svg = try SVGSummary(file)
        #expect(svg.texts.contains("a\\u{FFFF}b"))
    }

    @Test func latexKeepsTheCharactersItCanCarry() throws {
        let tex = try Self.run(Self.invisible, ["--format", "latex"]).stdout
        #expect(tex.contains("x~y"))  // the no-break space, as LaTeX writes it
        #expect(tex.contains("s\\-h\u{FEFF}"))  // the soft hyphen as a discretionary hyphen
        #expect(tex.contains(Self.invisible[1]))  // the emoji family keeps its joiners
        #expect(!tex.contains("u\\{"))
    }

    @Test func markdownKeepsTheCharactersAndEscapesDollars() throws {
        let md = try Self.run(Self.invisible, ["--format", "markdown"]).stdout
        for name in Self.invisible { #expect(md.contains("**\(name)**"), "\(name.debugDescription)") }
        #expect(!md.contains("\\u{"))
        let dollars = try Self.run(["$x$", "a$", "b"], ["--format", "markdown"]).stdout
        #expect(dollars.contains("**\\$x\\$**") && dollars.contains("| \\$x\\$ |") && dollars.contains("a\\$"))
        #expect(!dollars.contains("**$x$**") && !dollars.contains(" $x$"))
    }

    @Test func textEscapesOnlyBidiControlsAndLineSeparators() throws {
        let plain = try Self.run(Self.invisible, []).stdout
        for name in Self.invisible { #expect(plain.contains(name), "\(name.debugDescription)") }
        #expect(!plain.contains("\\u{"))
        let text = try Self.run(Self.layout, []).stdout
        #expect(!text.unicodeScalars.contains("\u{202E}") && !text.unicodeScalars.contains("\u{2028}"))
        #expect(text.contains("r\\u{202E}l") && text.contains("a\\u{2028}b") && text.contains("c\u{200C}d"))
    }

    /// Bytes that are not UTF-8 are refused (64), not turned into U+FFFD; a U+FFFD typed as
    /// such is a name like any other (`jsonCarriesTheExactNames`).
    @Test func bytesThatAreNotUTF8AreRefused() throws {
        let binary = try #require(BuiltBinary.url)
        let outcome = try BuiltBinary.launch(
            URL(fileURLWithPath: "/bin/sh"),
            ["-c", #"exec "$0" run --bundle "$1" --tokens "$(printf 'x\377y,b,c')""#, binary.path, Self.bundle])
        #expect(outcome.status == 64 && outcome.stdout.isEmpty)
        #expect(outcome.stderr.hasPrefix("mha-cli: error: ") && outcome.stderr.filter { $0 == "\n" }.count == 1)
        #expect(outcome.stderr.contains("token name 1") && outcome.stderr.contains("not UTF-8 (0xFF)"))
    }
}

/// `run --token i` prints K and V as token i's own row in self-attention while the scores and
/// heads use every key row (QA s26-lib finding 3): every write-up says so where it prints them.
@Suite struct TokenModeKeyRowsTests {
    static let bundle = WriteUpTokenNamesTests.bundle

    static func run(_ extra: [String]) throws -> String {
        let outcome = try BuiltBinary.run(["run", "--bundle", bundle, "--token", "1"] + extra)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        return outcome.stdout
    }

    static func json(_ extra: [String]) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: Data(run(extra + ["--format", "json"]).utf8)) as? [String: Any])
    }

    /// n, from the JSON's shapes.
    static func tokens() throws -> Int {
        let shapes = try #require(try json([])["shapes"] as? [String: Any])
        return try #require((shapes["input"] as? [Int])?.first)
    }

    /// The printed scores row is Q_1·K_1ᵀ·scale of all n rows of K (the rows a run without
    /// --token prints), not of the one row of K printed with --token.
    @Test func theScoresUseEveryKeyRow() throws {
        let single = try Self.json(["--show", "qkv,scores"])
        let whole = try #require(
            try JSONSerialization.jsonObject(
                with: Data(
                    BuiltBinary.run(["run", "--bundle", Self.bundle, "--show", "qkv", "--format", "json"]).stdout.utf8))
                as? [String: Any])
        let k = try #require(whole["k"] as? [[Double]])
        let printedK = try #require(single["k"] as? [[Double]])
        let q = try #require((single["q"] as? [[Double]])?.first)
        let scores = try #require((single["scores"] as? [[[Double]]])?.first?.first)
        let scale = try #require(single["scale"] as? Double)
        let headDim = try #require((single["shapes"] as? [String: Any])?["head_dim"] as? Int)
        #expect(printedK.count == 1 && printedK[0] == k[1])
        #expect(scores.count == k.count)
        for (key, row) in k.enumerated() {
            let dot = zip(q.prefix(headDim), row.prefix(headDim)).map { $0 * $1 }.reduce(0, +) * scale
            #expect(abs(dot - scores[key]) <= 1e-12 * max(1, abs(dot)), "key \(key)")
        }
    }

    @Test func latexCaptionsSayWhichRowsAreShownAndUsed() throws {
        let n = try Self.tokens()
        let tex = try Self.run(["--show", "qkv,scores,heads", "--format", "latex"])
        let captions = tex.split(separator: "\n").filter { $0.hasPrefix("\\caption{") }
        let all = "all \(n) rows"
        #expect(
            captions.contains {
                $0.hasPrefix("\\caption{K,")
                    && $0.contains("row 1 only (the key of token 1); the scores use \(all) of K")
            })
        #expect(
            captions.contains {
                $0.hasPrefix("\\caption{V,")
                    && $0.contains("row 1 only (the value of token 1); the heads use \(all) of V")
            })
        #expect(
            captions.contains { $0.hasPrefix("\\caption{scores 1 of") && $0.contains("of Q\\_1 and \(all) of K\\_1") })
        #expect(
            captions.contains {
                $0.hasPrefix("\\caption{head 1 of") && $0.contains("weights\\_1 times \(all) of V\\_1")
            })
    }

    @Test func markdownAndTextTitlesSayWhichRowsAreShownAndUsed() throws {
        let n = try Self.tokens()
        let md = try Self.run(["--show", "qkv,scores,heads", "--format", "markdown"])
        #expect(
            md.contains("### K = H·W^k · 1 × ")
                && md.contains("row 1 only \\(the key of token 1\\); the scores use all \(n) rows of K, 0…\(n - 1)"))
        #expect(
            md.contains("· of Q\\_1 and all \(n) rows of K\\_1")
                && md.contains("· weights\\_1 times all \(n) rows of V\\_1"))
        let text = try Self.run(["--show", "qkv,scores,heads"])
        #expect(
            text.contains(
                "K = H·W^k, row 1 · 1 × 4 · the key of token 1 only; the scores use all \(n) rows of K, 0…\(n - 1)"))
        #expect(text.contains("V = H·W^v, row 1 · 1 × 4 · the value of token 1 only; the heads use all \(n) rows of V"))
        #expect(
            text.contains("of Q_1 and all \(n) rows of K_1") && text.contains("weights_1 times all \(n) rows of V_1"))
    }

    /// `--steps` prints every key row (it multiplies by them) and says that `--show qkv` prints one.
    @Test func stepsSayWhyTheyKeepEveryKeyRow() throws {
        let n = try Self.tokens()
        let steps = try Self.run(["--steps"])
        #expect(
            steps.contains("K and V keep all \(n) rows, which the scores and heads use (--show qkv prints only row 1"))
    }
}
