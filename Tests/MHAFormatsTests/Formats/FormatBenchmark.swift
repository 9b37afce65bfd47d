import Foundation
import MHACore
import Testing

@testable import MHAFormats

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
        let names =
            Self.environment["MHA_FORMAT_BENCH_FILES"]?.split(separator: ",").map(String.init)
            ?? ["m.csv", "m.json", "m.npy"]
        for name in names {
            let path = folder + "/" + name
            let size = Double(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0)
            var shape = Shape(rows: 0, columns: 0)
            let seconds = try Self.median(runs: runs) { shape = try MatrixReader.read(path: path).shape }
            print("BENCH mha-cli \(name) \(shape) \(seconds) s \(size / seconds / 1e6) MB/s")
        }
        // Foundation's JSON, for the record behind JSONParser's design note.
        guard Self.environment["MHA_FORMAT_BENCH_FOUNDATION"] != "0" else { return }
        let path = folder + "/m.json"
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let seconds = try Self.median(runs: runs) {
            _ = try JSONSerialization.jsonObject(with: data) as? [[Double]]
        }
        print("BENCH JSONSerialization m.json (to [[Double]]) \(seconds) s \(Double(data.count) / seconds / 1e6) MB/s")
        let specials =
            try JSONSerialization.jsonObject(with: Data("[-0.0, 5e-324, 1e308, 0.1]".utf8)) as? [Double] ?? []
        print("BENCH JSONSerialization specials \(specials.map { String($0.bitPattern, radix: 16) })")
        do {
            _ = try JSONSerialization.jsonObject(with: Data("[[1, 2],\n [3, 4,]]".utf8))
            print("BENCH JSONSerialization accepted a trailing comma")
        } catch {
            print("BENCH JSONSerialization error: \(error)")
        }
    }
}

extension FormatBenchmark {
    @Test(.enabled(if: enabled)) func writeThroughput() throws {
        var generator = SplitMix64(seed: 1)
        let m = Matrix<Double>(rows: 512, columns: 1024) { _, _ in Double(generator.next() >> 11) / 0x1p53 - 0.5 }
        var size = 0
        for (label, write) in [
            ("csv round-trip", { CSVWriter.matrix(m, decimals: nil).utf8.count }),
            ("csv %.6f", { CSVWriter.matrix(m, decimals: 6).utf8.count }),
            ("json", { JSONWriter.matrix(m).utf8.count }),
            ("npy", { NPYWriter.data(m).count }),
        ] as [(String, () -> Int)] {
            let seconds = Self.median(runs: 3) { size = write() }
            print("BENCH write \(label) 512×1024 \(seconds) s \(Double(size) / seconds / 1e6) MB/s")
        }
    }
}

extension FormatBenchmark {
    /// Number conversion alone, on every field of the benchmark CSV: the standard library's
    /// `Double(Substring)` (strtod underneath) against `NumberParsing.scan`.
    @Test(.enabled(if: enabled)) func numberConversion() throws {
        let folder = Self.environment["MHA_FORMAT_BENCH_DIR"] ?? "/tmp/mha-formats-bench"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: folder + "/m.csv")))
        bytes.append(0)
        var spans: [Range<Int>] = []
        var start = 0
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\n") {
            spans.append(start..<index)
            start = index + 1
        }
        let text = String(decoding: bytes.dropLast(), as: UTF8.self)
        let utf8 = text.utf8
        let substrings = spans.map { span in
            Substring(
                utf8[
                    utf8.index(
                        utf8.startIndex, offsetBy: span.lowerBound)..<utf8.index(
                            utf8.startIndex, offsetBy: span.upperBound)])
        }
        var sum = 0.0
        let standard = Self.median(runs: 3) {
            for field in substrings { sum += Double(field) ?? 0 }
        }
        let ours = bytes.withUnsafeBufferPointer { buffer in
            Self.median(runs: 3) {
                guard let base = buffer.baseAddress else { return }
                for span in spans {
                    sum +=
                        NumberParsing.scan(base, from: span.lowerBound, limit: span.upperBound, grammar: .csv)?.value
                        ?? 0
                }
            }
        }
        let count = Double(spans.count)
        print(
            "BENCH numbers \(spans.count): Double(Substring) \(standard / count * 1e9) ns each, NumberParsing \(ours / count * 1e9) ns each (checksum \(sum))"
        )
    }
}
