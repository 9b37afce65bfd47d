import MHACore

/// A bundle: one JSON object holding some or all of a run's inputs.
///
/// Keys (all optional; any other key is a data error naming it and listing these):
/// - matrices: `x`, `wq`, `wk`, `wv`, `wo`, `bq`, `bk`, `bv`, `bo`, `mask`, `in_proj`,
///   `memory`, `qkv`, `qkv_bias`, `in_proj_bias`, `gq`, `gk` (the QK-norm's gains) (each a
///   2-D array, or a 1-D array read as one row);
/// - `heads`, `kv_heads`, `head_dim`, `window`, `rope_dims` (even): positive integers;
///   `token`, `position_offset`: non-negative integers (at most 2⁵³), spelt as integers (`2`, not `2.0`);
/// - `causal`, `alibi`: booleans; `scale`: a number; `rope_base`, `softcap`: positive
///   numbers; `layout`: `"xw"`
///   or `"torch"`; `rope`: `"half"` or `"interleaved"`; `mask_kind`: `"keep"`, `"block"` or
///   `"additive"`; `rope_scaling`: an object as in a config.json
///   (`{"rope_type": "llama3", "factor": 8, "low_freq_factor": 1, …}`); `qk_norm`: `"head"` or
///   `"projection"`; `qk_norm_eps`: a number ≥ 0. A number nonzero as written that float64
///   reads as 0 (`1e-400`) is refused in every one of them, as the flags refuse it.
///
///     {"x": [[1, 0], [0, 1]], "wq": [[1, 0], [0, 1]], "heads": 1, "causal": true}
public struct InputBundle: Sendable, Equatable {
    /// The matrices by key (`x`, `wq`, …, `in_proj`).
    public var matrices: [String: Matrix<Double>] = [:]
    /// τ, the number of query heads.
    public var heads: Int?
    /// g, the number of key/value heads.
    public var kvHeads: Int?
    /// Whether the causal mask applies.
    public var causal: Bool?
    /// The score scale (default 1/√d_k when nil).
    public var scale: Double?
    /// The one token to compute (0-based).
    public var token: Int?
    /// `"xw"` or `"torch"`.
    public var layout: WeightLayout?
    /// The options of docs/contract.md §4: d_k, RoPE (pairs, base, rotated dimensions), the
    /// position offset, ALiBi, the window, the soft-cap and the mask kind.
    public var headDim: Int?, rope: RotaryEmbedding.Convention?, ropeBase: Double?, ropeDims: Int?, positionOffset: Int?
    public var alibi: Bool?, window: Int?, softcap: Double?, maskKind: AttentionMask<Double>.Kind?
    /// RoPE's frequency scaling (`rope_scaling`, transformers' object); nil for none.
    public var ropeScaling: RotaryScaling?
    /// The QK-norm's span (`qk_norm`) and ε (`qk_norm_eps`); its gains are `gq` and `gk`.
    public var qkNorm: QueryKeyNorm.Span?, qkNormEpsilon: Double?

    /// The keys that hold matrices.
    public static let matrixKeys = [
        "x", "wq", "wk", "wv", "wo", "bq", "bk", "bv", "bo", "mask", "in_proj",
        "memory", "qkv", "qkv_bias", "in_proj_bias", "gq", "gk",
    ]
    /// Every key a bundle may hold, in the order messages list them.
    public static let validKeys =
        matrixKeys + [
            "heads", "kv_heads", "causal", "scale", "token", "layout", "head_dim",
            "rope", "rope_base", "rope_dims", "rope_scaling", "position_offset", "alibi", "window",
            "softcap", "mask_kind", "qk_norm", "qk_norm_eps",
        ]

    /// An empty bundle.
    public init() {}

    /// Reads the bundle in the JSON file at `path` ("-" = standard input).
    /// - Throws: `FormatError` (`.noInput` if the file cannot be read, `.data` for content).
    /// An `.npz` bundle holds its matrices as arrays named like the keys (`x.npy`, `wq.npy`, …);
    /// its `mask` is read by `maskRule` (an additive mask may block with −∞), as `--mask` is.
    public static func read(path: String, maskRule: NonFiniteRule = .refused) throws(FormatError) -> InputBundle {
        if path != "-", ArchiveFormat(path: path) != nil {
            return try read(archive: ArrayArchives.open(path: path), maskRule: maskRule)
        }
        let bytes = try InputBytes.read(path: path, content: .sniffed)
        let name = path == "-" ? InputBytes.standardInputName : path
        if ArchiveFormat.sniff(bytes.dropLast()) == .npz {
            return try read(
                archive: ArrayArchives.open(MappedFile(bytes: Array(bytes.dropLast()), name: name), format: .npz),
                maskRule: maskRule)
        }
        try MatrixReader.requireParsingMemory(textBytes: bytes.count, name: name, format: .json)
        return try parseTerminated(bytes, name: name)
    }

