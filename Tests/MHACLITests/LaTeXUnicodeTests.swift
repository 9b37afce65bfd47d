import Foundation
import Testing

/// `--format latex` keeps non-ASCII token names as UTF-8 (they were each replaced by '?'):
/// accented Latin letters as they are, Greek letters as math commands, LaTeX's specials
/// escaped; a character pdflatex's default fonts lack is declared so that pdflatex still
/// compiles the document.
@Suite struct LaTeXUnicodeTests {
    static let bundle = BuiltBinary.packageRoot.appendingPathComponent("examples/two-heads/bundle.json").path

    @Test func tokenNamesKeepTheirCharacters() throws {
        let outcome = try BuiltBinary.run([
            "run", "--bundle", Self.bundle, "--format", "latex", "--show", "output", "--tokens", "café,naïve,Ω",
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("tokens 0 café, 1 naïve, 2 $\\Omega$"), "\(outcome.stdout)")
        #expect(!outcome.stdout.contains("?"))
        #expect(!outcome.stdout.contains("DeclareUnicodeCharacter"))
    }

    @Test(.enabled(if: WriteUpTests.pdflatex != nil, "pdflatex is not installed (.ci/run installs texlive-latex-base)"))
    func aCharacterWithoutAGlyphStillCompiles() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let outcome = try BuiltBinary.run([
            "run", "--bundle", Self.bundle, "--format", "latex", "--show", "output", "--tokens", "é_1,猫,α&β",
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("tokens 0 é\\_1, 1 猫, 2 $\\alpha$\\&$\\beta$"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("\\DeclareUnicodeCharacter{732B}{\\textless U+732B\\textgreater}"))
        try outcome.stdout.write(to: folder.appendingPathComponent("tokens.tex"), atomically: true, encoding: .utf8)
        let pdf = try BuiltBinary.launch(
            URL(fileURLWithPath: try #require(WriteUpTests.pdflatex)),
            ["-interaction=nonstopmode", "-halt-on-error", "tokens.tex"], in: folder)
        #expect(pdf.status == 0, "\(pdf.stdout.suffix(800))")
    }
}
