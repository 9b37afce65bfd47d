import Synchronization
import Testing

@testable import MHACore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `Kernels.parallelFor` on the spinning `WorkerPool`: every iteration runs exactly once,
/// whoever calls, however often, nested or not, after the workers went to sleep, and with the
/// caller's `KernelContext.override` in force.
@Suite struct WorkerPoolTests {
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

    @Test func nestedLoopsRunInline() {
        let total = Atomic<Int>(0)
        Kernels.parallelFor(4, threads: 2) { _ in
            Kernels.parallelFor(8, threads: 2) { inner in total.wrappingAdd(inner, ordering: .relaxed) }
        }
        #expect(total.load(ordering: .relaxed) == 4 * 28)
    }

    /// After longer than the workers spin, a loop still runs every iteration (the sleeping
    /// worker is woken, or the caller does it all).
    @Test func loopsAfterTheWorkersSleep() {
        for _ in 0..<3 {
            usleep(UInt32(WorkerPool.spinNanoseconds / 1000 * 2))
            #expect(runs(9) == [Int](repeating: 1, count: 9))
        }
    }

    /// With two processors, a worker takes part: in loops of eight 1 ms iterations, some
    /// iteration runs on a thread other than the caller's.
    @Test(.enabled(if: Kernels.threadCount > 1, "one processor: no worker to take part"))
    func aWorkerTakesPart() {
        let caller = pthread_self()
        let elsewhere = Atomic<Int>(0)
        for _ in 0..<20 where elsewhere.load(ordering: .relaxed) == 0 {
            Kernels.parallelFor(8, threads: 2) { _ in
                if pthread_equal(pthread_self(), caller) == 0 { elsewhere.wrappingAdd(1, ordering: .relaxed) }
                usleep(1000)
            }
        }
        #expect(elsewhere.load(ordering: .relaxed) > 0)
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