    /// The bundle in an archive: each array named like a matrix key; any other name is a data
    /// error listing the keys (τ, g and the flags are given as options). `mask` is read by
    /// `maskRule`, every other array refuses non-finite values.
    static func read(archive: any ArrayArchive, maskRule: NonFiniteRule = .refused) throws(FormatError) -> InputBundle {
        var bundle = InputBundle()
        if let stray = archive.arrays.first(where: { !matrixKeys.contains($0.name) }) {
            throw FormatError(
                kind: .data, file: archive.name,
                message:
                    "array \(MessageText.quoted(stray.name)) is not a bundle matrix; an archive bundle holds arrays named \(matrixKeys.joined(separator: ", ")) (give heads, causal and the rest as options)"
            )
        }
        for array in archive.arrays {
            bundle.matrices[array.name] = try archive.matrix(
                named: array.name, nonFinite: array.name == "mask" ? maskRule : .refused)
        }
        return bundle
    }

    /// Parses a bundle from JSON bytes in memory; `name` goes into messages.
    /// - Throws: `FormatError` of category `.data`.
    public static func parse(bytes: [UInt8], name: String) throws(FormatError) -> InputBundle {
        try parseTerminated(bytes + [0], name: name)
    }

    /// Parses `terminated`, whose final NUL byte is not content.
    static func parseTerminated(_ terminated: [UInt8], name: String) throws(FormatError) -> InputBundle {
        try MatrixReader.withContent(of: terminated) { (text) throws(FormatError) -> InputBundle in
            let document = try JSONParser(text: text, name: name).parseObject(named: "a bundle")
            let reader = JSONMatrixReader(document: document, text: text, name: name)
            guard document.nodes[0].kind == .object else {
                throw reader.error(
                    at: 0, path: "$",
                    "expected a bundle object, found \(JSONDocument.describe(document.nodes[0].kind))")
            }
            // At any depth (`rope_scaling`'s keys too), compared by code point.
            if let repeated = document.firstRepeatedKey() {
                throw reader.error(
                    at: repeated.keyIndex, path: repeated.path, "duplicate key \(MessageText.quoted(repeated.key))")
            }
            var bundle = InputBundle()
            for member in document.members(of: 0) {
                try bundle.assign(member.key, value: member.value, keyIndex: member.keyIndex, reader: reader)
            }
            document.underflow.report(file: name, text: text)
            return bundle
        }
    }

    /// Stores the value of one member, checking its type.
    private mutating func assign(
        _ key: String, value: Int, keyIndex: Int,
        reader: JSONMatrixReader
    ) throws(FormatError) {
        let path = "$." + key
        let field = BundleField(document: reader.document, index: value, path: path, reader: reader)
        switch key {
        case _ where InputBundle.matrixKeys.contains(key):
            matrices[key] = try reader.matrix(at: value, path: path, booleans: key == "mask")
        case "heads": heads = try field.integer(minimum: 1)
        case "kv_heads": kvHeads = try field.integer(minimum: 1)
        case "token": token = try field.integer(minimum: 0)
        case "causal": causal = try field.boolean()
        case "scale": scale = try field.number()
        case "layout": layout = try field.choice(of: WeightLayout.self)
        case "head_dim": headDim = try field.integer(minimum: 1)
        case "rope": rope = try field.choice(of: RotaryEmbedding.Convention.self)
        case "rope_base": ropeBase = try field.positiveNumber()
        case "rope_dims":
            ropeDims = try field.integer(minimum: 1)
            if let dims = ropeDims, dims % 2 != 0 {
                throw field.mismatch("an even number of dimensions (RoPE turns pairs)")
            }
        case "rope_scaling": ropeScaling = field.kind == .null ? nil : try field.rotaryScaling()
        case "position_offset": positionOffset = try field.integer(minimum: 0)
        case "alibi": alibi = try field.boolean()
        case "window": window = try field.integer(minimum: 1)
        case "softcap": softcap = try field.positiveNumber()
        case "mask_kind": maskKind = try field.choice(of: AttentionMask<Double>.Kind.self)
        case "qk_norm": qkNorm = try field.choice(of: QueryKeyNorm.Span.self)
        case "qk_norm_eps":
            qkNormEpsilon = try field.number()
            if let epsilon = qkNormEpsilon, epsilon < 0 { throw field.mismatch("a number ≥ 0") }
        default:
            let valid = InputBundle.validKeys.joined(separator: ", ")
            throw reader.error(at: keyIndex, path: "$", "unknown key \(MessageText.quoted(key)); valid keys: \(valid)")
        }
    }
}

