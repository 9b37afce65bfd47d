#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's environment through the C library, so that the executable needs no
/// Foundation (whose start-up costs about 1 ms and whose code weighs about 7 MB).
public enum ProcessEnvironment {
    /// Every environment variable, as Foundation's `ProcessInfo.processInfo.environment`
    /// gives them: each `NAME=value` of `environ` split at its first `=`; for a name given
    /// twice, the first (the one `getenv` returns).
    public static func variables() -> [String: String] {
        var result: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "=") {
                let name = String(text[..<equals])
                if result[name] == nil { result[name] = String(text[text.index(after: equals)...]) }
            }
            entry += 1
        }
        return result
    }

    /// The value of the environment variable `name`, or nil when it is not set.
    public static func variable(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// The machine's physical memory in bytes (`sysconf`), or 0 when unknown.
    public static func physicalMemory() -> Int {
        #if canImport(Darwin)
        var bytes: UInt64 = 0
        var size = MemoryLayout<UInt64>.size
        guard sysctlbyname("hw.memsize", &bytes, &size, nil, 0) == 0 else { return 0 }
        return Int(clamping: bytes)
        #else
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), pageSize = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, pageSize > 0 else { return 0 }
        return pages.multipliedReportingOverflow(by: pageSize).overflow ? Int.max : pages * pageSize
        #endif
    }
}
