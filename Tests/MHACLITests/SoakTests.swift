import Foundation
import MHACore
import Testing

/// A soak of the built binary: seeded, mixed valid and invalid runs (inputs in every format,
/// hostile values, wrong shapes, bad options, `-o` onto files, links and folders). Every run
/// must end by itself with a sysexits status (0, 64, 65, 66, 74), one `mha-cli: error:` line
/// when it fails (the last line; only warnings before it), only `mha-cli: warning:` lines
/// when it succeeds, no NaN or infinity in
/// its output (but `--steps`, which shows masked scores as -inf), its inputs unchanged and nothing left in its folder but them and its `-o`
/// result.
///
/// `swift test` runs `MHA_SOAK_RUNS` runs (default 120, a few seconds); the full soak is
/// `MHA_SOAK_RUNS=10000 swift test --filter Soak` (`MHA_SOAK_SEED` picks another seed).
@Suite("Soak")
struct SoakTests {
    static let environment = ProcessInfo.processInfo.environment
    static let runs = environment["MHA_SOAK_RUNS"].flatMap { Int($0) } ?? 120
    static let seed = environment["MHA_SOAK_SEED"].flatMap { UInt64($0) } ?? 10

    /// One generated run: its files (name → bytes), arguments, and stdin file, if any.
    struct Case {
        var files: [String: [UInt8]] = [:]
        var links: [String: String] = [:]
        var folders: [String] = []
        var arguments: [String] = []
        var stdin: String?
        /// The `-o` path, when the run writes one.
        var output: String?
    }

    /// What went wrong with one run, for the report.
    struct Failure: CustomStringConvertible {
        var index: Int
        var arguments: [String]
        var problem: String
        var description: String { "run \(index) (\(arguments.joined(separator: " "))): \(problem)" }
    }

