// How often does DispatchQueue.concurrentPerform run a two-iteration loop on two threads?
// Each iteration spins for W µs; a loop that used both cores takes W, one that ran both
// iterations on the calling thread 2·W. The engine's parallel loops are of this kind (two
// cores, one cache block each), which is why it keeps its own spinning workers
// (Sources/MHACore/Kernels/WorkerPool.swift, docs/performance.md).
//
//     swiftc -O benchmarks/threads/dispatch_wakeup.swift -o /tmp/dispatch_wakeup && /tmp/dispatch_wakeup
import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

func seconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

@inline(never) func spin(microseconds: Double) {
    let end = seconds() + microseconds * 1e-6
    while seconds() < end {}
}

final class Threads: @unchecked Sendable {
    var ids: [pthread_t?] = [nil, nil]
}

print("work per iteration | loops | on two threads | median loop time / work")
for work in [20.0, 200, 2000] {
    let loops = work >= 2000 ? 200 : 2000
    var both = 0
    var ratios: [Double] = []
    for _ in 0..<loops {
        let threads = Threads()
        let start = seconds()
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            threads.ids[index] = pthread_self()
            spin(microseconds: work)
        }
        ratios.append((seconds() - start) * 1e6 / work)
        if let a = threads.ids[0], let b = threads.ids[1], pthread_equal(a, b) == 0 { both += 1 }
    }
    ratios.sort()
    print("\(Int(work)) µs | \(loops) | \(both * 100 / loops) % | \(Int(ratios[loops / 2] * 100)) %")
}
