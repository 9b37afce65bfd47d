/// A comma list of names in which a name may hold a comma: `\,` is a comma inside a name and
/// `\\` a backslash (so a name ending in a backslash is `a\\,b`); any other backslash is kept
/// as written (`a\b`). `Hi,\,,there` is the three names `Hi`, `,` and `there`.
enum NameList {
    /// The names in `text`, each trimmed of spaces, or the first empty item.
    static func split(_ text: String) -> Result<[String], EmptyItem> {
        var names: [String] = []
        var current = ""
        var characters = text.makeIterator()
        while let character = characters.next() {
            switch character {
            case "\\":
                guard let next = characters.next() else {
                    current.append(character)
                    continue
                }
                if next == "," || next == "\\" {
                    current.append(next)
                } else {
                    current.append(character)
                    current.append(next)
                }
            case ",":
                names.append(current)
                current = ""
            default:
                current.append(character)
            }
        }
        names.append(current)
        let trimmed = names.map { $0.trimmingSpaces() }
        if let empty = trimmed.firstIndex(where: \.isEmpty) { return .failure(EmptyItem(index: empty + 1)) }
        return .success(trimmed)
    }

    /// An empty item of the list, by its 1-based index.
    struct EmptyItem: Error, Equatable {
        var index: Int
    }
}

extension Option where Value == [String] {
    /// A comma list of non-empty names (`NameList`: `\,` is a comma inside a name).
    static func names(_ long: String, _ valueName: String, help: String) -> Option {
        Option(.value(long, valueName, help: help)) { text, spec throws(UsageError) in
            switch NameList.split(text) {
            case let .success(names): return names
            case let .failure(empty):
                throw spec.invalid(
                    text, "item \(empty.index) of the comma list is empty (a comma inside a name is \\,)")
            }
        }
    }
}
