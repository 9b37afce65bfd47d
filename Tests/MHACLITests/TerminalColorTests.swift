import Foundation
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
        defer { close(primary); close(secondary) }
        #expect(TerminalColor.isTTY(secondary))
        let pipe = Pipe()
        #expect(!TerminalColor.isTTY(pipe.fileHandleForWriting.fileDescriptor))
        #expect(!TerminalColor.isTTY(-1))
    }
}
