import Foundation
import Testing

/// The readers' messages a user meets on small mistakes, through the built binary.
@Suite("Reader messages: comments only, look-alike spaces, JSON booleans")
struct ReaderMessageTests {
    @Test("a CSV of comments only says so at its first comment, not 'empty file' at its end")
    func commentsOnly() throws {
        let folder = try ScratchFolder()
        try folder.write("c.csv", "\n# only comment\n\n")
        try folder.run(["run", "-x", "c.csv", "--weights", "identity"])
            .expectRefusal(65, "c.csv:2:1: no rows of numbers (only comments)")
        try folder.write("e.csv", "\n\n")
        try folder.run(["run", "-x", "e.csv", "--weights", "identity"])
            .expectRefusal(65, "e.csv:3:1: empty file: expected rows of numbers")
    }

    @Test(
        "a space other than U+0020 in a number is shown escaped in found \"…\"",
        arguments: [("\u{A0}", "\\u{A0}"), ("\u{2009}", "\\u{2009}"), ("\u{3000}", "\\u{3000}")])
    func lookalikeSpace(_ space: String, _ shown: String) throws {
        let folder = try ScratchFolder()
        try folder.write("nb.csv", "1,\(space)2\n")
        try folder.run(["run", "-x", "nb.csv", "--weights", "identity"])
            .expectRefusal(65, "nb.csv:1:3: expected a number, found \"\(shown)2\"")
    }

    @Test("JSON true/false are refused in H and in weights, and still read (1, 0) in a mask")
    func booleans() throws {
        let folder = try ScratchFolder()
        try folder.write("b.json", "[[true,2]]\n")
        try folder.run(["run", "-x", "b.json", "--weights", "identity", "--format", "csv"])
            .expectRefusal(
                65, "b.json:1:3: $[0][0]: expected a number, found a boolean (true and false are values of a mask only)"
            )
        try folder.write("x.csv", "1,2\n3,4\n")
        try folder.write("wq.json", "[[1,false],[0,1]]\n")
        try folder.run(["run", "-x", "x.csv", "--wq", "wq.json", "--weights", "identity"])
            .expectRefusal(65, "wq.json:1:5: $[0][1]: expected a number, found a boolean")
        try folder.write("bundle.json", "{\"x\": [[1,2],[3,4]], \"wq\": [[true,0],[0,1]]}\n")
        try folder.run(["run", "--bundle", "bundle.json", "--weights", "identity"])
            .expectRefusal(65, "bundle.json:1:30: $.wq[0][0]: expected a number, found a boolean")
        // A mask, from a file or a bundle, reads true as 1 (may attend) and false as 0.
        try folder.write("m.json", "[[true,false],[true,true]]\n")
        try folder.write("m.csv", "1,0\n1,1\n")
        let fromBooleans = try folder.run(["run", "-x", "x.csv", "--mask", "m.json", "--weights", "identity"])
        let fromNumbers = try folder.run(["run", "-x", "x.csv", "--mask", "m.csv", "--weights", "identity"])
        fromBooleans.expectSuccess()
        #expect(fromBooleans.stdout == fromNumbers.stdout)
        try folder.write("mb.json", "{\"x\": [[1,2],[3,4]], \"mask\": [[true,false],[true,true]]}\n")
        let bundled = try folder.run(["run", "--bundle", "mb.json", "--weights", "identity", "--format", "csv"])
        bundled.expectSuccess()
        let direct = try folder.run(
            ["run", "-x", "x.csv", "--mask", "m.csv", "--weights", "identity", "--format", "csv"])
        #expect(bundled.stdout == direct.stdout && !direct.stdout.isEmpty)
    }

    /// A short row is counted from 0 in CSV as in JSON (checking.md: rows count from 0), with
    /// its count in the right number; the line and column are in the location.
    @Test("a short row is row 1 (counting from 0) in CSV and JSON, and has 1 value")
    func shortRowCountsFromZero() throws {
        let folder = try ScratchFolder()
        try folder.write("rr.csv", "1,2\n3\n")
        try folder.run(["run", "-x", "rr.csv", "--weights", "identity"])
            .expectRefusal(65, "rr.csv:2:2: row 1 (counting from 0) has 1 value; the rows above have 2")
        try folder.write("rr.json", "[[1,2],[3]]")
        try folder.run(["run", "-x", "rr.json", "--weights", "identity"])
            .expectRefusal(65, "rr.json:1:8: $[1]: row 1 (counting from 0) has 1 value; the rows above have 2")
    }

    @Test("a decimal-comma line and a trailing Ctrl-Z are named for what they are")
    func decimalCommasAndCtrlZ() throws {
        let folder = try ScratchFolder()
        try folder.write("euro.csv", "2,5;1,5\n")
        try folder.run(["run", "-x", "euro.csv", "--weights", "identity"])
            .expectRefusal(
                65,
                "euro.csv:1:3: expected a number, found \"5;1\" (the line looks like numbers with decimal commas separated by semicolons; write a point and separate fields with commas: 2.5,1.5)"
            )
        try folder.write("dos.csv", "1,2\n3,4\n\u{1A}")
        try folder.run(["run", "-x", "dos.csv", "--weights", "identity"])
            .expectRefusal(65, "dos.csv:3:1: expected a number, found \"\\u{1A}\" (0x1A is Ctrl-Z")
    }
}
