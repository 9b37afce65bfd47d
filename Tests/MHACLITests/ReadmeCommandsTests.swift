import Foundation
import Testing

/// Every `mha-cli` command of the README's tour, run as a newcomer copies it: each indented
/// block from the repository's root (a block that works in an example folder says `cd` first),
/// against the shipped examples. A command naming a file the example does not have exits 66.
@Suite struct ReadmeCommandsTests {
    /// One shell command of the README with the block it belongs to.
    struct Command {
        var block: Int
        var text: String
    }

    /// The README's indented blocks, each as its commands (continuation lines joined, trailing
    /// comments dropped); only blocks that call `mha-cli` and do not build or install.
    static func blocks(of readme: String) -> [[String]] {
        var blocks: [[String]] = []
        var current: [String] = []
        for line in readme.split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix("    ") else {
                if !current.isEmpty { blocks.append(current) }
                current = []
                continue
            }
            let text = String(line.dropFirst(4))
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if let last = current.last, last.hasSuffix("\\") || trimmed.hasPrefix("|") {
                current[current.count - 1] = String(last.dropLast(last.hasSuffix("\\") ? 1 : 0)) + " " + trimmed
            } else {
                current.append(text)
            }
        }
        if !current.isEmpty { blocks.append(current) }
        return blocks.map { $0.map(withoutComment) }.filter { block in
            block.contains { $0.contains("mha-cli ") }
                && !block.contains { $0.contains("swift ") || $0.contains("install.sh") }
        }
    }

    /// `line` without a trailing `# …` comment (one set off by at least two spaces).
    static func withoutComment(_ line: String) -> String {
        if line.hasPrefix("#") { return "" }
        guard let mark = line.range(of: "  #") else { return line }
        return String(line[..<mark.lowerBound]).trimmingCharacters(in: .whitespaces)
    }

    /// The script for one block: each command followed by a line recording its status.
    static func script(_ block: [String], binaryFolder: String, statuses: String) -> String {
        var lines = ["PATH=\(HostileRun.quoted(binaryFolder)):$PATH", "export PATH", "exec >/dev/null"]
        for command in block where !command.isEmpty {
            lines.append(command)
            if command.hasPrefix("cd ") { continue }
            let label = HostileRun.quoted(command)
            lines.append("printf '%s\\t%s\\n' \"$?\" \(label) >> \(HostileRun.quoted(statuses))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func everyTourCommandRunsAgainstTheShippedExamples() throws {
        let root = BuiltBinary.packageRoot
        let binary = try #require(BuiltBinary.url, "mha-cli not found next to the tests; set MHA_CLI")
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let blocks = Self.blocks(of: readme)
        #expect(blocks.count >= 15, "found \(blocks.count) README blocks")
        let folder = try ScratchFolder()
        try FileManager.default.copyItem(
            at: root.appendingPathComponent("examples"), to: folder.url.appendingPathComponent("examples"))
        let statuses = folder.url.appendingPathComponent("statuses.tsv").path
        var ran = 0
        let hasJQ = try HostileRun.shell("command -v jq >/dev/null", in: folder.url) == 0
        if !hasJQ { print("ReadmeCommandsTests: jq is not installed; skipping the README's jq block") }
        for block in blocks where hasJQ || !block.contains(where: { $0.contains("| jq") }) {
            let script = Self.script(block, binaryFolder: binary.deletingLastPathComponent().path, statuses: statuses)
            let status = try HostileRun.shell(script + "exit 0\n", in: folder.url)
            #expect(status == 0, "block failed to run: \(block)")
        }
        let recorded = (try? String(contentsOfFile: statuses, encoding: .utf8)) ?? ""
        for line in recorded.split(separator: "\n") {
            let fields = line.split(separator: "\t", maxSplits: 1)
            guard fields.count == 2 else { continue }
            ran += 1
            // `check` and `shapes --claim` exit 1 for a wrong answer, like `cmp`; the rest succeed.
            let verdict = fields[1].hasPrefix("mha-cli check") || fields[1].contains("--claim")
            let allowed: Set<Substring> = verdict ? ["0", "1"] : ["0"]
            #expect(allowed.contains(fields[0]), "README command exits \(fields[0]): \(fields[1])")
        }
        #expect(ran >= 25, "only \(ran) README commands ran")
    }
}
