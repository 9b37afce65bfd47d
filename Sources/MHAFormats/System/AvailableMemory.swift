import MHACore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How much memory this process can still allocate right now: the smallest of
///
/// - the machine's `MemAvailable` (/proc/meminfo),
/// - the address-space limit (`RLIMIT_AS`, `ulimit -v`, `prlimit --as`) less the address
///   space in use (`VmSize` in /proc/self/status) and a reserve per thread the kernels use
///   for their malloc arenas and stacks (`SystemFiles.threadReserve`),
/// - the data-segment limit (`RLIMIT_DATA`) less the data in use (`VmData`) and that reserve,
/// - for the process's control group and each of its ancestors, the cgroup v2
///   `memory.max` less `memory.current` (v1: `memory.limit_in_bytes` less
///   `memory.usage_in_bytes`).
///
/// Each is read with a few small system calls (no Foundation file reading), so asking costs
/// tens of microseconds; a limit that is not set costs nothing more than its `getrlimit` or
/// the read that finds `max`.
public enum AvailableMemory {
    /// One of the limits above, for messages and tests.
    public enum Source: String, Sendable, Equatable {
        case machine = "MemAvailable"
        case addressSpace = "RLIMIT_AS"
        case dataSegment = "RLIMIT_DATA"
        case controlGroup = "cgroup memory limit"
    }

    /// Bytes available to a new allocation (the smallest limit); physical memory when no
    /// limit can be read; `nil` when nothing is known.
    public static func bytes() -> Int? {
        if let limit = smallestLimit() { return limit.bytes }
        let physical = ProcessEnvironment.physicalMemory()
        return physical > 0 ? Int(clamping: physical) : nil
    }

    /// The smallest limit that applies, with its source; nil when none can be read.
    public static func smallestLimit(files: SystemFiles = .live) -> (bytes: Int, source: Source)? {
        var best: (bytes: Int, source: Source)?
        func consider(_ bytes: Int?, _ source: Source) {
            guard let bytes else { return }
            let clamped = Swift.max(0, bytes)
            if best.map({ clamped < $0.bytes }) ?? true { best = (clamped, source) }
        }
        consider(files.kibibytes(in: files.read(files.meminfo), field: "MemAvailable:"), .machine)
        let asLimit = files.resourceLimit(.addressSpace)
        let dataLimit = files.resourceLimit(.dataSegment)
        if asLimit != nil || dataLimit != nil {
            let status = files.read(files.status)
            if let asLimit, let used = files.kibibytes(in: status, field: "VmSize:") {
                consider(asLimit - used - files.threadReserve, .addressSpace)
            }
            if let dataLimit, let used = files.kibibytes(in: status, field: "VmData:") {
                consider(dataLimit - used - files.threadReserve, .dataSegment)
            }
        }
        consider(files.controlGroupHeadroom(), .controlGroup)
        return best
    }

    /// Requests below this many bytes are not checked: asking costs a few system calls, and
    /// the slack of any usable process covers them (the engine's `MemoryEstimate.uncheckedBytes`).
    public static let uncheckedBytes = MemoryEstimate.uncheckedBytes

    /// Sets `configuration`'s memory limit to the budget now, leaving passes under
    /// `uncheckedBytes` unchecked as every other request is.
    public static func limit(_ configuration: inout AttentionConfiguration) {
        configuration.memoryLimit = bytes()
        configuration.uncheckedMemory = uncheckedBytes
    }

    /// The bytes available when `needed` exceeds them (a refusal is due), else nil.
    public static func shortfall(_ needed: Int) -> Int? {
        guard needed >= uncheckedBytes, let available = bytes(), needed > available else { return nil }
        return available
    }

    /// `bytes` as people read it: `38.4 GiB`, `512.0 MiB`, `12 bytes`.
    public static func describe(_ bytes: Int) -> String { ByteCount.describe(bytes) }
}