/// One scalar member of a bundle, read with type checks and located errors.
private struct BundleField {
    /// The parsed bundle.
    let document: JSONDocument
    /// The value's node.
    let index: Int
    /// The value's JSON path, `$.heads`.
    let path: String
    /// Locates errors.
    let reader: JSONMatrixReader

    /// The value's JSON type.
    var kind: JSONDocument.Kind { document.nodes[index].kind }

    /// `expected …, found …` at this member's value.
    func mismatch(_ expected: String) -> FormatError {
        reader.error(at: index, path: path, "expected \(expected), found \(found)")
    }

    /// The value as messages show it: a number as written in the file (`-1`, `2.50`),
    /// `"abc"`, `an array`.
    var found: String {
        switch kind {
        case .number: return reader.numberText(index)
        case .string: return MessageText.quoted(document.string(index))
        case .boolean: return document.boolean(index) ? "true" : "false"
        default: return JSONDocument.describe(kind)
        }
    }

    /// An integer ≥ `minimum` and at most 2⁵³, spelt as one (digits, an optional `-`): as the
    /// flags, `2.0`, `2e0` and `1.9999999999999999999` (which float64 rounds to 2) are refused.
    /// JSON numbers are read as float64, which holds every integer up to 2⁵³ and no larger
    /// one exactly, so one read as 2⁵³ is checked as written: only `9007199254740992` is 2⁵³
    /// (9007199254740993 rounds to it and is refused; JSON has no leading zeros).
    func integer(minimum: Int) throws(FormatError) -> Int {
        let expected = minimum > 0 ? "a positive integer" : "a non-negative integer"
        guard kind == .number else { throw mismatch(expected) }
        let value = document.number(index)
        let spelling = reader.numberText(index)
        guard spelling.allSatisfy({ $0 == "-" || ("0"..."9").contains($0) || $0 == "…" }), value.isFinite,
            value >= Double(minimum)
        else { throw mismatch(expected) }
        guard value < 0x1p53 || (value == 0x1p53 && spelling == "9007199254740992") else {
            throw mismatch(expected + " of at most 2^53 = 9007199254740992")
        }
        return Int(value)
    }

    /// `true` or `false`.
    func boolean() throws(FormatError) -> Bool {
        guard kind == .boolean else { throw mismatch("true or false") }
        return document.boolean(index)
    }

    /// A positive finite number (a soft-cap, a RoPE base).
    func positiveNumber() throws(FormatError) -> Double {
        let value = try number()
        guard value > 0 else { throw mismatch("a positive number") }
        return value
    }

    /// A finite number; one nonzero as written that float64 reads as 0 (`1e-400`) is refused,
    /// as the flags refuse it: every scalar number of a bundle changes meaning at 0.
    func number() throws(FormatError) -> Double {
        guard kind == .number else { throw mismatch("a number") }
        let value = document.number(index)
        guard value.isFinite else {
            throw reader.error(at: index, path: path, "\(reader.numberText(index)) is out of range for float64")
        }
        guard !(value == 0 && reader.flushedToZero(index)) else {
            throw reader.error(at: index, path: path, "\(reader.numberText(index)): \(ZeroReadSpelling.reason)")
        }
        return value
    }

    /// A `rope_scaling` object with transformers' names (`{"rope_type": "linear", "factor": 2}`);
    /// nil for `rope_type` `default` (the member may also be `null`, as config.json writes it).
    func rotaryScaling() throws(FormatError) -> RotaryScaling? {
        guard kind == .object else { throw mismatch(#"an object such as {"rope_type": "linear", "factor": 2}"#) }
        var type: String?
        var numbers: [String: Double] = [:], booleans: [String: Bool] = [:]
        for member in document.members(of: index) {
            let inner = BundleField(
                document: document, index: member.value, path: path + "." + member.key, reader: reader)
            switch member.key {
            case "rope_type", "type":
                guard inner.kind == .string else { throw inner.mismatch("a string") }
                type = document.string(member.value)
            case "truncate": booleans[member.key] = try inner.boolean()
            default: numbers[member.key] = try inner.number()
            }
        }
        guard let type else {
            throw reader.error(at: index, path: path, "rope_scaling needs a rope_type (linear, llama3 or yarn)")
        }
        do throws(RotaryScalingParameters.Problem) {
            return try RotaryScalingParameters.rule(type: type, numbers: numbers, booleans: booleans, strict: true)
        } catch {
            throw reader.error(at: index, path: path, error.message)
        }
    }

    /// One of the `choices`, exactly.
    func choice<T: RawRepresentable & CaseIterable>(of _: T.Type) throws(FormatError) -> T where T.RawValue == String {
        let expected = T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or ")
        guard kind == .string, let value = T(rawValue: document.string(index)) else { throw mismatch(expected) }
        return value
    }
}
