import MHACore

/// Values as the text writes them, and keys an object repeats. RFC 8259 leaves a repeated
/// key's meaning open; Python's json, with which transformers reads config.json and a shard
/// index, keeps the last value, where a reader that looks a key up from the front keeps the
/// first. A repeat with the same value means the same to both; one with another value is
/// refused rather than guessed.
extension JSONDocument {
    /// The longest number text quoted in a message.
    static let writtenNumberLimit = 40

    /// The text of the number node at `index` as `text` writes it (`1e400`, `2.0`,
    /// `99999999999999999999`, Python's `-Infinity`), cut with "…" when long.
    func writtenNumber(_ index: Int, in text: UnsafeBufferPointer<UInt8>) -> String {
        let start = nodes[index].offset
        var end = start
        while end < text.count, Self.isNumberByte(text[end]) { end += 1 }
        let written = String(decoding: UnsafeBufferPointer(rebasing: text[start..<end]), as: UTF8.self)
        return MessageText.escaped(written, limit: Self.writtenNumberLimit)
    }

    /// Whether a byte can be part of a number token (Python's `NaN` and `Infinity` included).
    private static func isNumberByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."):
            return true
        default: return false
        }
    }

    /// The value at `index` as a message shows it: a number as written, a string quoted,
    /// `true`, `null`, `a list`, `an object`.
    func writtenValue(_ index: Int, in text: UnsafeBufferPointer<UInt8>) -> String {
        switch nodes[index].kind {
        case .null: return "null"
        case .boolean: return boolean(index) ? "true" : "false"
        case .number: return writtenNumber(index, in: text)
        case .string: return MessageText.quoted(string(index))
        case .array: return "a list"
        case .object: return "an object"
        }
    }

    /// Whether the values at `a` and `b` are the same JSON value (numbers by value, strings
    /// and keys by code point as Python's json compares them, objects key by key in any order).
    func sameValue(_ a: Int, _ b: Int) -> Bool {
        let (x, y) = (nodes[a], nodes[b])
        guard x.kind == y.kind else { return false }
        switch x.kind {
        case .null: return true
        case .boolean: return x.payload == y.payload
        case .number: return number(a) == number(b) || (number(a).isNaN && number(b).isNaN)
        case .string: return string(a).sameScalars(as: string(b))
        case .array:
            let (left, right) = (elements(of: a), elements(of: b))
            return left.count == right.count && zip(left, right).allSatisfy { sameValue($0, $1) }
        case .object:
            // As Python compares the dicts it reads: by key, each key's last value, in any order.
            let (left, right) = (lastValues(a), lastValues(b))
            return left.count == right.count
                && left.allSatisfy { key, value in right[key].map { sameValue(value, $0) } ?? false }
        }
    }

    /// Each key of the object at `index` with its last value (Python's json's reading).
    private func lastValues(_ index: Int) -> [ExactKey: Int] {
        Dictionary(members(of: index).map { (ExactKey($0.key), $0.value) }, uniquingKeysWith: { $1 })
    }

    /// How the values at `a` and `b` differ, for a message: `2, then 4`; for two lists or two
    /// objects, where they first differ (`an object, then an object, whose rope_theta is
    /// 5.0, then 1000.0`).
    func differing(_ a: Int, _ b: Int, in text: UnsafeBufferPointer<UInt8>) -> String {
        let whole = "\(writtenValue(a, in: text)), then \(writtenValue(b, in: text))"
        var (x, y, place) = (a, b, "")
        while nodes[x].kind == nodes[y].kind, nodes[x].kind == .object || nodes[x].kind == .array {
            let pairs: [(step: String, left: Int?, right: Int?)]
            if nodes[x].kind == .object {
                let (left, right) = (members(of: x), members(of: y))
                let keys =
                    left.map(\.key) + right.map(\.key).filter { key in !left.contains { $0.key.sameScalars(as: key) } }
                pairs = keys.map { key in
                    (
                        Self.pathStep(key), left.last { $0.key.sameScalars(as: key) }?.value,
                        right.last { $0.key.sameScalars(as: key) }?.value
                    )
                }
            } else {
                let (left, right) = (elements(of: x), elements(of: y))
                pairs = (0..<Swift.max(left.count, right.count)).map { i in
                    ("[\(i)]", i < left.count ? left[i] : nil, i < right.count ? right[i] : nil)
                }
            }
            guard
                let pair = pairs.first(where: { pair in
                    guard let left = pair.left, let right = pair.right else { return true }
                    return !sameValue(left, right)
                })
            else { return whole }
            place += pair.step
            guard let left = pair.left, let right = pair.right else {
                let (which, value) = pair.left.map { ("first", $0) } ?? ("second", pair.right ?? y)
                return whole
                    + ", only the \(which) with \(place.dropFirst(place.hasPrefix(".") ? 1 : 0)) (\(writtenValue(value, in: text)))"
            }
            (x, y) = (left, right)
        }
        let shown = place.hasPrefix(".") ? String(place.dropFirst()) : place
        return place.isEmpty
            ? whole : whole + ", whose \(shown) is \(writtenValue(x, in: text)), then \(writtenValue(y, in: text))"
    }

    /// Refuses a key that one object of the document (at any depth) repeats with another
    /// value, located at the repeat and naming its JSON path and both values as written.
    /// - Parameter reader: who reads the file the Python way, for the message
    ///   (`transformers`).
    func refuseConflictingKeys(in text: UnsafeBufferPointer<UInt8>, name: String, reader: String)
        throws(FormatError)
    {
        guard let repeated = firstRepeatedKey(searchingArrays: true, where: { !sameValue($0, $1) }) else { return }
        let values = differing(repeated.earlier, repeated.value, in: text)
        throw FormatError(
            kind: .data, file: name, bytes: text, offset: nodes[repeated.keyIndex].offset,
            path: repeated.path + Self.pathStep(repeated.key),
            message:
                "key \(Self.quotedKey(repeated.key)) appears twice with different values (\(values)): Python's json, with which \(reader) reads this file, keeps the last, other readers the first; remove one"
        )
    }

    /// The first key that an object repeats (keys compared by code point) with a value that
    /// `conflicts` with the first one's (default: any value), in document order: the repeat's
    /// key node, the JSON path of its object, the key, and the two values' nodes. The root and
    /// the objects nested in objects are searched, and with `searchingArrays` those in arrays
    /// too (a bundle's arrays hold numbers).
    func firstRepeatedKey(
        searchingArrays: Bool = false, where conflicts: (_ earlier: Int, _ later: Int) -> Bool = { _, _ in true }
    ) -> (keyIndex: Int, path: String, key: String, earlier: Int, value: Int)? {
        var pending: [(index: Int, path: String)] = [(0, "$")]
        while let (index, path) = pending.popLast() {
            var children: [(index: Int, path: String)] = []
            switch nodes[index].kind {
            case .object:
                var first: [ExactKey: Int] = [:]  // keys by code point, as Python's json
                for member in members(of: index) {
                    if let earlier = first[ExactKey(member.key)] {
                        if conflicts(earlier, member.value) {
                            return (member.keyIndex, path, member.key, earlier, member.value)
                        }
                    } else {
                        first[ExactKey(member.key)] = member.value
                    }
                    children.append((member.value, path + Self.pathStep(member.key)))
                }
            case .array where searchingArrays:
                children = elements(of: index).enumerated().map { (index: $1, path: path + "[\($0)]") }
            default: continue
            }
            pending += children.reversed()  // document order
        }
        return nil
    }

    /// A key in quotes, escaped, cut only when very long (a tensor name is shown whole).
    static func quotedKey(_ key: String) -> String { "\"" + MessageText.escaped(key, limit: 200) + "\"" }

    /// `.key` for a key made of letters, digits and `_` (not starting with a digit), else
    /// `["key"]`.
    static func pathStep(_ key: String) -> String {
        let digits: ClosedRange<Unicode.Scalar> = "0"..."9"
        let plain =
            !key.isEmpty && !digits.contains(key.unicodeScalars.first ?? "0")
            && key.unicodeScalars.allSatisfy {
                $0.isASCII && ($0.properties.isAlphabetic || $0 == "_" || digits.contains($0))
            }
        return plain ? "." + key : "[" + quotedKey(key) + "]"
    }
}
