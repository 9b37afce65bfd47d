extension Kernels {
    /// Runs `body(0)`, …, `body(count − 1)` on the calling thread and the `WorkerPool`'s
    /// threads (inline when `count ≤ 1` or `threads ≤ 1`, and for a loop started inside
    /// another) and returns when all have finished. A bound `KernelContext.override` holds
    /// in every iteration.
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
        withoutActuallyEscaping(body) { body in
            WorkerPool.shared.run(count, threads: threads, override: KernelContext.override, body)
        }
    }
}
