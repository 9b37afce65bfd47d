import CZlib
import MHACore

/// A raw-deflate stream (a zip member's data) decompressed through the system zlib, into
/// buffers the caller sizes: output never exceeds what the caller asked for, so a member
/// that inflates to more than it declares (a zip bomb) is caught, not expanded.
final class Inflater {
    /// zlib's state; heap-allocated because zlib checks that it never moves.
    private let stream: UnsafeMutablePointer<z_stream>
    /// The compressed bytes not yet consumed.
    private var input: UnsafeRawBufferPointer
    /// Whether zlib has seen the end of the deflate stream.
    private(set) var finished = false

    /// zlib's largest single input or output chunk (its counters are 32-bit).
    private static let chunk = 1 << 30

    /// A stream over `compressed`.
    /// - Throws: a message when zlib cannot start (out of memory).
    init(_ compressed: UnsafeRawBufferPointer) throws(NPYFailure) {
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        input = compressed
        guard inflateInit2_(stream, -MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            stream.deallocate()
            throw NPYFailure("zlib could not start inflating")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    /// Fills `output` completely from the stream.
    /// - Returns: the bytes written, fewer than `output.count` only if the stream ended first.
    /// - Throws: a message for corrupt deflate data.
    func inflate(into output: UnsafeMutableRawBufferPointer) throws(NPYFailure) -> Int {
        var written = 0
        while written < output.count, !finished {
            guard let base = output.baseAddress else { return 0 }
            let inputCount = min(input.count, Self.chunk), outputCount = min(output.count - written, Self.chunk)
            stream.pointee.next_in = UnsafeMutablePointer(
                mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = uInt(inputCount)
            stream.pointee.next_out = (base + written).assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(outputCount)
            let status = CZlib.inflate(stream, Z_NO_FLUSH)
            let consumed = inputCount - Int(stream.pointee.avail_in)
            let produced = outputCount - Int(stream.pointee.avail_out)
            input = UnsafeRawBufferPointer(rebasing: input[consumed...])
            written += produced
            switch status {
            case Z_STREAM_END: finished = true
            case Z_OK: break
            case Z_BUF_ERROR where consumed == 0 && produced == 0:
                throw NPYFailure("the deflated data ends early")
            case Z_BUF_ERROR: break
            default:
                let reason = stream.pointee.msg.map { String(cString: $0) } ?? "error \(status)"
                throw NPYFailure("corrupt deflated data (\(reason))")
            }
        }
        return written
    }

    /// Whether the stream holds more output after what was read (one byte is tried).
    func hasMoreOutput() throws(NPYFailure) -> Bool {
        let byte = UnsafeMutableRawBufferPointer.allocate(byteCount: 1, alignment: 1)
        defer { byte.deallocate() }
        return try inflate(into: byte) > 0
    }

    /// The CRC-32 of `bytes` (zlib's), for checking a member against its directory entry.
    static func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc = CZlib.crc32(0, nil, 0)
        var rest = bytes
        while let base = rest.baseAddress, !rest.isEmpty {
            let count = min(rest.count, chunk)
            crc = CZlib.crc32(crc, base.assumingMemoryBound(to: Bytef.self), uInt(count))
            rest = UnsafeRawBufferPointer(rebasing: rest[count...])
        }
        return UInt32(crc)
    }
}
