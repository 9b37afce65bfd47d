import Testing
@testable import MHACLI

/// The hand-written parser: every accepted spelling and every usage error.
@Suite struct ArgumentParserTests {
    static let spec = CommandSpec(name: "demo", abstract: "A demo.", options: [
        .value("input", short: "x", "file", help: "Input."),
        .value("heads", "n", help: "Heads.", default: "1"),
        .value("format", "format", help: "Format.", values: ["text", "json"]),
        .flag("causal", help: "Causal."),
    ])

    @Test func acceptsSpaceEqualsShortAndFlag() throws {
        let parsed = try ArgumentParser.parse(["--heads", "4", "--format=json", "-x", "h.csv", "--causal"], for: Self.spec)
        #expect(try parsed.integer("heads", minimum: 1) == 4)
        #expect(parsed.string("format") == "json")
        #expect(parsed.string("input") == "h.csv")
        #expect(parsed.flag("causal"))
        #expect(!parsed.helpRequested)
    }

    @Test func shortOptionTakesAnEqualsValue() throws {
        #expect(try ArgumentParser.parse(["-x=h.csv"], for: Self.spec).string("input") == "h.csv")
        #expect(try ArgumentParser.parse(["-x=-"], for: Self.spec).string("input") == "-")
        #expect(try ArgumentParser.parse(["-x", "a=b.csv"], for: Self.spec).string("input") == "a=b.csv")
    }

    @Test func dashDashEndsOptionsAndDashIsAValue() throws {
        let spec = CommandSpec(name: "demo", abstract: "", arguments: [ArgumentSpec(name: "a", help: "", isOptional: true)],
                               options: Self.spec.declaredOptions)
        let parsed = try ArgumentParser.parse(["-x", "-", "--", "--causal"], for: spec)
        #expect(parsed.string("input") == "-")
        #expect(parsed.positionals == ["--causal"])
        #expect(!parsed.flag("causal"))
    }

    @Test func negativeNumberIsAValue() throws {
        let parsed = try ArgumentParser.parse(["--heads", "-3"], for: Self.spec)
        #expect(throws: UsageError.invalidValue(value: "-3", option: "--heads <n>", reason: "expected a positive integer")) {
            try parsed.integer("heads", minimum: 1)
        }
    }

    @Test func unknownOptionSuggestsNearest() {
        #expect(throws: UsageError.unknownOption("--head", suggestion: "--heads")) {
            try ArgumentParser.parse(["--head", "2"], for: Self.spec)
        }
        #expect(throws: UsageError.unknownOption("--zzzzzz", suggestion: nil)) {
            try ArgumentParser.parse(["--zzzzzz"], for: Self.spec)
        }
        #expect(UsageError.unknownOption("--head", suggestion: "--heads").description
            == "Unknown option '--head'. Did you mean '--heads'?")
    }

    @Test func missingRepeatedAndBadValues() {
        #expect(throws: UsageError.missingValue(option: "--heads <n>")) { try ArgumentParser.parse(["--heads"], for: Self.spec) }
        #expect(throws: UsageError.missingValue(option: "--heads <n>")) {
            try ArgumentParser.parse(["--heads", "--causal"], for: Self.spec)
        }
        #expect(throws: UsageError.repeated(option: "--causal")) { try ArgumentParser.parse(["--causal", "--causal"], for: Self.spec) }
        #expect(throws: UsageError.unexpectedValue(option: "--causal", value: "yes")) {
            try ArgumentParser.parse(["--causal=yes"], for: Self.spec)
        }
        #expect(throws: UsageError.invalidValue(value: "xml", option: "--format <format>", reason: "expected one of text, json")) {
            try ArgumentParser.parse(["--format", "xml"], for: Self.spec)
        }
        #expect(throws: UsageError.unexpectedArgument("stray")) { try ArgumentParser.parse(["stray"], for: Self.spec) }
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
        let spec = CommandSpec(name: "d", abstract: "", options: [.value("show", "parts", help: ""), .value("scale", "s", help: "")])
        let parsed = try ArgumentParser.parse(["--show", "heads, output", "--scale", "nan"], for: spec)
        #expect(try parsed.list("show", allowed: ["heads", "output"]) == ["heads", "output"])
        #expect(throws: UsageError.self) { try parsed.number("scale") }
        let bad = try ArgumentParser.parse(["--show", "heads,,output"], for: spec)
        #expect(throws: UsageError.invalidValue(value: "heads,,output", option: "--show <parts>", reason: "item 2 of the comma list is empty")) {
            try bad.list("show")
        }
    }
}
