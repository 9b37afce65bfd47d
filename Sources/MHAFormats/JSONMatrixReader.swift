import MHACore

/// Turns a node of a `JSONDocument` into a matrix: a 2-D array of numbers (rows of equal
/// length) or a 1-D array (one row). Anything else is a data error naming the JSON path
/// (`$.wq[2][1]`) and the line and column of the offending value. `true` and `false` are
/// values (1 and 0) of a mask only (`booleans`); in any other matrix they are refused.
struct JSONMatrixReader {
    /// The parsed document.
    let document: JSONDocument
    /// The text it was parsed from (for locations).
    let text: UnsafeBufferPointer<UInt8>
    /// The file name for messages.
    let name: String

    /// The matrix at node `index`, whose JSON path is `path` (`$` for the root); `booleans`:
    /// it is a mask, whose entries may be `true` (1) and `false` (0).
    /// The first values float32 cannot hold as they are are recorded (`Float32Spellings`).
    func matrix(at index: Int, path: String, booleans: Bool = false) throws(FormatError) -> Matrix<Double> {
        var float32 = Float32Tally()
        let matrix = try matrix(at: index, path: path, booleans: booleans, float32: &float32)
        float32.record(file: name, matrix: path, text: text)
        return matrix
    }

    /// The matrix at node `index` (see `matrix(at:path:booleans:)`), noting in `float32` the
    /// first values float32 cannot hold.
    private func matrix(at index: Int, path: String, booleans: Bool, float32: inout Float32Tally)
        throws(FormatError) -> Matrix<Double>
    {
        let node = document.nodes[index]
        guard node.kind == .array else {
            throw error(at: index, path: path, "expected a matrix, found \(JSONDocument.describe(node.kind))")
        }
        let children = document.elements(of: index)
        guard let first = children.first else {
            throw error(at: index, path: path, "expected a matrix, found an empty array")
        }
        if document.nodes[first].kind != .array {
            var elements: [Double] = []
            elements.reserveCapacity(children.count)
            try appendRow(at: index, path: path, booleans: booleans, to: &elements, float32: &float32)
            return try build(rows: 1, columns: elements.count, elements, at: index, path: path)
        }
        let columns = document.elements(of: first).count
        var elements: [Double] = []
        elements.reserveCapacity(children.count * columns)
        for (row, child) in children.enumerated() {
            let rowPath = "\(path)[\(row)]"
            guard document.nodes[child].kind == .array else {
                throw error(
                    at: child, path: rowPath,
                    "expected a row (an array of numbers), found \(JSONDocument.describe(document.nodes[child].kind))")
            }
            let before = elements.count
            try appendRow(at: child, path: rowPath, booleans: booleans, to: &elements, float32: &float32)
            let count = elements.count - before
            if count == 0 { throw error(at: child, path: rowPath, "empty row") }
            if count != columns {
                throw error(
                    at: child, path: rowPath,
                    "row \(row) (counting from 0) has \(count) \(count == 1 ? "value" : "values"); the rows above have \(columns)"
                )
            }
        }
        return try build(rows: children.count, columns: columns, elements, at: index, path: path)
    }

    /// Appends the numbers of the array node at `index`; each element must be a finite number,
    /// or with `booleans` a boolean (true = 1, false = 0: a boolean mask, as NPY's b1 reads).
    private func appendRow(
        at index: Int, path: String, booleans: Bool, to elements: inout [Double], float32: inout Float32Tally
    ) throws(FormatError) {
        let end = Int(document.nodes[index].payload)
        var child = index + 1
        var column = 0
        while child < end {
            let node = document.nodes[child]
            if node.kind == .boolean && booleans {  // a boolean mask: true = 1, false = 0, as NPY's b1
                elements.append(document.boolean(child) ? 1 : 0)
                child += 1
                column += 1
                continue
            }
            guard node.kind == .number else {
                let extra =
                    node.kind == .array
                    ? " (a matrix has at most two dimensions)"
                    : node.kind == .boolean ? " (true and false are values of a mask only)" : ""
                throw error(
                    at: child, path: "\(path)[\(column)]",
                    "expected a number, found \(JSONDocument.describe(node.kind))\(extra)")
            }
            let value = Double(bitPattern: node.payload)
            guard value.isFinite else {
                throw error(at: child, path: "\(path)[\(column)]", "\(numberText(child)) is out of range for float64")
            }
            if Float32Tally.changes(value) {
                let start = node.offset
                float32.note(value, element: elements.count, start..<start + numberLength(child))
            }
            elements.append(value)
            child += 1
            column += 1
        }
    }

    /// The matrix from checked elements.
    private func build(
        rows: Int, columns: Int, _ elements: [Double], at index: Int,
        path: String
    ) throws(FormatError) -> Matrix<Double> {
        do {
            return try Matrix(rows: rows, columns: columns, elements: elements)
        } catch {
            throw self.error(at: index, path: path, error.description)
        }
    }

    /// Whether the number at node `index` is nonzero as written but read as ±0 (`1e-400`).
    func flushedToZero(_ index: Int) -> Bool {
        guard let base = text.baseAddress,
            let scanned = NumberParsing.scan(
                base, from: document.nodes[index].offset, limit: text.count, grammar: .json)
        else { return false }
        return scanned.flushedToZero
    }

    /// The number token's text at node `index` as the file writes it (`-1`, `2.50`,
    /// `1e400`), cut to `MessageText.quotedLimit` bytes, for messages.
    func numberText(_ index: Int) -> String {
        let start = document.nodes[index].offset
        let end = start + numberLength(index)
        // One byte past the limit is enough for `escaped` to see the cut and mark it with "…".
        let spelled = String(
            decoding: UnsafeBufferPointer(rebasing: text[start..<end]).prefix(MessageText.quotedLimit + 1),
            as: UTF8.self)
        return MessageText.escaped(spelled, limit: MessageText.quotedLimit)
    }

    /// How many bytes the number token at node `index` takes.
    private func numberLength(_ index: Int) -> Int {
        let start = document.nodes[index].offset
        var end = start
        while end < text.count, case let byte = text[end],
            byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".")
                || byte | 0x20 == UInt8(ascii: "e") || (byte &- 48) < 10
        { end += 1 }
        return end - start
    }

    /// A data error at node `index`.
    func error(at index: Int, path: String, _ message: String) -> FormatError {
        FormatError(
            kind: .data, file: name, bytes: text, offset: document.nodes[index].offset,
            path: path, message: message)
    }
}
