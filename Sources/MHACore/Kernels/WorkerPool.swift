import CMHAKernels
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Persistent worker threads that wait for the next parallel loop by spinning for a while
/// before they sleep, so that the many short loops of one forward pass (two per cache block
/// of every product, one per finite scan, one for the heads) start on every core at once.
///
/// Why not Dispatch: on the machine measured (a 2-core KVM guest), `concurrentPerform` with
/// two iterations of 200 µs ran both on the calling thread in 74 % of calls, and of 2 ms in
/// 89 %: its idle worker, asleep in the kernel, was woken too late to take the second
/// iteration (docs/performance.md). A worker that is still spinning takes it within a
/// microsecond; after `spinNanoseconds` without work it sleeps on a condition variable and
/// the next loop wakes it.
///
/// One loop runs at a time: a loop started while another is running (a nested one, or one
/// from another thread) runs on its own thread, iteration by iteration — the results are the
/// same either way, since every iteration writes its own memory.
final class WorkerPool: @unchecked Sendable {
    /// The pool of the process: one worker fewer than `Kernels.threadCount` (the calling
    /// thread is the other participant).
    static let shared = WorkerPool(workers: Kernels.threadCount - 1)

    /// How long a worker polls for the next loop before it goes to sleep, in nanoseconds:
    /// longer than the gaps between the loops of one pass (microseconds), short enough that
    /// an idle process does not hold a core for long.
    static let spinNanoseconds = 5_000_000

    /// The loop being run: set by the caller before it opens the loop, read by workers only
    /// while they are counted in `active` and the loop is open.
    private struct Loop {
        let body: (Int) -> Void
        let count: Int
        let participants: Int
        let override: KernelContext?
    }

    private let workers: Int
    /// 2·(loop number) + 1 while a loop is open, 2·(loop number) once it is closed.
    private let state = Atomic<Int>(0)
    private let nextIteration = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    /// Workers inside the open loop (they may still read `loop`).
    private let active = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let running = Atomic<Bool>(false)
    private nonisolated(unsafe) var loop: Loop?
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wakeUp = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    private init(workers: Int) {
        self.workers = Swift.max(0, workers)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wakeUp, nil)
        for index in 0..<self.workers { start(worker: index) }
    }

    /// Runs `body(0)`, …, `body(count − 1)` on the calling thread and up to `threads − 1`
    /// workers; returns when every iteration has finished.
    func run(_ count: Int, threads: Int, override: KernelContext?, _ body: @escaping (Int) -> Void) {
        let participants = Swift.min(threads, workers + 1, count)
        guard participants > 1, running.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        else {
            for index in 0..<count { body(index) }
            return
        }
        loop = Loop(body: body, count: count, participants: participants, override: override)
        nextIteration.store(0, ordering: .sequentiallyConsistent)
        finished.store(0, ordering: .sequentiallyConsistent)
        let opened = state.load(ordering: .relaxed) + 1
        state.store(opened, ordering: .sequentiallyConsistent)
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            pthread_mutex_lock(mutex)
            pthread_cond_broadcast(wakeUp)
            pthread_mutex_unlock(mutex)
        }
        work(body, count: count)
        var polls = 0
        while finished.load(ordering: .acquiring) < count { wait(&polls) }
        state.store(opened + 1, ordering: .sequentiallyConsistent)
        while active.load(ordering: .sequentiallyConsistent) > 0 { wait(&polls) }
        loop = nil
        running.store(false, ordering: .releasing)
    }

    /// Takes iterations of the open loop until none is left.
    private func work(_ body: (Int) -> Void, count: Int) {
        while true {
            let index = nextIteration.wrappingAdd(1, ordering: .relaxed).oldValue
            guard index < count else { return }
            body(index)
            finished.wrappingAdd(1, ordering: .releasing)
        }
    }

    /// A poll of a spin-wait: the processor's pause hint, and a yield now and then so that an
    /// oversubscribed machine can run the thread being waited for.
    private func wait(_ polls: inout Int) {
        polls += 1
        if polls % 1024 == 0 { sched_yield() } else { mha_cpu_relax() }
    }

    /// Worker `index`'s loop: wait for an open loop it may join, run iterations, repeat.
    private func serve(worker index: Int) {
        var seen = 0
        while true {
            let opened = waitForLoop(after: seen)
            seen = opened
            active.wrappingAdd(1, ordering: .sequentiallyConsistent)
            if state.load(ordering: .sequentiallyConsistent) == opened, let loop, index + 1 < loop.participants {
                KernelContext.$override.withValue(loop.override) { work(loop.body, count: loop.count) }
            }
            active.wrappingSubtract(1, ordering: .sequentiallyConsistent)
        }
    }

    /// Spins, then sleeps, until a loop other than `seen` is open; returns its state value.
    private func waitForLoop(after seen: Int) -> Int {
        var polls = 0
        let deadline = Self.nanoseconds() + Self.spinNanoseconds
        while polls % 1024 != 0 || Self.nanoseconds() < deadline {
            let current = state.load(ordering: .sequentiallyConsistent)
            if current != seen, current & 1 == 1 { return current }
            wait(&polls)
        }
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        sleepers.wrappingAdd(1, ordering: .sequentiallyConsistent)
        defer { sleepers.wrappingSubtract(1, ordering: .sequentiallyConsistent) }
        while true {
            let current = state.load(ordering: .sequentiallyConsistent)
            if current != seen, current & 1 == 1 { return current }
            pthread_cond_wait(wakeUp, mutex)
        }
    }

    /// The monotonic clock.
    private static func nanoseconds() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return now.tv_sec * 1_000_000_000 + now.tv_nsec
    }

    private func start(worker index: Int) {
        let context = Unmanaged.passRetained(WorkerStart(pool: self, index: index)).toOpaque()
        var thread = pthread_t()
        let started = pthread_create(&thread, nil, workerEntry, context)
        guard started == 0 else {
            Unmanaged<WorkerStart>.fromOpaque(context).release()
            return
        }
        pthread_detach(thread)
    }

    fileprivate static func enter(_ start: WorkerStart) { start.pool.serve(worker: start.index) }
}

/// What a new worker thread needs to know.
private final class WorkerStart {
    let pool: WorkerPool
    let index: Int
    init(pool: WorkerPool, index: Int) {
        self.pool = pool
        self.index = index
    }
}

#if canImport(Darwin)
private func workerEntry(_ context: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
    WorkerPool.enter(Unmanaged<WorkerStart>.fromOpaque(context).takeRetainedValue())
    return nil
}
#else
private func workerEntry(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    guard let context else { return nil }
    WorkerPool.enter(Unmanaged<WorkerStart>.fromOpaque(context).takeRetainedValue())
    return nil
}
#endif
