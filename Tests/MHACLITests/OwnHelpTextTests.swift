import Foundation
import Testing

@testable import MHACLI

/// Each command's help says only what that command has (QA s26-docs findings 9 and 10): no
/// `--memory` in decode's or check's `--wk`/`--wv`, no attend aside in run's `--checkpoint`, and
/// docs/attention-options.md lists attend's formats as attend accepts them.
@Suite struct OwnHelpTextTests {
    /// The help paragraph of `--long` in `command --help`: its line and the indented lines
    /// after it, white space runs made one space.
    static func optionHelp(_ command: String, _ long: String) throws -> String {
        let help = try BuiltBinary.run([command, "--help"])
        #expect(help.status == 0)
        let lines = help.stdout.split(separator: "\n").map(String.init)
        guard let first = lines.firstIndex(where: { $0.hasPrefix("  --\(long) <") }) else { return "" }
        let paragraph = [lines[first]] + lines[(first + 1)...].prefix { $0.hasPrefix("          ") }
        return paragraph.joined(separator: " ").split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    @Test func keyAndValueWeightsMentionMemoryOnlyInRun() throws {
        for long in ["wk", "wv"] {
            #expect(try Self.optionHelp("run", long).contains("--memory"))
            for command in ["decode", "check"] {
                let text = try Self.optionHelp(command, long)
                #expect(text.contains("kv_heads"), "\(command) --\(long): \(text)")
                #expect(!text.contains("memory"), "\(command) --\(long): \(text)")
            }
        }
    }

    @Test func checkpointHelpIsEachCommandsOwn() throws {
        for command in ["run", "decode", "check", "attend"] {
            let text = try Self.optionHelp(command, "checkpoint")
            #expect(text.contains("safetensors"), "\(command) --checkpoint: \(text)")
            #expect(!text.contains("attend:"), "\(command) --checkpoint: \(text)")
        }
        #expect(try Self.optionHelp("attend", "checkpoint").contains("weights are not used"))
    }

    @Test func attentionOptionsListsEveryFormatAttendTakes() throws {
        let page = try String(
            contentsOf: BuiltBinary.packageRoot.appendingPathComponent("docs/attention-options.md"), encoding: .utf8)
        let formats = try #require(RunCommand.format.spec.allowedValues)
        #expect(formats.count >= 9)
        let line = try #require(page.components(separatedBy: "\n").first { $0.contains("`--format` (") })
        for format in formats {
            #expect(line.contains(format), "attention-options.md's attend formats lack \(format)")
        }
    }
}
