import Foundation
import Testing

/// Errors stay one readable line: values beyond float32 under `--float` are named with their
/// file, and a huge argument does not turn into a huge message.
@Suite struct MessageBoundsTests {
    @Test func floatRangeNamesTheFileAndTheValue() throws {
        let x = try RunEndToEndTests.file("big.csv", "1e39,1\n2,3\n")
        let outcome = try BuiltBinary.run(["run", "-x", x, "--weights", "identity", "--float"])
        #expect(outcome.status == 65)
        #expect(
            outcome.stderr
                == "mha-cli: error: \(x):1:1: x[0, 0] is 1e39, beyond float32's range (±3.4028235e38): run without --float\n"
        )
        #expect(outcome.stdout.isEmpty)
        let double = try BuiltBinary.run(["run", "-x", x, "--weights", "identity"])
        #expect(double.status == 0)
    }

    @Test func aHugeArgumentGivesABoundedOneLineMessage() throws {
        let outcome = try BuiltBinary.run(["run", "--" + String(repeating: "x", count: 100_000)])
        #expect(outcome.status == 64)
        #expect(outcome.stderr.hasPrefix("mha-cli: error: Unknown option '--xxx"))
        #expect(outcome.stderr.count < 1100 && outcome.stderr.hasSuffix("…\n"))
        #expect(outcome.stderr.filter { $0 == "\n" }.count == 1)
    }
}

/// `-o` naming the process's own stream writes to it as the shell set it up.
@Suite struct InheritedStreamOutputTests {
    @Test func devStdoutAppendsToTheShellsFileInsteadOfReplacingIt() throws {
        let binary = try #require(BuiltBinary.url)
        let folder = try BuiltBinary.temporaryFolder()
        let x = try RunEndToEndTests.file("x.csv", "1,0\n0,1\n")
        let script =
            "( echo prev; '\(binary.path)' run -x '\(x)' --weights identity --format csv --precision 2 -o /dev/stdout; echo after ) >> log"
        let outcome = try BuiltBinary.launch(URL(fileURLWithPath: "/bin/sh"), ["-c", script], in: folder)
        #expect(outcome.status == 0 && outcome.stderr.isEmpty, "\(outcome.stderr)")
        let log = try String(contentsOf: folder.appendingPathComponent("log"), encoding: .utf8)
        #expect(log == "prev\n0.67,0.33\n0.33,0.67\nafter\n")
    }
}

/// Control characters never reach the terminal raw: token names with them are refused, and
/// any message shows them escaped.
@Suite struct ControlCharacterTests {
    @Test func tokenNamesWithATabAreRefused() throws {
        let outcome = try BuiltBinary.run(["run", "--bundle", RunEndToEndTests.bundle, "--tokens", "a\tb,c,d"])
        #expect(outcome.status == 64 && outcome.stdout.isEmpty)
        #expect(
            outcome.stderr
                == "mha-cli: error: The value 'a\\tb,c,d' is invalid for '--tokens <names>': token name 'a\\tb' contains a control character (tab, newline, escape)\n"
        )
    }

    /// A right-to-left override in a token name would reorder the terminal's line; it is
    /// printed escaped, as in every message.
    @Test func aBidiOverrideInATokenNameIsPrintedEscaped() throws {
        let outcome = try BuiltBinary.run([
            "run", "--bundle", BuiltBinary.packageRoot.appendingPathComponent("examples/two-heads/bundle.json").path,
            "--tokens", "a\u{202E}b,c,d", "--show", "weights",
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(!outcome.stdout.unicodeScalars.contains("\u{202E}"))
        #expect(outcome.stdout.contains("a\\u{202E}b"))
    }

    @Test func anEscapeSequenceInAnOptionIsShownEscaped() throws {
        let outcome = try BuiltBinary.run(["run", "--x\u{1B}[31m"])
        #expect(outcome.status == 64)
        #expect(outcome.stderr == "mha-cli: error: Unknown option '--x\\u{1B}[31m'.\n")
    }
}

/// The header's scale stays readable at any precision.
@Suite struct HeaderScaleTests {
    @Test(arguments: [("0", "scale = 1/√2 = 0.7071"), ("2", "scale = 1/√2 = 0.71"), ("4", "scale = 1/√2 = 0.7071")])
    func scaleAtPrecision(_ precision: String, _ expected: String) throws {
        let outcome = try BuiltBinary.run(["run", "--bundle", RunEndToEndTests.bundle, "--precision", precision])
        #expect(
            outcome.stdout.split(separator: "\n").first?.hasSuffix(expected) == true, "\(outcome.stdout.prefix(100))")
    }

    @Test func aTinyGivenScaleIsNotZero() throws {
        let outcome = try BuiltBinary.run(["run", "--bundle", RunEndToEndTests.bundle, "--scale", "1e-300"])
        #expect(outcome.stdout.split(separator: "\n").first?.hasSuffix("scale = 1e-300") == true)
    }
}

/// A file given where no argument is expected gets a hint about the option.
@Suite struct UnexpectedArgumentTests {
    @Test func aFileNameSuggestsAnOption() throws {
        let outcome = try BuiltBinary.run(["run", "x.csv"])
        #expect(outcome.status == 64)
        #expect(
            outcome.stderr
                == "mha-cli: error: Unexpected argument 'x.csv' (files are given with an option, e.g. -x 'x.csv')\n")
    }
}

/// Head counts near Int.max reach the engine's usage error; the output-memory estimate made
/// before it must neither trap on overflow (`--kv-heads` did) nor pre-empt that message.
@Suite struct HugeHeadCountTests {
    @Test(arguments: [
        (["--kv-heads", "9223372036854775807"], "2 heads are not divisible by 9223372036854775807 kv_heads"),
        (
            ["--show", "weights", "--heads", "9223372036854775807"],
            "d_model 4 is not divisible by 9223372036854775807 heads"
        ),
    ])
    func hugeCountsAreUsageErrors(_ options: [String], _ message: String) throws {
        let outcome = try BuiltBinary.run(["run", "--bundle", RunEndToEndTests.bundle] + options)
        #expect(outcome.status == 64)
        #expect(outcome.stderr.hasPrefix("mha-cli: error: " + message), "\(outcome.stderr)")
    }
}
