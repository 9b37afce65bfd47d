import Testing

@testable import MHACore

/// `Kernels.firstNonFinite`: the first NaN or ±∞ by index, whatever the block (2048 values)
/// or band (one per core above 2^19 values) it falls in, with a later one present too.
@Suite struct FiniteScanTests {
    static let counts = [1, 2047, 2048, 2049, 4097, (1 << 20) + 5]

    @Test(arguments: counts)
    func findsTheFirstNonFiniteValue(count: Int) {
        check(Double.self, count: count)
        check(Float.self, count: count)
    }

    func check<S: AttentionScalar>(_ type: S.Type, count: Int) {
        for threads in [1, 2] {
            let context = KernelContext(level: .selected, threads: threads)
            var values = [S](repeating: 1, count: count)
            let scan = { (values: [S]) in
                KernelContext.$override.withValue(context) {
                    values.withUnsafeBufferPointer { Kernels.firstNonFinite($0) }
                }
            }
            #expect(scan(values) == nil, "\(S.self) \(count) clean")
            for (first, poison) in [(count - 1, S.nan), (count / 2, S.infinity), (0, -S.infinity)] {
                values[first] = poison
                if first + 1 < count { values[count - 1] = .nan }
                #expect(scan(values) == first, "\(S.self) \(count) \(poison) at \(first), threads \(threads)")
                values = [S](repeating: 1, count: count)
            }
            values[count - 1] = S.greatestFiniteMagnitude
            #expect(scan(values) == nil, "\(S.self) \(count) largest finite")
        }
    }
}
