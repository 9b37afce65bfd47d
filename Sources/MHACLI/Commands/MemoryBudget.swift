import Foundation
import MHACore

/// Refuses a request whose memory would exceed this machine's, before allocating it.
struct MemoryBudget: MHAError, Equatable {
    /// What the memory was for.
    let what: String
    /// Bytes needed.
    let needed: Double
    /// Bytes of physical memory.
    let available: Double

    /// Always `.data` (DESIGN §3: a problem too large for this machine's memory).
    var category: ErrorCategory { .data }

    var description: String {
        "\(what) needs about \(Self.gibibytes(needed)) of memory but this machine has \(Self.gibibytes(available))"
    }

    /// Throws if `values` × `bytesPerValue` exceeds physical memory (`values` nil: overflowed).
    static func check(values: Int?, bytesPerValue: Int, what: String) throws(MemoryBudget) {
        let available = Double(ProcessInfo.processInfo.physicalMemory)
        let needed = Double(values ?? Int.max) * Double(bytesPerValue)
        if needed > available { throw MemoryBudget(what: what, needed: needed, available: available) }
    }

    /// `12.0 GiB`.
    static func gibibytes(_ bytes: Double) -> String {
        String(format: "%.1f GiB", bytes / 1_073_741_824)
    }
}
