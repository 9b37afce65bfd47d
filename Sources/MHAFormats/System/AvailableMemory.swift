import Foundation
import MHACore

/// How much memory this machine can give a run right now.
public enum AvailableMemory {
    /// Bytes available to a new allocation: Linux's `MemAvailable` from /proc/meminfo, or
    /// physical memory when that cannot be read; `nil` when neither is known.
    public static func bytes() -> Int? {
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
           let kib = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) {
            return kib.multipliedReportingOverflow(by: 1024).overflow ? Int.max : kib * 1024
        }
        let physical = ProcessInfo.processInfo.physicalMemory
        return physical > 0 ? Int(clamping: physical) : nil
    }

    /// `bytes` as people read it: `38.4 GiB`, `512.0 MiB`, `12 bytes`.
    public static func describe(_ bytes: Int) -> String { ByteCount.describe(bytes) }
}
