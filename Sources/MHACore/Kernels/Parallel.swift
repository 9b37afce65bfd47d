import Dispatch

extension Kernels {
    /// Runs `body(0)`, …, `body(count − 1)` on Dispatch's worker threads (inline when
    /// `count ≤ 1` or `threads ≤ 1`) and returns when all have finished. A bound
    /// `KernelContext.override` holds in every iteration.
    ///
    /// The kernels share raw pointers between iterations, which Swift cannot prove safe, so
    /// this is the one place that vouches for it: every caller's iterations write disjoint
    /// memory (their own rows, columns, panels or slots) and only read what no iteration
    /// writes, and nothing outlives the call.
    static func parallelFor(
        _ count: Int, threads: Int = KernelContext.current.threads, _ body: (Int) -> Void
    ) {
        guard count > 1, threads > 1 else {
            for index in 0..<Swift.max(0, count) { body(index) }
            return
        }
        let override = KernelContext.override
        withoutActuallyEscaping(body) { body in
            let shared = DisjointWork(body: body)
            DispatchQueue.concurrentPerform(iterations: count) { index in
                KernelContext.$override.withValue(override) { shared.body(index) }
            }
        }
    }
}

/// An iteration body whose invocations touch disjoint memory (see `Kernels.parallelFor`).
private struct DisjointWork: @unchecked Sendable {
    let body: (Int) -> Void
}