/// Where `AvailableMemory` reads from: the live system, or (in tests) a folder laid out like it.
public struct SystemFiles: Sendable {
    /// The two process resource limits that bound allocation.
    public enum Resource: Sendable { case addressSpace, dataSegment }

    /// /proc/meminfo.
    public var meminfo: String
    /// /proc/self/status.
    public var status: String
    /// /proc/self/cgroup.
    public var cgroup: String
    /// The cgroup file system's mount point (/sys/fs/cgroup).
    public var cgroupRoot: String
    /// The soft limits of `RLIMIT_AS` and `RLIMIT_DATA` in bytes (nil: unlimited); the live
    /// system asks `getrlimit`.
    public var limits: @Sendable (Resource) -> Int?
    /// Bytes of the address-space and data limits kept back for what the process maps
    /// without asking: each worker thread's malloc arena (64 MiB reserved) and stack (8 MiB).
    public var threadReserve: Int

    /// Bytes kept back per thread the kernels use: a 64 MiB malloc arena and an 8 MiB stack.
    public static let reservePerThread = 72 << 20

    /// The stack glibc maps for each thread Dispatch starts: 8 MiB and a 4 KiB guard page
    /// (`strace -f` of a two-thread run: `mmap(NULL, 8392704, …, MAP_STACK)` per `clone3`).
    public static let threadStack = (8 << 20) + 4096

    /// What a process whose kernels spread work over `threads` threads maps without asking:
    /// nothing on one thread (the kernels run on the calling thread and no thread is ever
    /// started); otherwise `reservePerThread` for each worker and the stack of the one more
    /// thread Dispatch starts to manage its pool (`strace -f` of a two-thread run shows three
    /// `clone3` calls, two 64 MiB arenas and three 8 MiB stacks: 152 MiB, where 144 MiB
    /// were kept back and a run admitted by 8 MiB or less failed to allocate).
    public static func threadReserve(threads: Int) -> Int {
        threads > 1 ? reservePerThread * threads + threadStack : 0
    }

    /// The running system: `threadReserve(threads:)` kept back for the threads the kernels
    /// spread a large pass over (`Kernels.threadCount`: `MHA_THREADS`, else the processors
    /// this process may run on). Requests under `AvailableMemory.uncheckedBytes`, too small
    /// to start them, are not checked at all.
    public static let live = SystemFiles(
        meminfo: "/proc/meminfo", status: "/proc/self/status", cgroup: "/proc/self/cgroup",
        cgroupRoot: "/sys/fs/cgroup", limits: { SystemFiles.getResourceLimit($0) },
        threadReserve: threadReserve(threads: Kernels.threadCount))

    /// Files under `root` (proc/meminfo, proc/self/status, proc/self/cgroup, sys/fs/cgroup)
    /// and the given limits: for tests.
    public init(
        meminfo: String, status: String, cgroup: String, cgroupRoot: String,
        limits: @escaping @Sendable (Resource) -> Int?, threadReserve: Int = 0
    ) {
        (self.meminfo, self.status, self.cgroup, self.cgroupRoot) = (meminfo, status, cgroup, cgroupRoot)
        self.limits = limits
        self.threadReserve = threadReserve
    }

    /// The soft limit of `resource`, or nil when unlimited.
    func resourceLimit(_ resource: Resource) -> Int? { limits(resource) }

    /// `getrlimit` for `resource`.
    static func getResourceLimit(_ resource: Resource) -> Int? {
        var limit = rlimit()
        #if canImport(Glibc)
        let which = __rlimit_resource_t(resource == .addressSpace ? RLIMIT_AS.rawValue : RLIMIT_DATA.rawValue)
        #else
        let which = resource == .addressSpace ? RLIMIT_AS : RLIMIT_DATA
        #endif
        guard getrlimit(which, &limit) == 0, limit.rlim_cur != rlim_t.max,
            limit.rlim_cur < rlim_t(Int.max)
        else { return nil }
        return Int(limit.rlim_cur)
    }