    @Test("seeded mixed runs: no crash, no hang, sysexits only, one line, no leftovers")
    func soak() throws {
        let binary = try #require(BuiltBinary.url)
        let root = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let cases: [Case] = {
            var generator = SplitMix64(seed: Self.seed)
            return (0..<Self.runs).map { _ in SoakCaseGenerator.make(&generator) }
        }()
        let workers = 2
        nonisolated(unsafe) var failures: [[Failure]] = Array(repeating: [], count: workers)
        nonisolated(unsafe) var statuses: [[Int32: Int]] = Array(repeating: [:], count: workers)
        // Plain threads, not Dispatch's pool: Foundation notices a child's exit on that pool,
        // which workers blocked in it could starve.
        let done = DispatchGroup()
        for worker in 0..<workers {
            done.enter()
            Thread.detachNewThread {
                for index in stride(from: worker, to: cases.count, by: workers) {
                    let outcome = Self.execute(cases[index], index: index, binary: binary, root: root)
                    statuses[worker][outcome.status, default: 0] += 1
                    if let problem = outcome.problem {
                        failures[worker].append(
                            Failure(index: index, arguments: cases[index].arguments, problem: problem))
                    }
                }
                done.leave()
            }
        }
        done.wait()
        let all = failures.flatMap { $0 }
        var counts: [Int32: Int] = [:]
        for table in statuses { counts.merge(table, uniquingKeysWith: +) }
        #expect(
            all.isEmpty,
            "\(all.count) of \(cases.count) runs failed:\n\(all.prefix(20).map(\.description).joined(separator: "\n"))")
        #expect(counts.keys.allSatisfy { [0, 64, 65, 66, 74].contains($0) }, "statuses: \(counts)")
        // A soak that never succeeds or never fails tests little.
        #expect((counts[0] ?? 0) > cases.count / 10 && (counts[65] ?? 0) > cases.count / 20, "statuses: \(counts)")
        if Self.environment["MHA_SOAK_REPORT"] != nil {
            print(
                "soak: seed \(Self.seed), \(cases.count) runs, statuses \(counts.sorted { $0.key < $1.key }), \(all.count) failures"
            )
        }
    }

    /// Runs one case in its own folder and checks everything it left.
    static func execute(_ c: Case, index: Int, binary: URL, root: URL) -> (status: Int32, problem: String?) {
        let fileManager = FileManager.default
        let folder = root.appendingPathComponent("case-\(index)")
        let logs = root.appendingPathComponent("logs-\(index)")
        do {
            try fileManager.createDirectory(at: folder, withIntermediateDirectories: false)
            try fileManager.createDirectory(at: logs, withIntermediateDirectories: false)
            for (name, bytes) in c.files { try Data(bytes).write(to: folder.appendingPathComponent(name)) }
            for name in c.folders {
                try fileManager.createDirectory(
                    at: folder.appendingPathComponent(name), withIntermediateDirectories: false)
            }
            for (name, target) in c.links {
                try fileManager.createSymbolicLink(
                    atPath: folder.appendingPathComponent(name).path, withDestinationPath: target)
            }
        } catch {
            return (-1, "setting up: \(error)")
        }
        defer {
            try? fileManager.removeItem(at: folder)
            try? fileManager.removeItem(at: logs)
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = c.arguments
        process.currentDirectoryURL = folder
        let stdoutURL = logs.appendingPathComponent("stdout"), stderrURL = logs.appendingPathComponent("stderr")
        _ = fileManager.createFile(atPath: stdoutURL.path, contents: nil)
        _ = fileManager.createFile(atPath: stderrURL.path, contents: nil)
        guard let out = FileHandle(forWritingAtPath: stdoutURL.path),
            let err = FileHandle(forWritingAtPath: stderrURL.path)
        else { return (-1, "cannot open the logs") }
        process.standardOutput = out
        process.standardError = err
        process.standardInput =
            c.stdin.flatMap { FileHandle(forReadingAtPath: folder.appendingPathComponent($0).path) }
            ?? FileHandle.nullDevice
        do { try process.run() } catch { return (-1, "cannot launch: \(error)") }
        let deadline = Date().addingTimeInterval(60)
        var hung = false
        while process.isRunning {
            if Date() > deadline {
                hung = true
                kill(process.processIdentifier, SIGKILL)
                break
            }
            usleep(1000)
        }
        process.waitUntilExit()
        try? out.close()
        try? err.close()
        let stdout = String(decoding: (try? Data(contentsOf: stdoutURL)) ?? Data(), as: UTF8.self)
        let stderr = String(decoding: (try? Data(contentsOf: stderrURL)) ?? Data(), as: UTF8.self)
        let status = process.terminationStatus
        if hung { return (status, "hung (killed after 60 s)") }
        if process.terminationReason == .uncaughtSignal {
            return (128 + status, "killed by signal \(status): \(stderr.prefix(300))")
        }
        guard [0, 64, 65, 66, 74].contains(status) else { return (status, "exit \(status): \(stderr.prefix(300))") }
        let lines = stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        if status == 0 {
            if let line = lines.first(where: { !$0.hasPrefix("mha-cli: warning: ") }) {
                return (status, "stderr on success: \(line.prefix(300))")
            }
            let lower = stdout.lowercased()
            if ["nan", "inf", "∞"].contains(where: { lower.contains($0) }) && !c.arguments.contains("--steps") {
                return (status, "non-finite output: \(stdout.prefix(300))")
            }
        } else {
            // Warnings about the computation may come first (a masked row, then -o fails); the
            // failure itself is exactly one error line, the last.
            let errors = lines.filter { !$0.hasPrefix("mha-cli: warning: ") }
            if errors.count != 1 || !(lines.last ?? "").hasPrefix("mha-cli: error: ")
                || (lines.last?.utf8.count ?? 0) > 1000
                || !stdout.isEmpty
            {
                return (status, "not one error line (stdout \(stdout.count) bytes): \(stderr.prefix(300))")
            }
        }
        // Inputs unchanged, links unchanged, nothing new but the -o result of a success.
        for (name, bytes) in c.files
        where (try? Data(contentsOf: folder.appendingPathComponent(name))).map({ [UInt8]($0) }) != bytes {
            if name == c.output && status == 0 { continue }
            return (status, "\(name) was changed")
        }
        for (name, target) in c.links
        where (try? fileManager.destinationOfSymbolicLink(atPath: folder.appendingPathComponent(name).path)) != target {
            return (status, "link \(name) was replaced")
        }
        let expected = Set(c.files.keys).union(c.links.keys).union(c.folders)
            .union(status == 0 ? c.output.map { [$0] } ?? [] : [])
        let present = Set((try? fileManager.contentsOfDirectory(atPath: folder.path)) ?? [])
        if present != expected { return (status, "folder holds \(present.sorted()), expected \(expected.sorted())") }
        for name in c.folders
        where !((try? fileManager.contentsOfDirectory(atPath: folder.appendingPathComponent(name).path)) ?? []).isEmpty
        {
            return (status, "folder \(name) is no longer empty")
        }
        return (status, nil)
    }
}

