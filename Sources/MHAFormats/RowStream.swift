import MHACore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Rows of numbers read from a file descriptor one line at a time, as they arrive: CSV or
/// TSV with one matrix row per line (blank lines and `#` comments skipped, a first line of
/// labels taken as a header, as `CSVReader` decides).
///
/// `next` waits for one complete line, then also takes every further complete line that is
/// already waiting (checked with `poll`, without blocking), so a file is read in large
/// blocks while a line written alone into a pipe is returned at once.
///
/// A line is bounded (`lineLimit`): one longer than any row of d_model numbers can be is
/// refused as soon as that many bytes have arrived without a newline, so a stream that never
/// ends its line cannot grow the buffer without bound; each byte is scanned for the newline
/// once, and a signal is noticed after every read, also while the line keeps arriving.
public final class RowStream {
    /// What `next` found.
    public enum Next: Equatable {
        /// Rows of numbers (b × width), the first on line `firstLine` (1-based; later rows
        /// may be further down when blank or comment lines lie between).
        case rows(Matrix<Double>, firstLine: Int)
        /// The input ended.
        case end
        /// A signal interrupted the wait (`read` returned EINTR) and `interrupted()` says so.
        case interrupted
    }

    private let descriptor: Int32
    /// The input's name for messages (`<stdin>` for standard input).
    public let name: String
    /// `,` or a tab; nil until the first data line decides (a tab and no comma: TSV).
    private var separator: UInt8?
    /// The number of values per row: set by the first row, or given (d_model).
    public private(set) var width: Int?
    /// Bytes read but not yet split into lines; `lineStart` is where the next line begins.
    private var buffer: [UInt8] = []
    private var lineStart = 0
    /// `buffer[lineStart..<scanned]` holds no newline: the search resumes at `scanned`.
    private var scanned = 0
    /// Whether the stream's first bytes were checked for a binary file's signature.
    private var signatureChecked = false
    private var ended = false
    /// 1-based number of the next line to split off.
    private var lineNumber = 1
    /// A first data line that did not parse alone: a header, if the next line says so.
    private var pendingHeader: (bytes: [UInt8], line: Int)?
    private var sawData = false
    /// An error found after good rows of the same block: thrown by the next call, once those
    /// rows have been returned (and decoded).
    private var deferredError: FormatError?
    /// Asked when `read` is interrupted by a signal: true ends the wait.
    private let interrupted: () -> Bool
    /// Rows are computed in float32 (`--float`): a value beyond its range is refused (located),
    /// and the first line whose nonzero values it rounds to 0 is noted.
    public var singlePrecision = false
    /// The first line holding nonzero values that float32 rounds to 0, how many it holds, and
    /// the first of them as the line writes it (its column, its text, its place in the line
    /// from 1).
    public private(set) var firstRoundedToZero:
        (line: Int, count: Int, first: (column: Int, written: String, value: Int)?)?
    /// The warning for the first number nonzero as written that float64 reads as 0
    /// (`<stdin>:4:3: 1e-400 is below float64's smallest subnormal …`), nil until one is read.
    public private(set) var firstFlushedToZero: String?

    /// A stream over `descriptor` (not closed by the stream).
    /// - Parameters:
    ///   - separator: `,`, a tab, or nil to decide from the first data line.
    ///   - width: the required number of values per row, or nil to take the first row's.
    ///   - interrupted: asked after a signal interrupts a read; true makes `next` return
    ///     `.interrupted`.
    public init(
        descriptor: Int32, name: String, separator: UInt8? = nil, width: Int? = nil,
        interrupted: @escaping () -> Bool = { false }
    ) {
        self.descriptor = descriptor
        self.name = name
        self.separator = separator
        self.width = width
        self.interrupted = interrupted
    }

    /// Where a required width came from (`the cache c.npz`), for the message of a row of
    /// another width; nil when it is the layer's own.
    private var widthSource: String?

