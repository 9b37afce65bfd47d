import Testing

@testable import MHACLI

/// The hand-written parser and the typed option declarations: every accepted spelling and
/// every usage error.
@Suite struct ArgumentParserTests {
    enum Format: String, CaseIterable, Sendable { case text, json }

    static let input = Option<String>.file("input", short: "x", help: "Input.")
    static let heads = Option<Int>.integer("heads", "n", minimum: 1, help: "Heads.", default: "1")
    static let format = Option<Format>.choice("format", "format", help: "Format.")
    static let causal = Flag("causal", help: "Causal.")
    static let spec = CommandSpec(name: "demo", abstract: "A demo.", options: [input, heads, format, causal])

    @Test func acceptsSpaceEqualsShortAndFlag() throws {
        let parsed = try ArgumentParser.parse(
            ["--heads", "4", "--format=json", "-x", "h.csv", "--causal"], for: Self.spec)
        #expect(try parsed[Self.heads] == 4)
        #expect(try parsed[Self.format] == .json)
        #expect(try parsed[Self.input] == "h.csv")
        #expect(parsed[Self.causal])
        #expect(!parsed.helpRequested)
    }

    @Test func absentOptionsAreNilAndFlagsFalse() throws {
        let parsed = try ArgumentParser.parse([], for: Self.spec)
        #expect(try parsed[Self.heads] == nil)
        #expect(!parsed[Self.causal])
    }

    @Test func shortOptionTakesAnEqualsValue() throws {
        #expect(try ArgumentParser.parse(["-x=h.csv"], for: Self.spec)[Self.input] == "h.csv")
        #expect(try ArgumentParser.parse(["-x=-"], for: Self.spec)[Self.input] == "-")
        #expect(try ArgumentParser.parse(["-x", "a=b.csv"], for: Self.spec)[Self.input] == "a=b.csv")
    }

    @Test func dashDashEndsOptionsAndDashIsAValue() throws {
        let spec = CommandSpec(
            name: "demo", abstract: "", arguments: [ArgumentSpec(name: "a", help: "", isOptional: true)],
            options: [Self.input, Self.heads, Self.format, Self.causal])
        let parsed = try ArgumentParser.parse(["-x", "-", "--", "--causal"], for: spec)
        #expect(try parsed[Self.input] == "-")
        #expect(parsed.positionals == ["--causal"])
        #expect(!parsed[Self.causal])
    }

    @Test func negativeNumberIsAValue() throws {
        let parsed = try ArgumentParser.parse(["--heads", "-3"], for: Self.spec)
        #expect(
            throws: UsageError.invalidValue(value: "-3", option: "--heads <n>", reason: "expected a positive integer")
        ) {
            try parsed[Self.heads]
        }
    }

    @Test func unknownOptionSuggestsNearest() {
        #expect(throws: UsageError.unknownOption("--head", suggestion: "--heads")) {
            try ArgumentParser.parse(["--head", "2"], for: Self.spec)
        }
        #expect(throws: UsageError.unknownOption("--zzzzzz", suggestion: nil)) {
            try ArgumentParser.parse(["--zzzzzz"], for: Self.spec)
        }
        #expect(
            UsageError.unknownOption("--head", suggestion: "--heads").description
                == "Unknown option '--head'. Did you mean '--heads'?")
    }

    @Test func missingRepeatedAndBadValues() {
        #expect(throws: UsageError.missingValue(option: "--heads <n>")) {
            try ArgumentParser.parse(["--heads"], for: Self.spec)
        }
        #expect(throws: UsageError.missingValue(option: "--heads <n>")) {
            try ArgumentParser.parse(["--heads", "--causal"], for: Self.spec)
        }
        #expect(throws: UsageError.repeated(option: "--causal")) {
            try ArgumentParser.parse(["--causal", "--causal"], for: Self.spec)
        }
        #expect(throws: UsageError.unexpectedValue(option: "--causal", value: "yes")) {
            try ArgumentParser.parse(["--causal=yes"], for: Self.spec)
        }
        #expect(
            throws: UsageError.invalidValue(
                value: "xml", option: "--format <format>", reason: "expected one of text, json")
        ) {
            try ArgumentParser.parse(["--format", "xml"], for: Self.spec)
        }
        #expect(throws: UsageError.unexpectedArgument("stray")) { try ArgumentParser.parse(["stray"], for: Self.spec) }
    }

    @Test func repeatableOptionKeepsEveryValueInOrder() throws {
        let claim = Option<String>.string("claim", "key=value", help: "A claim.", repeatable: true)
        let spec = CommandSpec(name: "d", abstract: "", options: [claim, Self.causal])
        let parsed = try ArgumentParser.parse(["--claim", "a=1", "--causal", "--claim=b=2"], for: spec)
        #expect(try parsed.all(claim) == ["a=1", "b=2"])
        #expect(try ArgumentParser.parse([], for: spec).all(claim) == [])
    }

    @Test func helpAnywhereStopsChecking() throws {
        let parsed = try ArgumentParser.parse(["--nonsense", "-h"], for: Self.spec)
        #expect(parsed.helpRequested)
    }

    @Test func editDistance() {
        #expect(Suggestion.editDistance("kitten", "sitting") == 3)
        #expect(Suggestion.editDistance("", "abc") == 3)
        #expect(Suggestion.nearest(to: "--sohw", among: ["--show", "--scale"]) == "--show")
    }

    @Test func listAndNumberAccessors() throws {
        let show = Option<[String]>.list("show", "parts", allowed: ["heads", "output"], help: "")
        let anyList = Option<[String]>.list("names", "names", help: "")
        let scale = Option<Double>.number("scale", "s", help: "")
        let spec = CommandSpec(name: "d", abstract: "", options: [show, anyList, scale])
        let parsed = try ArgumentParser.parse(["--show", "heads, output", "--scale", "nan"], for: spec)
        #expect(try parsed[show] == ["heads", "output"])
        #expect(throws: UsageError.self) { try parsed[scale] }
        let bad = try ArgumentParser.parse(["--names", "heads,,output", "--show", "qkv"], for: spec)
        #expect(
            throws: UsageError.invalidValue(
                value: "heads,,output", option: "--names <names>", reason: "item 2 of the comma list is empty")
        ) {
            try bad[anyList]
        }
        #expect(
            throws: UsageError.invalidValue(
                value: "qkv", option: "--show <parts>", reason: "'qkv' is not one of heads, output")
        ) {
            try bad[show]
        }
    }
}