    /// The headroom of the tightest memory limit among the process's cgroup and its
    /// ancestors; nil without a limit.
    func controlGroupHeadroom() -> Int? {
        guard let membership = read(cgroup) else { return nil }
        var best: Int?
        for line in membership.split(separator: UInt8(ascii: "\n")) {
            // `0::/path` (v2) or `4:memory:/path` (v1; also `4:cpu,memory:/path`).
            let parts = line.split(separator: UInt8(ascii: ":"), maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let controllers = parts[1].split(separator: UInt8(ascii: ","))
            let path = String(decoding: parts[2], as: UTF8.self)
            let headroom: Int?
            if parts[0].elementsEqual("0".utf8) && parts[1].isEmpty {
                let mount =
                    FilePaths.exists(cgroupRoot + "/cgroup.controllers")
                    ? cgroupRoot : cgroupRoot + "/unified"
                headroom = tightest(mount, path, limit: "memory.max", usage: "memory.current")
            } else if controllers.contains(where: { $0.elementsEqual("memory".utf8) }) {
                headroom = tightest(
                    cgroupRoot + "/memory", path, limit: "memory.limit_in_bytes",
                    usage: "memory.usage_in_bytes")
            } else {
                continue
            }
            if let headroom, best.map({ headroom < $0 }) ?? true { best = headroom }
        }
        return best
    }

    /// min over `path` and its ancestors under `mount` of limit − usage (levels without a
    /// limit, or whose files are absent, are skipped).
    private func tightest(_ mount: String, _ path: String, limit: String, usage: String) -> Int? {
        var best: Int?
        var components = path.split(separator: "/").map(String.init)
        while true {
            let folder = ([mount] + components).joined(separator: "/")
            if let bound = number(read(folder + "/" + limit)), bound < Int.max / 2,
                let used = number(read(folder + "/" + usage))
            {
                let headroom = bound - used
                if best.map({ headroom < $0 }) ?? true { best = headroom }
            }
            if components.isEmpty { return best }
            components.removeLast()
        }
    }

    /// The decimal integer a cgroup file holds; nil for `max` or anything else.
    private func number(_ bytes: [UInt8]?) -> Int? {
        guard let bytes else { return nil }
        let digits = bytes.prefix { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: " ") }
        guard !digits.isEmpty, digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return Int(String(decoding: digits, as: UTF8.self))
    }

    /// A `Field:   1234 kB` value of /proc/meminfo or /proc/self/status, in bytes.
    func kibibytes(in bytes: [UInt8]?, field: String) -> Int? {
        guard let bytes else { return nil }
        let key = Array(field.utf8)
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            if bytes[start..<end].starts(with: key) {
                var value = 0
                for byte in bytes[(start + key.count)..<end] where (0x30...0x39).contains(byte) {
                    let (shifted, o1) = value.multipliedReportingOverflow(by: 10)
                    let (sum, o2) = shifted.addingReportingOverflow(Int(byte - 0x30))
                    guard !o1, !o2 else { return Int.max }
                    value = sum
                }
                let (bytesValue, overflow) = value.multipliedReportingOverflow(by: 1024)
                return overflow ? Int.max : bytesValue
            }
            start = end + 1
        }
        return nil
    }

    /// The first 16 KiB of a small file (proc and cgroup files), by plain system calls;
    /// nil if it cannot be opened.
    func read(_ path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        let capacity = 16 * 1024
        return [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            guard let base = buffer.baseAddress else { return }
            var count = 0
            while count < capacity {
                #if canImport(Glibc)
                let got = Glibc.read(descriptor, base + count, capacity - count)
                #else
                let got = Darwin.read(descriptor, base + count, capacity - count)
                #endif
                if got < 0 && errno == EINTR { continue }
                if got <= 0 { break }
                count += got
            }
            initialized = count
        }
    }
}
