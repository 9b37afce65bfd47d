import Foundation
import MHACore
import MHAFormats
import Testing

/// What the memory check counts, through the built binary under real limits: a run the
/// budget admits fits, and one it cannot fit is refused with one line and 65, never a Swift
/// "failed to allocate" abort (134).
///
/// - A 4096 × 64 report (40 MiB of JSON text, which the output check skipped below 64 MiB)
///   under `prlimit --as` 190–210 MB, and 2048 × 128 under `ulimit -v 60000`, aborted: the
///   output text and Dispatch's third thread (its 8 MiB stack) were not counted.
/// - `init` counted an n × n matrix it never builds ("the bundle needs 3.7 GiB" for 630 KB).
/// - An .npz or .safetensors array of 96 bytes was refused under `ulimit -v 60000` ("0 bytes
///   available"): the archive reader checked every request, however small.
@Suite struct MemoryCountTests {
    /// Runs `arguments` in `folder` under `limit` (a shell prefix), stdout to out.txt.
    static func run(_ arguments: [String], limit: String, in folder: URL) throws -> HostileRun {
        let binary = try #require(BuiltBinary.url)
        let command = ([binary.path] + arguments).map { "'\($0)'" }.joined(separator: " ")
        let status = try HostileRun.shell(
            "\(limit) timeout -s KILL 60 \(command) >out.txt 2>err.txt </dev/null", in: folder)
        let read = { (name: String) in
            (try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)) ?? ""
        }
        return HostileRun(status: status, stdout: read("out.txt"), stderr: read("err.txt"), hung: status == 137)
    }

    /// A seeded rows × columns matrix of values in [-1, 1).
    static func matrix(rows: Int, columns: Int) throws -> Matrix<Double> {
        var state: UInt64 = 7
        let values = (0..<(rows * columns)).map { _ -> Double in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 52) - 1
        }
        return try Matrix(rows: rows, columns: columns, elements: values)
    }

    /// Either success or the one-line refusal; never an abort.
    static func expectSuccessOrRefusal(_ run: HostileRun, _ what: String) {
        #expect(run.status == 0 || run.status == 65, "\(what): exit \(run.status): \(run.stderr.prefix(300))")
        if run.status == 65 {
            #expect(
                run.stderr.hasPrefix("mha-cli: error: ") && run.stderr.contains(" needs ")
                    && run.stderr.hasSuffix(" available\n") && run.stderr.split(separator: "\n").count == 1,
                "\(what): \(run.stderr.prefix(300))")
        } else {
            #expect(run.stderr.isEmpty, "\(what): \(run.stderr.prefix(300))")
        }
    }

    @Test("a 4096 × 64 report under prlimit --as 190–210 MB runs or is refused with 65, never aborts")
    func reportsNearTheLimitAreCounted() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(NPYWriter.data(try Self.matrix(rows: 4096, columns: 64))).write(
            to: folder.appendingPathComponent("x.npy"))
        // The band that aborted: 190 MB for a release build, 200–210 MB for a debug one.
        for bytes in [190_000_000, 200_000_000, 210_000_000] {
            for format in bytes == 190_000_000 ? ["json", "csv", "npz"] : ["json"] {
                let run = try Self.run(
                    ["run", "-x", "x.npy", "--weights", "random:1", "--heads", "4", "--format", format],
                    limit: "prlimit --as=\(bytes)", in: folder)
                Self.expectSuccessOrRefusal(run, "--as=\(bytes) --format \(format)")
            }
        }
    }

    @Test("2048 × 128 under ulimit -v 60000 runs or is refused with 65, on one thread or the default")
    func theDocumentedLimitIsCounted() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(NPYWriter.data(try Self.matrix(rows: 2048, columns: 128))).write(
            to: folder.appendingPathComponent("x.npy"))
        for threads in ["MHA_THREADS=1", ""] {
            let run = try Self.run(
                ["run", "-x", "x.npy", "--weights", "random:1", "--heads", "4", "--format", "csv"],
                limit: "ulimit -v 60000; \(threads)", in: folder)
            Self.expectSuccessOrRefusal(run, "ulimit -v 60000 \(threads)")
        }
    }

    @Test("init counts the bundle it writes (linear in n), not an n × n matrix")
    func initCountsOnlyTheBundle() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let small = try Self.run(
            ["init", "--d-model", "4", "--heads", "2", "--seq-len", "20000"], limit: "prlimit --as=1000000000",
            in: folder)
        #expect(small.status == 0 && small.stderr.isEmpty, "\(small.stderr)")
        #expect(small.stdout.utf8.count > 500_000)
        // 100 000 × 4 (a 3 MB bundle) was refused everywhere: "the bundle needs 93.1 GiB".
        let large = try Self.run(
            ["init", "--d-model", "4", "--heads", "2", "--seq-len", "100000"], limit: "", in: folder)
        #expect(large.status == 0 && large.stderr.isEmpty, "\(large.stderr)")
    }

    @Test("a 3 × 4 array from .npz or .safetensors runs under ulimit -v 60000, as the .npy does")
    func smallArchiveArraysAreNotRefused() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let x = try Self.matrix(rows: 3, columns: 4)
        try Data(NPYWriter.data(x)).write(to: folder.appendingPathComponent("x.npy"))
        let w = try Self.matrix(rows: 4, columns: 4)
        try Data(try NPZWriter.archive([.matrix("x", x), .matrix("w", w)])).write(
            to: folder.appendingPathComponent("x.npz"))
        try Data(CheckpointCommandsTests.safetensors(["x": x])).write(
            to: folder.appendingPathComponent("x.safetensors"))
        let arguments = ["run", "--weights", "identity", "--format", "csv"]
        let expected = try Self.run(arguments + ["-x", "x.npy"], limit: "ulimit -v 60000;", in: folder)
        #expect(expected.status == 0, "\(expected.stderr)")
        for input in [["-x", "x.npz:x"], ["-x", "x.safetensors"], ["-x", "x.npy", "--wq", "x.npz:w"]] {
            let run = try Self.run(arguments + input, limit: "ulimit -v 60000;", in: folder)
            #expect(run.status == 0 && run.stderr.isEmpty, "\(input): \(run.stderr)")
            if input.count == 2 { #expect(run.stdout == expected.stdout) }
        }
    }
}