    /// Sets the required width (d_model) once it is known; `source` names where it came from
    /// when that is not the weights (a saved cache).
    public func require(width: Int, from source: String? = nil) {
        self.width = width
        widthSource = source
    }

    /// Bytes a value may take in a line (digits, sign, exponent, spaces, quotes), generously.
    public static let bytesPerValue = 64
    /// The widest row assumed before d_model is known (the first line of a run whose weights
    /// are all filled): 2^16 values, far beyond any model's d_model.
    public static let widestUnknownRow = 1 << 16
    /// The shortest bound on a line, whatever the width (comments and headers fit in it).
    public static let shortestLineLimit = 1 << 16

    /// The most bytes a line of `width` values may hold (`widestUnknownRow` values when the
    /// width is not known yet): 64 bytes a value plus 1 KiB, at least 64 KiB.
    public static func lineLimit(width: Int?) -> Int {
        let values = min(max(width ?? widestUnknownRow, 1), 1 << 40)
        return max(shortestLineLimit, values * bytesPerValue + 1024)
    }

    /// The next rows: at least one, at most `maxRows`, all that are complete and waiting.
    /// A bad line ends the block: the good rows before it are returned first and the error is
    /// thrown by the next call, so every row before the bad one is decoded, whether the rows
    /// came one at a time from a pipe or together from a file.
    /// - Throws: `FormatError` (data) naming the line: a field that is not a number, a row of
    ///   the wrong width (`line 7 has 63 values; d_model is 64`); `.cannotOpen` if reading fails.
    public func next(maxRows: Int) throws(FormatError) -> Next {
        if let error = deferredError {
            deferredError = nil
            throw error
        }
        var rows: [Double] = []
        var count = 0
        var firstLine = 0
        while true {
            while count < maxRows {
                let parsed: [Double]?
                let line: (bytes: ArraySlice<UInt8>, number: Int)
                do {
                    try refuseBinary()
                    guard let taken = try takeLine() else { break }
                    line = taken
                    parsed = try parse(line.bytes, line: line.number)
                } catch {
                    guard count > 0 else { throw error }
                    deferredError = error
                    return .rows(try matrix(rows, count), firstLine: firstLine)
                }
                guard let row = parsed else { continue }
                if count == 0 { firstLine = line.number }
                rows += row
                count += 1
            }
            if count == maxRows || (count > 0 && !isWaiting()) { break }
            if ended {
                if let header = pendingHeader {
                    pendingHeader = nil
                    _ = try parse(header.bytes[...], line: header.line, alone: true)
                }
                if count == 0 { return .end }
                break
            }
            if try !fill() { return count > 0 ? .rows(try matrix(rows, count), firstLine: firstLine) : .interrupted }
        }
        return .rows(try matrix(rows, count), firstLine: firstLine)
    }

    private func matrix(_ rows: [Double], _ count: Int) throws(FormatError) -> Matrix<Double> {
        do {
            return try Matrix(rows: count, columns: rows.count / max(count, 1), elements: rows)
        } catch {
            throw FormatError(kind: .data, file: name, message: "\(error)")
        }
    }

    /// Splits off the next complete line (or, at the end, the unterminated rest), scanning
    /// only bytes not scanned before.
    /// - Throws: `FormatError` (data) for a line longer than `lineLimit`, complete or not.
    private func takeLine() throws(FormatError) -> (bytes: ArraySlice<UInt8>, number: Int)? {
        let limit = Self.lineLimit(width: width)
        if let newline = buffer[max(lineStart, scanned)...].firstIndex(of: UInt8(ascii: "\n")) {
            guard newline - lineStart <= limit else { throw tooLong(limit) }
            defer {
                lineStart = newline + 1
                scanned = lineStart
                lineNumber += 1
                compact()
            }
            return (buffer[lineStart..<newline], lineNumber)
        }
        scanned = buffer.count
        guard buffer.count - lineStart <= limit else { throw tooLong(limit) }
        guard ended, lineStart < buffer.count else { return nil }
        defer {
            lineStart = buffer.count
            scanned = lineStart
            lineNumber += 1
        }
        return (buffer[lineStart...], lineNumber)
    }

