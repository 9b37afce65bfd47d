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
