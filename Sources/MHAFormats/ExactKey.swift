/// A JSON key, tensor name or member name compared by its UTF-8 bytes (its code points), as
/// Python's json, the safetensors package and numpy compare them. Swift's `String` equality
/// is canonical equivalence: `"e\u{301}"` equals `"\u{E9}"` and KELVIN SIGN equals `"K"`, so
/// a `Set<String>` would call two distinct keys a duplicate, and a `[String: …]` lookup could
/// return the other one's value.
struct ExactKey: Hashable, Sendable {
    /// The key as read.
    let text: String

    /// Wraps `text`.
    init(_ text: String) { self.text = text }

    static func == (lhs: ExactKey, rhs: ExactKey) -> Bool { lhs.text.utf8.elementsEqual(rhs.text.utf8) }

    func hash(into hasher: inout Hasher) {
        hasher.combine(text.utf8.count)
        for byte in text.utf8 { hasher.combine(byte) }
    }
}

extension String {
    /// Whether `self` and `other` are the same code points (not merely canonically equivalent).
    func sameScalars(as other: String) -> Bool { utf8.elementsEqual(other.utf8) }
}
