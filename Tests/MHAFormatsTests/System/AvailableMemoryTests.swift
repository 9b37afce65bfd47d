import Foundation
import Testing

@testable import MHAFormats

/// `AvailableMemory.smallestLimit` over a fake /proc and /sys/fs/cgroup: each limit, alone
/// and together, is read as the kernel writes it.
@Suite("Available memory")
struct AvailableMemoryTests {
    /// A folder laid out like /proc and /sys/fs/cgroup.
    final class FakeSystem {
        let root: URL
        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("mha-memory-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(at: root) }

        func write(_ path: String, _ text: String) throws {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }

        func files(addressSpace: Int? = nil, data: Int? = nil) -> SystemFiles {
            SystemFiles(
                meminfo: root.path + "/proc/meminfo", status: root.path + "/proc/self/status",
                cgroup: root.path + "/proc/self/cgroup", cgroupRoot: root.path + "/sys/fs/cgroup",
                limits: { $0 == .addressSpace ? addressSpace : data })
        }
    }

    static let meminfo = "MemTotal:       24000000 kB\nMemFree:        19000000 kB\nMemAvailable:    1000 kB\n"
    static let status = "Name:\tmha-cli\nVmPeak:\t  300 kB\nVmSize:\t     100 kB\nVmData:\t      50 kB\n"

    @Test("MemAvailable alone")
    func machineOnly() throws {
        let system = try FakeSystem()
        try system.write("proc/meminfo", Self.meminfo)
        let limit = try #require(AvailableMemory.smallestLimit(files: system.files()))
        #expect(limit.bytes == 1_024_000 && limit.source == .machine)
    }

    @Test("RLIMIT_AS and RLIMIT_DATA less VmSize and VmData")
    func resourceLimits() throws {
        let system = try FakeSystem()
        try system.write("proc/meminfo", Self.meminfo)
        try system.write("proc/self/status", Self.status)
        let address = try #require(AvailableMemory.smallestLimit(files: system.files(addressSpace: 500_000)))
        #expect(address.bytes == 500_000 - 102_400 && address.source == .addressSpace)
        let data = try #require(
            AvailableMemory.smallestLimit(files: system.files(addressSpace: 900_000, data: 300_000)))
        #expect(data.bytes == 300_000 - 51_200 && data.source == .dataSegment)
        // Usage beyond the limit leaves nothing, never a negative count.
        let none = try #require(AvailableMemory.smallestLimit(files: system.files(addressSpace: 1000)))
        #expect(none.bytes == 0)
    }

    @Test("cgroup v2: memory.max − memory.current of the cgroup and its ancestors, 'max' skipped")
    func controlGroupV2() throws {
        let system = try FakeSystem()
        try system.write("proc/meminfo", Self.meminfo)
        try system.write("proc/self/cgroup", "0::/user.slice/session-1.scope\n")
        try system.write("sys/fs/cgroup/cgroup.controllers", "cpu memory\n")
        try system.write("sys/fs/cgroup/user.slice/memory.max", "800000\n")
        try system.write("sys/fs/cgroup/user.slice/memory.current", "200000\n")
        try system.write("sys/fs/cgroup/user.slice/session-1.scope/memory.max", "max\n")
        try system.write("sys/fs/cgroup/user.slice/session-1.scope/memory.current", "150000\n")
        let limit = try #require(AvailableMemory.smallestLimit(files: system.files()))
        #expect(limit.bytes == 600_000 && limit.source == .controlGroup)
        try system.write("sys/fs/cgroup/user.slice/session-1.scope/memory.max", "400000\n")
        #expect(AvailableMemory.smallestLimit(files: system.files())?.bytes == 250_000)
    }

    @Test("cgroup v1 (hybrid layout): memory.limit_in_bytes − memory.usage_in_bytes; the unlimited value is skipped")
    func controlGroupV1() throws {
        let system = try FakeSystem()
        try system.write("proc/meminfo", Self.meminfo)
        try system.write("proc/self/cgroup", "5:cpu,cpuacct:/job\n4:memory:/job\n0::/\n")
        try system.write("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n")
        try system.write("sys/fs/cgroup/memory/memory.usage_in_bytes", "7000000\n")
        try system.write("sys/fs/cgroup/memory/job/memory.limit_in_bytes", "700000\n")
        try system.write("sys/fs/cgroup/memory/job/memory.usage_in_bytes", "300000\n")
        let limit = try #require(AvailableMemory.smallestLimit(files: system.files()))
        #expect(limit.bytes == 400_000 && limit.source == .controlGroup)
    }

    @Test("nothing readable: no limit")
    func nothing() throws {
        let system = try FakeSystem()
        #expect(AvailableMemory.smallestLimit(files: system.files()) == nil)
    }

    @Test("the live system gives a positive budget, no larger than MemAvailable")
    func live() throws {
        let bytes = try #require(AvailableMemory.bytes())
        #expect(bytes > 0)
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
            let kib = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        {
            // MemAvailable moves between the two reads: allow 10 %.
            #expect(Double(bytes) <= Double(kib * 1024) * 1.1)
        }
    }
}
