#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import MHACore
import MHAFormats

/// libFuzzer entry point for `decode`'s input: the bytes after the first are written into a
/// pipe and read back by `RowStream`, the reader `decode` runs on its stdin (blank lines,
/// `#` comments, a header line, CSV or TSV decided by the first data line, rows of one width),
/// block by block as `DecodeSession` reads them; each block is then decoded by an
/// `AttentionCache` (identity weights, one head, d_model the rows' width when it is at most
/// 16), as `decode --weights identity` would.
///
/// The first byte chooses how the session reads: bits 0–1 the most rows per block (1–4),
/// bit 2 whether d_model is known before the first row (as with weight files: 1 + bits 3–5)
/// or taken from the first row (as with `--weights`).
///
/// Any rows, the end of the input, a `FormatError` of category `.data` or the decoder's data
/// errors (a non-finite value, an overflow) with one-line messages are acceptable; anything
/// else traps.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecode(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = FuzzInput.bytes(data, size)
    guard let mode = bytes.first else { return 0 }
    let maxRows = Int(mode & 3) + 1
    let knownWidth = mode & 4 != 0 ? Int(mode >> 3 & 7) + 1 : nil
    // The pipe holds 64 KiB; -max_len keeps inputs well below, so the write never blocks.
    let input = Array(bytes.dropFirst().prefix(60_000))
    var ends: [Int32] = [0, 0]
    guard pipe(&ends) == 0 else { fatalError("pipe: \(errno)") }
    var written = 0
    while written < input.count {
        let count = input[written...].withUnsafeBytes { write(ends[1], $0.baseAddress, $0.count) }
        guard count > 0 else { fatalError("write: \(errno)") }
        written += count
    }
    close(ends[1])
    defer { close(ends[0]) }
    let stream = RowStream(descriptor: ends[0], name: "<stdin>", width: knownWidth)
    var decoder: AttentionCache<Double>?
    do {
        while case let .rows(rows, _) = try stream.next(maxRows: maxRows) {
            if rows.rows < 1 || rows.rows > maxRows { fatalError("a block of \(rows.rows) rows, at most \(maxRows)") }
            if let knownWidth, rows.columns != knownWidth { fatalError("rows of \(rows.columns), d_model \(knownWidth)") }
            guard rows.columns <= 16 else { continue }
            if decoder == nil { decoder = try identityDecoder(modelDim: rows.columns) }
            try decodeBlock(rows, with: &decoder)
        }
    } catch let error as FormatError {
        FuzzInput.check(error)
    } catch {
        fatalError("untyped error: \(error)")
    }
    return 0
}

/// A one-head decoder with identity weights of width `modelDim`.
private func identityDecoder(modelDim d: Int) throws -> AttentionCache<Double> {
    let identity = Matrix<Double>(rows: d, columns: d) { i, j in i == j ? 1 : 0 }
    let parameters = AttentionParameters(wq: identity, wk: identity, wv: identity, wo: identity)
    return try AttentionCache(parameters: parameters, configuration: AttentionConfiguration(heads: 1))
}

/// Appends `rows`: output rows of the block's size, or a data error (the cache unchanged).
private func decodeBlock(_ rows: Matrix<Double>, with decoder: inout AttentionCache<Double>?) throws {
    guard var cache = decoder else { return }
    let before = cache.nextPosition
    do {
        let step = try cache.append(rows)
        if step.output.rows != rows.rows || step.positions != before..<before + rows.rows {
            fatalError("\(rows.rows) rows gave \(step.output.rows) outputs at \(step.positions)")
        }
    } catch let error as any MHAError {
        FuzzInput.check(error)
        if cache.nextPosition != before { fatalError("a refused block changed the cache") }
    }
    decoder = cache
}
