/// Why a forward pass was refused; raised by validation before any arithmetic, or when an
/// intermediate overflows. Each description is one line naming the matrix and the shapes.
public enum AttentionError: MHAError, Equatable {
    /// A matrix has the wrong shape: `name is 4×6 but …: name must be 4×4`.
    case shapeMismatch(name: String, actual: Shape, reason: String, expected: String)
    /// Two operands disagree: `memory is 5×6 but wk is 8×8: wk must be 6×8`.
    case shapesDisagree(name: String, actual: Shape, other: String, otherShape: Shape, expected: String)
    /// d_model is not divisible by τ.
    case headsDoNotDivideModel(modelDim: Int, heads: Int)
    /// Given Q's width is not divisible by τ (`attend`, no head width given).
    case headsDoNotDivideQueries(width: Int, heads: Int)
    /// τ is not divisible by g.
    case kvHeadsDoNotDivideHeads(heads: Int, kvHeads: Int)
    /// A head count that is not a positive integer.
    case nonPositive(name: String, value: Int)
    /// The single-token index is not a row of H.
    case tokenOutOfRange(token: Int, tokens: Int)
    /// The scale is not finite.
    case invalidScale(Double)
    /// A value is NaN or infinite.
    case nonFinite(name: String, row: Int, column: Int, value: Double)
    /// A mask entry other than 0 or 1.
    case invalidMaskValue(row: Int, column: Int, value: Double)
    /// Both or neither of the separate and packed Q/K/V weights were given.
    case projectionSource(String)
    /// An intermediate overflowed the precision (e.g. inputs near 1e200).
    case overflow(stage: String, precision: String)
    /// H has no rows or no columns.
    case emptyInput(Shape)
    /// The run needs more memory than the machine has available.
    case insufficientMemory(needed: Int, available: Int)
    /// A mask entry that its kind does not allow: not 0 or 1 (keep, block), or +∞/NaN
    /// (additive).
    case invalidMaskEntry(row: Int, column: Int, value: Double, kind: String)
    /// RoPE's rotated dimensions are odd, not positive, or more than d_k.
    case invalidRotaryDimensions(dimensions: Int, headDim: Int)
    /// RoPE's base is not a positive finite number.
    case invalidRotaryBase(Double)
    /// A RoPE scaling rule (named) has a parameter out of its domain (described).
    case invalidRotaryScaling(String, String)
    /// The QK-norm's ε is negative or not finite.
    case invalidNormEpsilon(Double)
    /// A span of Q or K (named) in the row of `token` is all zeros while the QK-norm's ε is 0.
    case zeroNorm(name: String, token: Int)
    /// The sliding window is not a positive number of keys.
    case invalidWindow(Int)
    /// The soft-cap is not a positive finite number.
    case invalidSoftcap(Double)
    /// The soft-cap or its reciprocal is not a finite, non-zero number in the working precision.
    case softcapOutOfRange(Double, precision: String)
    /// The position offset is negative.
    case negativePositionOffset(Int)
    /// Positions `first ..< first + count` pass `limit` (2⁵³).
    case positionOutOfRange(first: Int, count: Int, limit: Int)
    /// RoPE with query row 0 at a negative position: more query rows than the offset plus the
    /// keys (queries are the last n_q positions of the keys' sequence).
    case negativeQueryPosition(position: Int, queries: Int, keys: Int)
    /// A per-batch list (memories, masks) whose length is neither 1 nor the batch size.
    case batchCountMismatch(name: String, count: Int, batch: Int)
    /// A width derived from the head counts and d_k (`2 × 4611686018427387904`, a sum of
    /// widths) does not fit in a 64-bit integer.
    case sizeOverflow(String)
    /// The configuration's memory limit is below 0 bytes.
    case negativeMemoryLimit(Int)
    /// A decode block of fewer than 0 rows (`AttentionCache.requireMemory(forBlockOf:)`).
    case negativeBlock(Int)
    /// The weights d_model is read from have none on that side: `wq` with 0 `rows` (or
    /// `columns`, in the torch layout) gives no model width.
    case noModelWidth(name: String, side: String)

    public var category: ErrorCategory {
        switch self {
        case .headsDoNotDivideModel, .headsDoNotDivideQueries, .kvHeadsDoNotDivideHeads, .nonPositive, .tokenOutOfRange,
            .invalidScale, .projectionSource, .invalidRotaryDimensions, .invalidRotaryBase, .invalidRotaryScaling,
            .invalidWindow, .invalidNormEpsilon, .softcapOutOfRange,
            .invalidSoftcap, .negativePositionOffset, .positionOutOfRange, .negativeQueryPosition, .sizeOverflow,
            .negativeMemoryLimit, .negativeBlock:
            return .usage
        case .shapeMismatch, .shapesDisagree, .nonFinite, .invalidMaskValue, .overflow, .emptyInput,
            .insufficientMemory, .noModelWidth,
            .invalidMaskEntry, .batchCountMismatch, .zeroNorm:
            return .data
        }
    }

    /// Why τ must divide d_model, said wherever it does not (the forward pass, `shapes`).
    static let headWidthNote = "each head takes d_k = d_model / τ columns unless a head width is given"

