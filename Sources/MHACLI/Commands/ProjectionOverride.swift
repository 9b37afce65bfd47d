import MHACore

/// Flags override a bundle's (or checkpoint's) projection weights and biases whichever side
/// is packed (docs/contract.md, `--bundle`): `--in-proj` or `--qkv` replaces the bundle's
/// `wq`, `wk`, `wv` and packed forms; all three of `--wq --wk --wv` replace its packed `qkv` or
/// `in_proj`; likewise for the biases. A partial set beside a packed bundle cannot be merged
/// and is refused naming the bundle and the flag.
enum ProjectionOverride {
    /// One family: the separate keys and the packed keys that stand for all of them.
    struct Family {
        var separate: [String]
        var packed: [String]
    }

    static let families = [
        Family(separate: ["wq", "wk", "wv"], packed: ["qkv", "in_proj"]),
        Family(separate: ["bq", "bk", "bv"], packed: ["qkv_bias", "in_proj_bias"]),
    ]

    /// Drops from `matrices` (the bundle's) what the flags in `given` (bundle keys) replace.
    /// - Throws: `UsageError` (64) for a partial separate set beside the bundle's packed form.
    static func apply(
        to matrices: inout [String: Matrix<Double>], given: Set<String>, bundle: String
    ) throws(UsageError) {
        for family in families {
            if family.packed.contains(where: given.contains) {
                for key in family.separate + family.packed where !given.contains(key) { matrices[key] = nil }
                continue
            }
            let flags = family.separate.filter(given.contains)
            guard let first = flags.first, let packed = family.packed.first(where: { matrices[$0] != nil }) else {
                continue
            }
            if flags.count == family.separate.count {
                for key in family.packed { matrices[key] = nil }
                continue
            }
            let missing = family.separate.filter { !given.contains($0) }.map(flag)
            throw .invalidRequest(
                "\(flag(first)) (command line) cannot be combined with \(bundle)'s \"\(packed)\", which packs \(family.separate.joined(separator: ", ")) together: give \(missing.joined(separator: " and ")) too to replace it, or \(flag(packed))"
            )
        }
    }

    /// The option spelling of a bundle key: `in_proj` → `--in-proj`.
    static func flag(_ key: String) -> String { "--" + key.replacing("_", with: "-") }
}
