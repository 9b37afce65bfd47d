import Synchronization
import Testing

@testable import MHACore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `Kernels.parallelFor`: every iteration runs exactly once, whoever calls, however often,
/// nested or not, and with the caller's `KernelContext.override` in force.
@Suite struct ParallelForTests {
    /// Runs a loop of `count` iterations and returns how often each index ran.
    func runs(_ count: Int, threads: Int = 2) -> [Int] {
        let counters = UnsafeMutablePointer<Atomic<Int>>.allocate(capacity: count)
        for i in 0..<count { (counters + i).initialize(to: Atomic(0)) }
        defer { counters.deallocate() }
        Kernels.parallelFor(count, threads: threads) { index in
            counters[index].wrappingAdd(1, ordering: .relaxed)
        }
        return (0..<count).map { counters[$0].load(ordering: .relaxed) }
    }

    @Test func everyIterationRunsOnceInThousandsOfLoops() {
        for round in 0..<5000 {
            let count = round % 17
            #expect(runs(count) == [Int](repeating: 1, count: count), "loop \(round) of \(count)")
        }
    }

    @Test func concurrentCallersEachGetTheirOwnIterations() async {
        await withTaskGroup(of: Bool.self) { group in
            for caller in 0..<4 {
                group.addTask {
                    (0..<1000).allSatisfy { round in
                        let count = (round + caller) % 13 + 2
                        return runs(count) == [Int](repeating: 1, count: count)
                    }
                }
            }
            for await ok in group { #expect(ok) }
        }
    }

    @Test func nestedLoopsRunEveryIteration() {
        let total = Atomic<Int>(0)
        Kernels.parallelFor(4, threads: 2) { _ in
            Kernels.parallelFor(8, threads: 2) { inner in total.wrappingAdd(inner, ordering: .relaxed) }
        }
        #expect(total.load(ordering: .relaxed) == 4 * 28)
    }

    @Test func theCallersContextHoldsInEveryIteration() {
        let baseline = KernelContext(level: .baseline, threads: 2)
        let wrong = Atomic<Int>(0)
        KernelContext.$override.withValue(baseline) {
            Kernels.parallelFor(64) { _ in
                if KernelContext.current.level != .baseline { wrong.wrappingAdd(1, ordering: .relaxed) }
            }
        }
        #expect(wrong.load(ordering: .relaxed) == 0)
    }
}
