import MHACore
import MHAFormats

/// Refuses a request whose memory would exceed what this process can still allocate (the
/// smallest of the machine's, the process limits' and the cgroup's headroom:
/// `AvailableMemory`), before allocating it.
struct MemoryBudget: MHAError, Equatable {
    /// What the memory was for.
    let what: String
    /// Bytes needed (`Int.max` when the count overflowed).
    let needed: Int
    /// Bytes available.
    let available: Int

    /// Always `.data` (docs/contract.md: a problem too large for this machine's memory).
    var category: ErrorCategory { .data }

    var description: String {
        "\(what) needs \(AvailableMemory.describe(needed)); \(AvailableMemory.describe(available)) available"
    }

    /// Throws if `values` × `bytesPerValue` exceeds the available memory (`values` nil:
    /// the count overflowed).
    static func check(values: Int?, bytesPerValue: Int, what: String) throws(MemoryBudget) {
        let (needed, overflow) = (values ?? Int.max).multipliedReportingOverflow(by: bytesPerValue)
        let bytes = overflow ? Int.max : needed
        // Small requests (the common one-off run) do not read the limits at all.
        if let available = AvailableMemory.shortfall(bytes) {
            throw MemoryBudget(what: what, needed: bytes, available: available)
        }
    }
}