    /// The refusal of line `lineNumber`, longer than `limit` bytes.
    private func tooLong(_ limit: Int) -> FormatError {
        let values =
            width.map { "each of d_model = \($0) values, and at least \(Self.shortestLineLimit)" }
            ?? "each of up to \(Self.widestUnknownRow) values, the widest first row before d_model is known"
        return FormatError(
            kind: .data, file: name, line: lineNumber,
            message:
                "line \(lineNumber) is longer than \(limit) bytes (\(Self.bytesPerValue) for \(values)): decode reads one row per line; is a newline missing?"
        )
    }

    /// Refuses a stream that starts as a NumPy `.npy` file or a zip (`.npz`) does: decode
    /// reads text rows, and the bytes would otherwise be reported as text that is not UTF-8.
    private func refuseBinary() throws(FormatError) {
        guard !signatureChecked else { return }
        let npy: [UInt8] = [0x93] + Array("NUMPY".utf8), zip: [UInt8] = Array("PK".utf8) + [3, 4]
        let undecided = { (signature: [UInt8]) in
            self.buffer.count < signature.count && signature.starts(with: self.buffer)
        }
        if !ended, undecided(npy) || undecided(zip) { return }  // too few bytes yet to tell
        signatureChecked = true
        let kind: String
        if buffer.starts(with: npy) {
            kind = "a NumPy .npy file"
        } else if buffer.starts(with: zip) {
            kind = "a zip archive (.npz)"
        } else {
            return
        }
        throw FormatError(
            kind: .data, file: name,
            message:
                "this looks like \(kind), but decode reads CSV or TSV text, one row of numbers per line (numpy.savetxt(\"h.csv\", h, delimiter=\",\") writes them)"
        )
    }

    /// Drops consumed bytes once they are most of the buffer.
    private func compact() {
        if lineStart > 1 << 16, lineStart * 2 > buffer.count {
            buffer.removeFirst(lineStart)
            scanned -= lineStart
            lineStart = 0
        }
    }

