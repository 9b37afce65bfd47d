import Foundation
import MHACore
import MHAFormats
import Testing

@testable import MHACLI

/// When colour is on: a TTY, no `--no-color`, no non-empty NO_COLOR, no TERM=dumb.
@Suite struct TerminalColorTests {
    @Test(arguments: [
        (true, [String: String](), false, true),
        (true, ["TERM": "xterm-256color"], false, true),
        (false, ["TERM": "xterm-256color"], false, false),
        (true, ["TERM": "xterm-256color"], true, false),
        (true, ["NO_COLOR": "1"], false, false),
        (true, ["NO_COLOR": "anything"], false, false),
        (true, ["NO_COLOR": ""], false, true),
        (true, ["TERM": "dumb"], false, false),
    ])
    func decision(isTTY: Bool, environment: [String: String], flag: Bool, expected: Bool) {
        #expect(TerminalColor.enabled(isTTY: isTTY, environment: environment, noColorFlag: flag) == expected)
    }

    @Test func aPseudoTerminalIsATerminalAndAPipeIsNot() throws {
        var primary: Int32 = -1
        var secondary: Int32 = -1
        try #require(openpty(&primary, &secondary, nil, nil, nil) == 0)
        defer {
            close(primary)
            close(secondary)
        }
        #expect(TerminalColor.isTTY(secondary))
        let pipe = Pipe()
        #expect(!TerminalColor.isTTY(pipe.fileHandleForWriting.fileDescriptor))
        #expect(!TerminalColor.isTTY(-1))
    }
}

/// The pseudo-terminal helper itself, on a shell command: stdout is a TTY under it and not
/// in a pipe, and the environment given is the child's.
@Suite struct PseudoTerminalTests {
    @Test func aCommandUnderThePseudoTerminalSeesATTY() throws {
        let output = try PseudoTerminal.run("/bin/sh", ["-c", "test -t 1 && echo tty || echo pipe"])
        #expect(output.text == "tty\n")
        #expect(output.status == 0)
    }

    @Test func aCommandInAPipeDoesNot() throws {
        let output = try PseudoTerminal.runPiped("/bin/sh", ["-c", "test -t 1 && echo tty || echo pipe"])
        #expect(output.text == "pipe\n")
    }

    @Test func theEnvironmentAndExitStatusComeThrough() throws {
        let environment = PseudoTerminal.environment(["NO_COLOR": "1", "TERM": "xterm-256color"])
        let output = try PseudoTerminal.run(
            "/bin/sh", ["-c", "echo \"$NO_COLOR $TERM\"; exit 3"],
            environment: environment)
        #expect(output.text == "1 xterm-256color\n")
        #expect(output.status == 3)
    }

    @Test func longOutputIsCapturedWhole() throws {
        let output = try PseudoTerminal.run(
            "/bin/sh", ["-c", "i=0; while [ $i -lt 2000 ]; do echo line$i; i=$((i+1)); done"])
        let lines = output.text.split(separator: "\n")
        #expect(lines.count == 2000)
        #expect(lines.last == "line1999")
    }
}

/// `mha-cli run --heatmap` end to end: colour on a TTY only, never in a pipe, with NO_COLOR
/// or with `--no-color`.
@Suite
struct HeatmapColorEndToEndTests {
    /// ANSI 24-bit background, the heatmap's colour cells.
    let colorCode = "\u{1B}[48;2;"

    /// The built `mha-cli`, next to the test bundle in .build/<config>/.
    func binary() throws -> String {
        let folders = [
            Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent(),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
        ]
        let candidates = folders.map { $0.appendingPathComponent("mha-cli").path }
        return try #require(
            candidates.first { FileManager.default.isExecutableFile(atPath: $0) },
            "mha-cli not built next to the tests; looked at \(candidates)")
    }

    /// A 4-token, d_model = 4, 2-head bundle written by hand as JSON (docs/contract.md keys).
    func bundle() throws -> String {
        func json(_ m: Matrix<Double>) -> String {
            "["
                + (0..<m.rows).map { i in "[" + (0..<m.columns).map { String(m[i, $0]) }.joined(separator: ", ") + "]" }
                .joined(separator: ", ") + "]"
        }
        let x = Matrix<Double>(rows: 4, columns: 4) { i, j in Double((i * 5 + j * 3) % 7) / 7 }
        let w = Matrix<Double>(rows: 4, columns: 4) { i, j in i == j ? 1 : 0.1 * Double(i - j) }
        let text =
            "{\"x\": \(json(x)), \"wq\": \(json(w)), \"wk\": \(json(w)), \"wv\": \(json(w)), "
            + "\"wo\": \(json(w)), \"heads\": 2}"
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent(
                "mha-cli-heatmap-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString).json")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// This environment with a colour-capable TERM and without NO_COLOR, plus `changes`.
    func environment(_ changes: [String: String?] = [:]) -> [String: String] {
        PseudoTerminal.environment(["TERM": "xterm-256color", "NO_COLOR": nil].merging(changes) { $1 })
    }

    @Test func colourOnATerminal() throws {
        let file = try bundle()
        defer { try? FileManager.default.removeItem(atPath: file) }
        let output = try PseudoTerminal.run(
            try binary(), ["run", "--bundle", file, "--heatmap"], environment: environment())
        #expect(output.status == 0)
        #expect(output.text.contains(colorCode))
        #expect(output.text.contains("head 2 of 2"))
    }

    @Test func noColourInAPipe() throws {
        let file = try bundle()
        defer { try? FileManager.default.removeItem(atPath: file) }
        let output = try PseudoTerminal.runPiped(
            try binary(), ["run", "--bundle", file, "--heatmap"], environment: environment())
        #expect(output.status == 0)
        #expect(output.text.contains("head 1 of 2"))
        #expect(!output.text.contains("\u{1B}"))
    }

    @Test func noColourWithNoColorSet() throws {
        let file = try bundle()
        defer { try? FileManager.default.removeItem(atPath: file) }
        let output = try PseudoTerminal.run(
            try binary(), ["run", "--bundle", file, "--heatmap"],
            environment: environment(["NO_COLOR": "1"]))
        #expect(output.status == 0)
        #expect(output.text.contains("head 1 of 2"))
        #expect(!output.text.contains(colorCode))
    }

    @Test func noColourWithTheFlag() throws {
        let file = try bundle()
        defer { try? FileManager.default.removeItem(atPath: file) }
        let output = try PseudoTerminal.run(
            try binary(), ["run", "--bundle", file, "--heatmap", "--no-color"],
            environment: environment())
        #expect(output.status == 0)
        #expect(output.text.contains("head 1 of 2"))
        #expect(!output.text.contains(colorCode))
    }
}
