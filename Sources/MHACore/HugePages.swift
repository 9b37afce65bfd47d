#if canImport(Glibc)
import Glibc
#endif

/// Asking the kernel to back a large, fresh buffer with transparent huge pages (2 MiB), as
/// numpy does for its arrays: filling a 16 MiB buffer then takes a handful of page faults
/// instead of four thousand. Only a hint; a no-op where unsupported. Used by the readers'
/// buffers and by `Matrix` for large matrices.
package enum HugePages {
    /// The huge page size on x86-64 and arm64 Linux.
    package static let size = 2 << 20

    /// Advises huge pages for the whole 2 MiB-aligned part of `start ..< start + byteCount`.
    package static func advise(_ start: UnsafeMutableRawPointer, byteCount: Int) {
        #if os(Linux)
        let address = UInt(bitPattern: start)
        let alignedStart = (address + UInt(size - 1)) & ~UInt(size - 1)
        let alignedEnd = (address + UInt(byteCount)) & ~UInt(size - 1)
        guard alignedEnd > alignedStart, let pointer = UnsafeMutableRawPointer(bitPattern: alignedStart) else {
            return
        }
        _ = madvise(pointer, Int(alignedEnd - alignedStart), MADV_HUGEPAGE)
        #endif
    }
}