/// Draws soak cases from a seeded generator.
enum SoakCaseGenerator {
    static func make(_ g: inout SplitMix64) -> SoakTests.Case {
        switch pick(&g, 20) {
        case 0: return shapes(&g)
        case 1: return initOrBench(&g)
        case 2: return garbage(&g)
        default: return run(&g)
        }
    }

    static func pick(_ g: inout SplitMix64, _ count: Int) -> Int { Int(g.next() % UInt64(count)) }
    static func chance(_ g: inout SplitMix64, _ percent: Int) -> Bool { pick(&g, 100) < percent }
    static func element<T>(_ g: inout SplitMix64, _ items: [T]) -> T { items[pick(&g, items.count)] }

    /// `mha-cli run` with generated inputs and options.
    static func run(_ g: inout SplitMix64) -> SoakTests.Case {
        var c = SoakTests.Case()
        let n = 1 + pick(&g, 6)
        let d = element(&g, [1, 2, 4, 6, 8])
        let format = element(&g, ["csv", "tsv", "json", "npy", "stdin"])
        let name = format == "stdin" ? "x.txt" : "x.\(format)"
        c.files[name] = matrix(
            &g, rows: n, columns: d, format: format == "stdin" ? element(&g, ["csv", "json", "npy"]) : format,
            hostile: chance(&g, 35))
        if format == "stdin" {
            c.stdin = name
            c.arguments = ["run", "-x", "-"]
        } else {
            c.arguments = ["run", "-x", name]
        }
        let heads = chance(&g, 80) ? element(&g, divisors(d)) : element(&g, [0, 3, 5, 7, 9_223_372_036_854_775_807])
        if heads != 1 || chance(&g, 30) { c.arguments += ["--heads", "\(heads)"] }
        if chance(&g, 25) {
            let kv =
                chance(&g, 80) && heads <= d
                ? element(&g, divisors(max(heads, 1))) : element(&g, [0, 2, 4_611_686_018_427_387_904])
            c.arguments += ["--kv-heads", "\(kv)"]
        }
        switch pick(&g, 10) {
        case 0...5: c.arguments += ["--weights", element(&g, ["identity", "random", "random:\(pick(&g, 1000))"])]
        case 6, 7:
            for key in ["wq", "wk", "wv", "wo"] {
                let rows = chance(&g, 90) ? d : d + 1
                c.files["\(key).csv"] = matrix(&g, rows: rows, columns: d, format: "csv", hostile: chance(&g, 10))
                c.arguments += ["--\(key)", "\(key).csv"]
            }
        case 8: c.arguments += ["--weights", element(&g, ["bogus", "random:x", ""])]
        default: break  // missing weights: a usage error
        }
        if chance(&g, 20) { c.arguments.append("--causal") }
        if chance(&g, 15) {
            c.files["mask.csv"] = mask(&g, n: chance(&g, 85) ? n : n + 1, valid: chance(&g, 80))
            c.arguments += ["--mask", "mask.csv"]
        }
        if chance(&g, 20) {
            c.arguments += [
                "--scale", element(&g, ["0.5", "-1", "0", "1e300", "-1e308", "nan", "inf", "1e-300", "2"]),
            ]
        }
        if chance(&g, 15) { c.arguments += ["--token", "\(pick(&g, n + 2) - 1)"] }
        if chance(&g, 60) { c.arguments += ["--format", element(&g, ["text", "json", "csv", "xml"])] }
        if chance(&g, 30) {
            let parts = ["qkv", "scores", "weights", "heads", "concat", "output", "bogus"]
            c.arguments += ["--show", (0...pick(&g, 3)).map { _ in element(&g, parts) }.joined(separator: ",")]
        }
        if chance(&g, 8) { c.arguments.append("--steps") }
        if chance(&g, 8) { c.arguments.append("--heatmap") }
        if chance(&g, 15) { c.arguments += ["--precision", "\(pick(&g, 20) - 2)"] }
        if chance(&g, 20) { c.arguments.append("--float") }
        if chance(&g, 5) {
            c.arguments += ["--tokens", (0..<(chance(&g, 80) ? n : n + 1)).map { "t\($0)" }.joined(separator: ",")]
        }
        if chance(&g, 3) { c.arguments.append(element(&g, ["--frobnicate", "-q", "--heads"])) }
        if chance(&g, 30) { output(&g, &c) }
        return c
    }

