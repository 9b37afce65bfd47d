import Foundation
import Testing
import MHACore

/// Read throughput of the three readers, run by benchmarks/formats/bench.py:
/// `MHA_FORMAT_BENCH=1 MHA_FORMAT_BENCH_DIR=/tmp/… swift test -c release -Xswiftc -enable-testing
/// --filter FormatBenchmark`. Skipped otherwise; it asserts nothing about time.
@Suite struct FormatBenchmark {
    static let environment = ProcessInfo.processInfo.environment
    static let enabled = environment["MHA_FORMAT_BENCH"] == "1"

    /// The median wall time of `runs` calls of `body`, in seconds.
    static func median(runs: Int, _ body: () throws -> Void) rethrows -> Double {
        var times: [Double] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return times.sorted()[runs / 2]
    }

    @Test(.enabled(if: enabled)) func readThroughput() throws {
        let folder = Self.environment["MHA_FORMAT_BENCH_DIR"] ?? "/tmp/mha-formats-bench"
        let runs = Int(Self.environment["MHA_FORMAT_BENCH_RUNS"] ?? "") ?? 5
        for name in ["m.csv", "m.json", "m.npy"] {
            let path = folder + "/" + name
            let size = Double(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0)
            var shape = Shape(rows: 0, columns: 0)
            let seconds = try Self.median(runs: runs) { shape = try MatrixReader.read(path: path).shape }
            print("BENCH mha-cli \(name) \(shape) \(seconds) s \(size / seconds / 1e6) MB/s")
        }
        // Foundation's JSON, for the record behind JSONParser's design note.
        let path = folder + "/m.json"
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let seconds = try Self.median(runs: runs) {
            _ = try JSONSerialization.jsonObject(with: data) as? [[Double]]
        }
        print("BENCH JSONSerialization m.json (to [[Double]]) \(seconds) s \(Double(data.count) / seconds / 1e6) MB/s")
        let specials = try JSONSerialization.jsonObject(with: Data("[-0.0, 5e-324, 1e308, 0.1]".utf8)) as? [Double] ?? []
        print("BENCH JSONSerialization specials \(specials.map { String($0.bitPattern, radix: 16) })")
        do {
            _ = try JSONSerialization.jsonObject(with: Data("[[1, 2],\n [3, 4,]]".utf8))
            print("BENCH JSONSerialization accepted a trailing comma")
        } catch {
            print("BENCH JSONSerialization error: \(error)")
        }
    }
}
