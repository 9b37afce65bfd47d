#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A 64-byte-aligned scratch buffer for packed panels (one cache line, one zmm register).
///
/// Buffers of `directMappingBytes` or more are mapped straight from the kernel and unmapped
/// on `free()`, so their pages leave the process at once. Through malloc, freeing such a
/// block raises glibc's dynamic mmap threshold, after which later blocks of that size stay
/// resident in the heap arenas: a 16384-token forward pass peaked ~70 MB higher that way.
struct PackingBuffer<S> {
    /// First element.
    let base: UnsafeMutablePointer<S>
    /// Size of the mapping, or 0 when the memory came from malloc.
    private let mappedBytes: Int

    /// Sizes from which a buffer is mapped directly rather than taken from malloc.
    static var directMappingBytes: Int { 4 << 20 }

    /// Allocates room for `count` elements (at least one), uninitialised.
    init(count: Int) {
        let bytes = Swift.max(1, count) * MemoryLayout<S>.stride
        if bytes >= Self.directMappingBytes, let mapped = Self.map(bytes) {
            base = mapped.bindMemory(to: S.self, capacity: Swift.max(1, count))
            mappedBytes = bytes
        } else {
            base = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
                .bindMemory(to: S.self, capacity: Swift.max(1, count))
            mappedBytes = 0
        }
    }

    /// Releases the memory.
    func free() {
        #if canImport(Glibc) || canImport(Darwin)
        if mappedBytes > 0 {
            munmap(UnsafeMutableRawPointer(base), mappedBytes)
            return
        }
        #endif
        UnsafeMutableRawPointer(base).deallocate()
    }

    /// Anonymous private pages (page-aligned), or nil if the system refuses.
    private static func map(_ bytes: Int) -> UnsafeMutableRawPointer? {
        #if canImport(Glibc) || canImport(Darwin)
        let pointer = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let pointer, pointer != MAP_FAILED else { return nil }
        return pointer
        #else
        return nil
        #endif
    }
}