    /// An `-o` destination: a new file, an existing one, a live or dangling link, a folder.
    static func output(_ g: inout SplitMix64, _ c: inout SoakTests.Case) {
        switch pick(&g, 6) {
        case 0, 1:
            c.arguments += ["-o", "out.txt"]
            c.output = "out.txt"
        case 2:
            c.files["out.txt"] = Array("old\n".utf8)
            c.arguments += ["-o", "out.txt"]
            c.output = "out.txt"
        case 3:
            c.files["target.txt"] = Array("old\n".utf8)
            c.links["link.txt"] = "target.txt"
            c.arguments += ["-o", "link.txt"]
            c.output = "target.txt"
        case 4:
            c.links["dangling.txt"] = "missing/target.txt"
            c.arguments += ["-o", "dangling.txt"]
        default:
            c.folders.append("out")
            c.arguments += ["-o", "out"]
        }
    }

    /// `shapes` with random, sometimes inconsistent or huge, dimensions.
    static func shapes(_ g: inout SplitMix64) -> SoakTests.Case {
        var c = SoakTests.Case(arguments: ["shapes"])
        let values = ["1", "2", "4", "8", "64", "768", "0", "-3", "9223372036854775807", "x"]
        for option in ["--d-model", "--heads", "--head-dim", "--kv-heads", "--seq-len"] where chance(&g, 50) {
            c.arguments += [option, element(&g, values)]
        }
        if chance(&g, 30) { c.arguments += ["--format", element(&g, ["json", "text"])] }
        return c
    }

    /// `init` or `bench` of small (or absurd) sizes.
    static func initOrBench(_ g: inout SplitMix64) -> SoakTests.Case {
        let sizes = ["1", "2", "4", "8", "0", "4611686018427387904"]
        var c = SoakTests.Case(arguments: [chance(&g, 70) ? "init" : "bench"])
        c.arguments += [
            "--d-model", element(&g, ["4", "8"] + sizes), "--heads", element(&g, ["1", "2"] + sizes),
            "--seq-len", element(&g, ["3", "5"] + sizes),
        ]
        if c.arguments[0] == "bench" { c.arguments += ["--repeat", "1"] }
        if chance(&g, 30) { output(&g, &c) }
        return c
    }

    /// Random bytes as an input, a bundle or an argument list.
    static func garbage(_ g: inout SplitMix64) -> SoakTests.Case {
        var c = SoakTests.Case()
        let bytes = (0..<(1 + pick(&g, 300))).map { _ in UInt8(truncatingIfNeeded: g.next()) }
        let name = element(&g, ["g.csv", "g.json", "g.npy", "g.tsv", "g.bin"])
        c.files[name] = bytes
        c.arguments = chance(&g, 50) ? ["run", "-x", name, "--weights", "identity"] : ["run", "--bundle", name]
        return c
    }

