import MHACore
import Synchronization

/// Where a text matrix writes the first value that float32 rounds to 0 (nonzero, below half
/// float32's least subnormal, 1.4e-45) and the first that float32 rounds to ±∞, kept
/// process-wide by file and matrix once the file has been read, so that `--float` can name
/// them as the file writes them (`x.csv:2:3: … 1e-50`), as the float64 warning does.
public enum Float32Spellings {
    /// One value as its text writes it.
    public struct Spot: Sendable, Equatable {
        /// The value's index in its matrix's elements, row after row.
        public let element: Int
        /// The 1-based line and column where it is written (a quoted CSV field's quote).
        public let line: Int, column: Int
        /// The value as written, escaped and cut for a message (`1e-50`).
        public let written: String
    }

    /// A matrix's first value that float32 rounds to 0 and first that it rounds to ±∞.
    public struct Spots: Sendable, Equatable {
        /// The first nonzero value that rounds to ±0.
        public var underflow: Spot?
        /// The first finite value that rounds to ±∞.
        public var overflow: Spot?
    }

    /// The spots by file name (as the readers name it) and JSON path of the matrix (`$`: the
    /// whole file; `$.wq`: a bundle's key).
    private static let recorded = Mutex<[String: [String: Spots]]>([:])

    /// The spots of the matrix read from `file` (`<stdin>` for standard input): the whole file,
    /// or the bundle's `bundleKey`; nil when the matrix was not read from text or has none.
    public static func spots(file: String, bundleKey: String? = nil) -> Spots? {
        recorded.withLock { $0[file]?[bundleKey.map { "$." + $0 } ?? "$"] }
    }

    /// Keeps `spots` for the matrix at `matrix` of `file`, replacing what an earlier reading
    /// of the same file left (none: removed).
    static func record(_ spots: Spots?, file: String, matrix: String) {
        recorded.withLock { files in
            files[file, default: [:]][matrix] = spots
            if files[file]?.isEmpty == true { files[file] = nil }
        }
    }
}

/// Notes, as a reader appends values, the first that float32 cannot hold as it is
/// (`Float32Spellings`): its element index, the bytes that spell it and where it starts.
struct Float32Tally {
    /// A noted value: its element, its spelling's bytes, the offset its location is given at.
    private typealias Noted = (element: Int, spelling: Range<Int>, at: Int)
    /// The first value that rounds to ±0 and the first that rounds to ±∞.
    private var underflow: Noted?, overflow: Noted?

    /// Whether float32 rounds `value`, nonzero, to ±0 or, finite, to ±∞.
    @inline(__always)
    static func changes(_ value: Double) -> Bool {
        let narrow = Float(value)
        return (narrow == 0 && value != 0) || (narrow.isInfinite && value.isFinite)
    }

    /// Notes `value`, element `element`, spelt by `spelling` of the text and located at `at`
    /// (default: where the spelling starts), if float32 cannot hold it as it is.
    @inline(__always)
    mutating func note(_ value: Double, element: Int, _ spelling: Range<Int>, at: Int? = nil) {
        guard Self.changes(value) else { return }
        let noted = (element, spelling, at ?? spelling.lowerBound)
        if Float(value) == 0 {
            if underflow == nil { underflow = noted }
        } else if overflow == nil {
            overflow = noted
        }
    }

    /// Records what was noted for the matrix at JSON path `matrix` of `file`, read from `text`.
    func record(file: String, matrix: String = "$", text: UnsafeBufferPointer<UInt8>) {
        Float32Spellings.record(spots(text: text), file: file, matrix: matrix)
    }

    /// What was noted, located in `text` (its line i + 1 renumbered `lines[i]` when given);
    /// nil when nothing was.
    func spots(text: UnsafeBufferPointer<UInt8>, lines: [Int]? = nil) -> Float32Spellings.Spots? {
        func spot(_ noted: Noted?) -> Float32Spellings.Spot? {
            guard let noted else { return nil }
            let clamped = noted.spelling.clamped(to: 0..<text.count)
            // One byte past the limit is enough for `escaped` to see the cut and mark it with "…".
            let spelled = String(
                decoding: UnsafeBufferPointer(rebasing: text[clamped]).prefix(MessageText.quotedLimit + 1),
                as: UTF8.self)
            let location = TextLocation(of: noted.at, in: text)
            let line = lines.map { $0.indices.contains(location.line - 1) ? $0[location.line - 1] : location.line }
            return Float32Spellings.Spot(
                element: noted.element, line: line ?? location.line, column: location.column,
                written: MessageText.escaped(spelled, limit: MessageText.quotedLimit))
        }
        guard underflow != nil || overflow != nil else { return nil }
        return Float32Spellings.Spots(underflow: spot(underflow), overflow: spot(overflow))
    }
}