    /// Whether more bytes can be read without blocking.
    private func isWaiting() -> Bool {
        guard !ended else { return lineStart < buffer.count }
        var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&request, 1, 0) > 0
    }

    /// Reads what is available (blocking until something is). False when interrupted.
    private func fill() throws(FormatError) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                buffer += chunk[0..<count]
                // A line that keeps arriving never blocks in `read`: the signal is asked
                // for after every chunk, not only on EINTR.
                return !interrupted()
            }
            if count == 0 {
                ended = true
                return true
            }
            if errno == EINTR {
                if interrupted() { return false }
                continue
            }
            throw FormatError(
                kind: .cannotOpen, file: name, message: "cannot read '\(name)': \(String(cString: strerror(errno)))")
        }
    }

    /// The numbers of one line, nil for a blank, comment or header line.
    private func parse(_ line: ArraySlice<UInt8>, line number: Int, alone: Bool = false) throws(FormatError)
        -> [Double]?
    {
        let content = line.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0xEF || $0 == 0xBB || $0 == 0xBF }
        guard let first = content.first, first != UInt8(ascii: "#") else { return nil }
        let separator =
            self.separator ?? (line.contains(0x09) && !line.contains(UInt8(ascii: ",")) ? 0x09 : UInt8(ascii: ","))
        self.separator = separator
        let format: MatrixFormat = separator == 0x09 ? .tsv : .csv
        if let header = pendingHeader {
            // Header and first row together: CSVReader decides whether line 1 is a header.
            pendingHeader = nil
            let (rows, underflow, float32) = try relocated([header.line, number]) { () throws(FormatError) in
                try MatrixReader.readStreamed(
                    bytes: header.bytes + [0x0A] + Array(line), name: name, format: format,
                    lines: [header.line, number])
            }
            firstFlushedToZero = firstFlushedToZero ?? underflow
            return try checked(try oneRow(rows, line: number), line: number, count: rows.columns, float32: float32)
        }
        do {
            // After the first data line no line is a header: a line of labels there is a field
            // that is not a number, as it would be in the middle of a CSV file.
            // `alone`: a first line kept as a header but followed by no data line is read as
            // CSVReader reads a file of one line of labels ("no rows of numbers after the header").
            let (row, underflow, float32) = try MatrixReader.readStreamed(
                bytes: Array(line), name: name, format: format, header: !sawData || alone, lines: [number])
            sawData = true
            firstFlushedToZero = firstFlushedToZero ?? underflow
            return try checked(try oneRow(row, line: number), line: number, count: row.columns, float32: float32)
        } catch {
            guard !sawData, !alone else { throw relocate(error, [number]) }
            // Perhaps a header: keep it until the next data line shows.
            sawData = true
            pendingHeader = (Array(line), number)
            return nil
        }
    }

    /// The values of `parsed`, which must be one row: a carriage return inside a line (not
    /// before its line feed) would end a CSV record there and make two rows of one line.
    private func oneRow(_ parsed: Matrix<Double>, line: Int) throws(FormatError) -> [Double] {
        guard parsed.rows == 1 else {
            throw FormatError(
                kind: .data, file: name, line: line,
                message:
                    "line \(line) holds \(parsed.rows) rows (a carriage return inside it?); decode reads one row per line"
            )
        }
        return parsed.elements
    }

    /// `values` as a row of the required width (and, with `singlePrecision`, within float32's
    /// range); `float32`: where the line writes the first values float32 cannot hold.
    private func checked(_ values: [Double], line: Int, count: Int, float32: Float32Spellings.Spots?)
        throws(FormatError) -> [Double]
    {
        if let width, count != width {
            throw FormatError(
                kind: .data, file: name, line: line,
                message:
                    "line \(line) has \(count) values; d_model is \(width)\(widthSource.map { " (from \($0))" } ?? "")")
        }
        width = width ?? count
        if singlePrecision { try checkSinglePrecision(values, line: line, float32: float32) }
        return values
    }

    /// Refuses a value float32 cannot hold (one that rounds to ±∞ there), and notes the first line whose nonzero values it
    /// rounds to 0.
    private func checkSinglePrecision(_ values: [Double], line: Int, float32: Float32Spellings.Spots?)
        throws(FormatError)
    {
        if let index = values.firstIndex(where: Float.roundsToInfinity) {
            let spot = float32?.overflow.flatMap { $0.element == index ? $0 : nil }
            throw FormatError(
                kind: .data, file: name, line: line, column: spot?.column,
                message:
                    "value \(index + 1) of line \(line) is \(spot?.written ?? "\(values[index])"), beyond float32's range (±3.4028235e38): run without --float"
            )
        }
        guard firstRoundedToZero == nil else { return }
        let roundsToZero = { (v: Double) in v != 0 && Float(v) == 0 }
        let zeros = values.reduce(0) { $0 + (roundsToZero($1) ? 1 : 0) }
        guard zeros > 0, let index = values.firstIndex(where: roundsToZero) else { return }
        let spot = float32?.underflow.flatMap { $0.element == index ? $0 : nil }
        firstRoundedToZero = (line, zeros, spot.map { ($0.column, $0.written, index + 1) })
    }

    /// Runs `body`, moving the line numbers of its error (1, 2, … of the parsed text) to `lines`.
    private func relocated<R>(_ lines: [Int], _ body: () throws(FormatError) -> R) throws(FormatError) -> R {
        do { return try body() } catch { throw relocate(error, lines) }
    }

    private func relocate(_ error: FormatError, _ lines: [Int]) -> FormatError {
        let line = error.line.flatMap { $0 >= 1 && $0 <= lines.count ? lines[$0 - 1] : nil } ?? lines.last
        return FormatError(
            kind: error.kind, file: error.file, line: line, column: error.column, path: error.path,
            message: error.message)
    }
}