    public var description: String {
        switch self {
        case let .shapeMismatch(name, actual, reason, expected):
            return "\(name) is \(actual) but \(reason): \(name) must be \(expected)"
        case let .shapesDisagree(name, actual, other, otherShape, expected):
            return "\(other) is \(otherShape) but \(name) is \(actual): \(name) must be \(expected)"
        case let .headsDoNotDivideModel(modelDim, heads):
            return
                "d_model \(modelDim) is not divisible by \(heads) heads (\(modelDim) / \(heads) = \(quotient(modelDim, heads))): \(Self.headWidthNote)"
        case let .headsDoNotDivideQueries(width, heads):
            return
                "q's \(width) columns are not divisible by \(heads) heads (\(width) / \(heads) = \(quotient(width, heads))): each head takes d_k = width / τ columns unless a head width is given"
        case let .kvHeadsDoNotDivideHeads(heads, kvHeads):
            return
                "\(heads) heads are not divisible by \(kvHeads) kv_heads (\(heads) / \(kvHeads) = \(quotient(heads, kvHeads)))"
        case let .nonPositive(name, value):
            return "\(name) must be a positive integer, got \(value)"
        case let .tokenOutOfRange(token, tokens):
            return "token \(token) is out of range: the input has \(tokens) tokens (0…\(tokens - 1))"
        case let .invalidScale(scale):
            return "scale \(scale) is invalid: it must be a finite number"
        case let .nonFinite(name, row, column, value):
            return "\(name)[\(row), \(column)] is \(value): values must be finite"
        case let .invalidMaskValue(row, column, value):
            return "mask[\(row), \(column)] is \(value): mask entries must be 1 (may attend) or 0 (blocked)"
        case let .projectionSource(message):
            return message
        case let .overflow(stage, precision):
            return "\(stage) overflowed \(precision): the values (inputs, weights or scale) are too large to compute"
        case let .emptyInput(shape):
            return "x is \(shape): the input needs at least one token and one column"
        case let .insufficientMemory(needed, available):
            return "this run needs \(ByteCount.describe(needed)); \(ByteCount.describe(available)) available"
        case let .invalidMaskEntry(row, column, value, kind):
            return kind == "additive"
                ? "mask[\(row), \(column)] is \(value): an additive mask's values must be finite or -inf (blocked)"
                : "mask[\(row), \(column)] is \(value): mask entries must be 0 or 1 (\(kind == "block" ? "1 = blocked, 0 = may attend" : "1 = may attend, 0 = blocked"))"
        case let .invalidRotaryDimensions(dimensions, headDim):
            if dimensions == headDim, headDim % 2 != 0 {
                return
                    headDim == 1
                    ? "rope dimensions 1 are invalid: RoPE turns pairs of dimensions, but d_k = 1 has no pair to turn; run without RoPE, or with wider heads"
                    : "rope dimensions \(dimensions) are invalid: RoPE turns pairs of dimensions, but d_k = \(headDim) is odd; rotate an even part of each head (rope dimensions \(headDim - 1) or fewer)"
            }
            return "rope dimensions \(dimensions) are invalid: they must be even, positive and at most d_k = \(headDim)"
        case let .invalidRotaryBase(base):
            return "rope base \(base) is invalid: it must be a positive finite number"
        case let .invalidRotaryScaling(name, problem):
            return "rope scaling \(name) is invalid: \(problem)"
        case let .invalidNormEpsilon(epsilon):
            return "qk-norm epsilon \(epsilon) is invalid: it must be a finite number, 0 or more"
        case let .zeroNorm(name, token):
            return
                "\(name) of token \(token) has a span of zeros and the QK-norm's epsilon is 0: its root mean square is 0, so it cannot be normalised (give an epsilon above 0)"
        case let .invalidWindow(window):
            return "window \(window) is invalid: it must be a positive number of keys, at most 2^53"
        case let .softcapOutOfRange(cap, precision):
            return
                "softcap \(cap) is out of \(precision)'s range: C·tanh(s/C) needs C and 1/C to be finite, non-zero \(precision) numbers"
        case let .invalidSoftcap(cap):
            return "softcap \(cap) is invalid: it must be a positive finite number"
        case let .negativePositionOffset(offset):
            return "position offset \(offset) is invalid: it must be 0 or more"
        case let .positionOutOfRange(first, count, limit):
            return
                "the last position, \(first) + \(count) − 1, passes 2^53 = \(limit), the largest position (float64 holds every integer up to it exactly): give a smaller position offset"

        case let .negativeQueryPosition(position, queries, keys):
            return
                "RoPE turns every query by its position, but with \(queries) query rows and \(keys) \(keys == 1 ? "key" : "keys") (the queries are the last positions of the keys' sequence) query row 0 is at position \(position): give a position offset of at least \(-position), or as many keys as queries"
        case let .batchCountMismatch(name, count, batch):
            return "\(count) \(name) for a batch of \(batch) sequences: give one (shared) or \(batch)"
        case let .sizeOverflow(what):
            return "\(what) is too large to compute (overflows a 64-bit integer)"
        case let .negativeBlock(rows):
            return "a block of \(rows) rows is invalid: it must have 0 rows or more"
        case let .negativeMemoryLimit(limit):
            return "memory limit \(limit) bytes is invalid: it must be 0 or more (nil for no limit)"
        case let .noModelWidth(name, side):
            return "\(name) has 0 \(side): d_model must be ≥ 1 (d_model is the number of \(name)'s \(side))"
        }
    }
}

/// `a / b` written as a student would: `76.8`, or `2.4`.
func quotient(_ a: Int, _ b: Int) -> String {
    guard b != 0 else { return "undefined" }
    let value = Double(a) / Double(b)
    var text = PrintfFormat.string("%.4f", value)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text
}
