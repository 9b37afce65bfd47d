import CMHAKernels

/// Where the kernels run: which instruction-set level and on how many threads.
///
/// The engine uses `current`: `standard`, unless a caller (a test checking every level and
/// thread count against the reference) binds `override` around its work. Results do not
/// depend on `threads`: every output element is computed by the same operations in the same
/// order however the work is split.
struct KernelContext: Sendable {
    /// The micro-kernels' instruction set.
    var level: CPULevel
    /// The most threads one kernel call spreads its work over (≥ 1).
    var threads: Int

    /// `CPULevel.selected` on `Kernels.threadCount` threads.
    static let standard = KernelContext(level: .selected, threads: Kernels.threadCount)

    /// A context for the work run inside `KernelContext.$override.withValue(…) { … }`, on
    /// this thread and (through `Kernels.parallelFor`) on the threads it fans out to.
    @TaskLocal static var override: KernelContext?

    /// `override` if bound, else `standard`.
    static var current: KernelContext { override ?? standard }
}

extension Kernels {
    /// The threads the engine may use: the environment variable `MHA_THREADS` when it is a
    /// positive integer, otherwise the processors this process may run on.
    public static let threadCount = Swift.max(1, Int(mha_cpu_thread_count()))

    /// The instruction-set level the kernels use (`CPULevel.selected`).
    public static var cpuLevel: CPULevel { .selected }
}
