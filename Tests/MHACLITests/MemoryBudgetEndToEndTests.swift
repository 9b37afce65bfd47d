import Foundation
import Testing

/// The memory budget under a modest `ulimit -v`, through the built binary: the shipped 3 × 4
/// example runs (it was refused, "needs 128.4 KiB; 0 bytes available", because 72 MiB per
/// core were kept back for worker threads so small a run never starts), on one thread or on
/// all, and a run too large for the limit is still refused cleanly with 65 before it could
/// abort.
@Suite struct MemoryBudgetEndToEndTests {
    static let bundle = BuiltBinary.packageRoot.appendingPathComponent("examples/two-heads/bundle.json").path

    /// `mha-cli arguments` under `ulimit -v kib`, with `MHA_THREADS=threads` when given.
    static func run(_ arguments: [String], kib: Int, threads: Int?, in folder: URL) throws -> HostileRun {
        let binary = try #require(BuiltBinary.url)
        let command = ([binary.path] + arguments).map { "'\($0)'" }.joined(separator: " ")
        let environment = threads.map { "MHA_THREADS=\($0) " } ?? ""
        let status = try HostileRun.shell(
            "ulimit -v \(kib); \(environment)timeout -s KILL 60 \(command) >out.txt 2>err.txt </dev/null", in: folder)
        let read = { (name: String) in
            (try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)) ?? ""
        }
        return HostileRun(status: status, stdout: read("out.txt"), stderr: read("err.txt"), hung: status == 137)
    }

    @Test(
        "the 3 × 4 example runs under ulimit -v 60–150 MB, on one thread or the default", arguments: [60_000, 150_000])
    func tinyRunsFitUnderAModestLimit(_ kib: Int) throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let expected = try BuiltBinary.run(["run", "--bundle", Self.bundle, "--format", "csv"]).stdout
        for threads in [1, nil] {
            let run = try Self.run(
                ["run", "--bundle", Self.bundle, "--format", "csv"], kib: kib, threads: threads, in: folder)
            #expect(
                run.status == 0, "ulimit -v \(kib), MHA_THREADS \(threads.map(String.init) ?? "unset"): \(run.stderr)")
            #expect(run.stdout == expected && run.stderr.isEmpty)
        }
    }

    @Test("a pass too large for ulimit -v 150 MB is refused with 65 and both sizes, on one thread or the default")
    func largeRunsAreStillRefused() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // 20 000 × 64 zeros as <f8 .npy: Q, K, V, heads, concat, output ≈ 59 MiB.
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (20000, 64), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8))
        data.append(Data(count: 20_000 * 64 * 8))
        try data.write(to: folder.appendingPathComponent("x.npy"))
        for threads in [1, nil] {
            let run = try Self.run(
                ["run", "-x", "x.npy", "--weights", "identity", "-o", "out.tsv"], kib: 150_000, threads: threads,
                in: folder)
            #expect(run.status == 65, "MHA_THREADS \(threads.map(String.init) ?? "unset"): \(run.stderr)")
            #expect(
                run.stderr.hasPrefix("mha-cli: error: ") && run.stderr.contains(" needs ")
                    && run.stderr.contains(" available\n"))
            #expect(run.stderr.split(separator: "\n").count == 1)
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out.tsv").path))
        }
    }
}