    /// The divisors of `n`.
    static func divisors(_ n: Int) -> [Int] { (1...max(n, 1)).filter { max(n, 1) % $0 == 0 } }

    /// A rows × columns matrix in `format`; `hostile` spoils it in one of many ways.
    static func matrix(_ g: inout SplitMix64, rows: Int, columns: Int, format: String, hostile: Bool) -> [UInt8] {
        var values = (0..<(rows * columns)).map { _ in g.nextSigned() * 3 }
        var spoil = hostile ? pick(&g, 14) : -1
        if spoil == 0 { values[pick(&g, values.count)] = 1e200 }
        if spoil == 1 { values[pick(&g, values.count)] = 1e-200 }
        if spoil == 2 { values = values.map { $0 * 1e150 } }
        if format == "npy" && spoil >= 3 { spoil = 13 }
        switch format {
        case "npy":
            if spoil == 13 { return Array(npy(values, rows: rows, columns: columns).prefix(20 + pick(&g, 120))) }
            return npy(values, rows: rows, columns: columns)
        case "json":
            var text =
                "["
                + (0..<rows).map { r in
                    "[" + (0..<columns).map { "\(values[r * columns + $0])" }.joined(separator: ",") + "]"
                }
                .joined(separator: ",") + "]"
            switch spoil {
            case 3: text.removeLast()
            case 4: text = text.replacingOccurrences(of: "]", with: ",]")
            case 5: text = "{\"x\": " + text + "}"
            case 6: text = text.replacingOccurrences(of: "[[", with: "[[NaN,")
            case 7: text = String(repeating: "[", count: 5000)
            case 8: text = text.replacingOccurrences(of: "],[", with: ",1],[")
            default: break
            }
            return Array(text.utf8)
        default:
            let separator = format == "tsv" ? "\t" : ","
            var lines = (0..<rows).map { r in
                (0..<columns).map { "\(values[r * columns + $0])" }.joined(separator: separator)
            }
            switch spoil {
            case 3:  // a wider header
                lines.insert((0..<(columns + 1)).map { "c\($0)" }.joined(separator: separator), at: 0)
            case 4:  // a fitting header
                lines.insert((0..<columns).map { "c\($0)" }.joined(separator: separator), at: 0)
            case 5: lines[lines.count - 1] += separator + "1"
            case 6: lines[0] = lines[0].replacingOccurrences(of: separator, with: separator + "abc" + separator)
            case 7: lines.append("nan" + String(repeating: separator + "1", count: columns - 1))
            case 8: lines[0] += "\u{0}"
            case 9: lines = lines.map { "\"" + $0 + "\"" }
            case 10:
                lines.insert("# a comment", at: 0)
                lines.append("")
            case 11: return Array(lines.joined(separator: "\r\n").utf8) + [0xFF, 0xFE]
            case 12: lines[0] = lines[0].replacingOccurrences(of: ".", with: ",")
            default: break
            }
            return Array((lines.joined(separator: "\n") + "\n").utf8)
        }
    }

    /// A mask: 0/1 entries, or (invalid) other values.
    static func mask(_ g: inout SplitMix64, n: Int, valid: Bool) -> [UInt8] {
        let lines = (0..<n).map { _ in
            (0..<n).map { _ in valid ? "\(pick(&g, 2))" : element(&g, ["0", "1", "0.5", "2", "x"]) }.joined(
                separator: ",")
        }
        return Array((lines.joined(separator: "\n") + "\n").utf8)
    }

    /// An NPY version 1.0 file of little-endian f8.
    static func npy(_ values: [Double], rows: Int, columns: Int) -> [UInt8] {
        var header = Array("{'descr': '<f8', 'fortran_order': False, 'shape': (\(rows), \(columns)), }".utf8)
        let padding = (64 - (10 + header.count + 1) % 64) % 64
        header += [UInt8](repeating: 0x20, count: padding) + [0x0A]
        var bytes: [UInt8] =
            [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)] + header
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        return bytes
    }
}
