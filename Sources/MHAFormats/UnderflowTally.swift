import MHACore

/// The numbers of one text that are nonzero as written but lie below float64's smallest
/// subnormal (`1e-400`, `-4e-330`), so that they are read as ±0
/// (`NumberParsing.Scanned.flushedToZero`): the first one's place and their count, reported
/// once per file as a warning when the file has been read.
struct UnderflowTally {
    /// How many such numbers were seen.
    private(set) var count = 0
    /// The first one's bytes in the text.
    private var first: Range<Int> = 0..<0
    /// Where the first one's field starts (its opening quote, for a quoted CSV field).
    private var firstField = 0

    /// Notes the number spelt by `range` of the text, in the field starting at `field`
    /// (default: where the number starts).
    @inline(__always)
    mutating func note(_ range: Range<Int>, field: Int? = nil) {
        if count == 0 { (first, firstField) = (range, field ?? range.lowerBound) }
        count += 1
    }

    /// Records, if any number was noted, the warning
    /// `x.csv:2:3: 1e-400 is below float64's smallest subnormal (4.9e-324) and is read as 0 (and 2 more in this file)`.
    func report(file: String, text: UnsafeBufferPointer<UInt8>, path: String? = nil) {
        if let warning = warning(file: file, text: text, path: path) { InputWarnings.record(warning) }
    }

    /// The warning's text (see `report`); nil when no number was noted. `lines` renumbers the
    /// text's lines 1, 2, … (a stream's lines parsed one at a time), and a stream, read as it
    /// arrives, leaves out the count.
    func warning(
        file: String, text: UnsafeBufferPointer<UInt8>, path: String? = nil, lines: [Int]? = nil
    ) -> String? {
        guard count > 0 else { return nil }
        let clamped = first.clamped(to: 0..<text.count)
        // One byte past the limit is enough for `escaped` to see the cut and mark it with "…".
        let spelled = String(
            decoding: UnsafeBufferPointer(rebasing: text[clamped]).prefix(MessageText.quotedLimit + 1),
            as: UTF8.self)
        let negative = spelled.first == "-"
        let more = count - 1
        let tail =
            lines != nil
            ? " (said once, for the first such number)" : more == 0 ? "" : " (and \(more) more in this file)"
        let message =
            "\(MessageText.escaped(spelled, limit: MessageText.quotedLimit)) is below float64's smallest subnormal (4.9e-324) and is read as \(negative ? "-0" : "0")\(tail)"
        let location = TextLocation(of: min(firstField, clamped.lowerBound), in: text)
        let line = lines.map { $0.indices.contains(location.line - 1) ? $0[location.line - 1] : location.line }
        return FormatError(
            kind: .data, file: file, line: line ?? location.line, column: location.column, path: path, message: message
        ).description
    }
}
