/// The keys and values of the tokens decoded so far: what autoregressive decoding keeps so
/// that a new token costs O(n·d_k·τ) instead of recomputing K and V for all n tokens.
///
/// Row t of `keys` and `values` is the token at sequence position `positions[t]`, after
/// projection, bias (and position encoding, for keys); positions are consecutive and end at
/// `nextPosition − 1`. With a sliding window only the most recent keys are kept, so the first
/// position may be larger than 0.
///
///     var cache = try KVCache<Double>(kvHeads: 2, headDim: 4)
///     cache.count           // 0
///     cache.nextPosition    // 0
///
/// - Complexity: memory O(n·g·d_k) (with a window of W: O(W·g·d_k)).
public struct KVCache<Scalar: AttentionScalar>: Sendable, Equatable {
    /// g, the number of key/value heads.
    public let kvHeads: Int
    /// d_k, the width of one head.
    public let headDim: Int
    /// The position the next appended token gets.
    public private(set) var nextPosition: Int
    /// Row-major K and V storage; rows before `firstLive` were dropped by `keepLast` and are
    /// reclaimed lazily (amortised O(g·d_k) per token).
    private var keyStorage: [Scalar] = []
    private var valueStorage: [Scalar] = []
    private var firstLive = 0

    /// An empty cache whose first token will be at `startPosition`.
    /// - Throws: `AttentionError.nonPositive` for a head count or width below 1,
    ///   `.sizeOverflow` when g·d_k does not fit in `Int`, `.negativePositionOffset` for a
    ///   start below 0.
    public init(kvHeads: Int, headDim: Int, startPosition: Int = 0) throws(AttentionError) {
        _ = try Self.rowWidth(kvHeads: kvHeads, headDim: headDim)
        guard startPosition >= 0 else { throw .negativePositionOffset(startPosition) }
        self.kvHeads = kvHeads
        self.headDim = headDim
        self.nextPosition = startPosition
    }

    /// A cache restored from saved keys and values (n × g·d_k each) whose last row is the
    /// token at `nextPosition − 1` (so the first is at `nextPosition − n`).
    /// - Throws: `AttentionError.shapeMismatch` when K and V differ in shape or are not
    ///   g·d_k wide, `.nonFinite` for a NaN or infinite entry, `.nonPositive` for a head count
    ///   or width below 1; `DecodeError.positionsBeforeStart` when `nextPosition < n`.
    public init(
        keys: Matrix<Scalar>, values: Matrix<Scalar>, kvHeads: Int, headDim: Int,
        nextPosition: Int
    ) throws {
        let width = try Self.rowWidth(kvHeads: kvHeads, headDim: headDim)
        let reason = "the cache has \(kvHeads) kv_heads of width \(headDim)"
        guard keys.columns == width || keys.rows == 0 else {
            throw AttentionError.shapeMismatch(name: "k", actual: keys.shape, reason: reason, expected: "n×\(width)")
        }
        guard values.rows == keys.rows, values.columns == keys.columns || keys.rows == 0 else {
            throw AttentionError.shapeMismatch(
                name: "v", actual: values.shape, reason: "k is \(keys.shape)",
                expected: "\(keys.shape)")
        }
        guard nextPosition >= keys.rows else {
            throw DecodeError.positionsBeforeStart(tokens: keys.rows, nextPosition: nextPosition)
        }
        try ResolvedAttention.requireFinite("k", keys)
        try ResolvedAttention.requireFinite("v", values)
        self.kvHeads = kvHeads
        self.headDim = headDim
        self.nextPosition = nextPosition
        keyStorage = keys.elements
        valueStorage = values.elements
    }

    /// g·d_k for a valid g and d_k (both positive, the product within `Int`).
    private static func rowWidth(kvHeads: Int, headDim: Int) throws(AttentionError) -> Int {
        guard kvHeads > 0 else { throw .nonPositive(name: "kv_heads", value: kvHeads) }
        guard headDim > 0 else { throw .nonPositive(name: "head_dim", value: headDim) }
        return try AttentionRules.width(kvHeads, headDim)
    }

    /// g·d_k, the width of a cached key or value row.
    public var rowWidth: Int { kvHeads * headDim }

    /// n, the number of cached tokens.
    public var count: Int { keyStorage.count / rowWidth - firstLive }

    /// The position of cached row 0 (`nextPosition − count`).
    public var firstPosition: Int { nextPosition - count }

    /// The positions of the cached rows, in order.
    public var positions: Range<Int> { firstPosition..<nextPosition }

    /// The cached keys, n × g·d_k (a copy).
    public var keys: Matrix<Scalar> { live(keyStorage) }

    /// The cached values, n × g·d_k (a copy).
    public var values: Matrix<Scalar> { live(valueStorage) }

    private func live(_ storage: [Scalar]) -> Matrix<Scalar> {
        Matrix(uncheckedRows: count, columns: rowWidth, elements: Array(storage[(firstLive * rowWidth)...]))
    }

    /// Appends the keys and values of the next `k.rows` tokens (each g·d_k wide).
    mutating func append(keys k: Matrix<Scalar>, values v: Matrix<Scalar>) {
        precondition(k.columns == rowWidth && v.shape == k.shape, "cache rows must be g·d_k wide")
        keyStorage += k.elements
        valueStorage += v.elements
        nextPosition += k.rows
    }

    /// A bound on the bytes the storage takes at its peak while `rows` more tokens are
    /// appended: its keys and values at their present capacity, and, when they must grow,
    /// the new buffers (arrays double) beside them until the old ones are freed; nil when
    /// that overflows `Int`.
    func peakBytes(adding rows: Int) -> Int? {
        let capacity = keyStorage.capacity
        guard let added = CheckedArithmetic.product(rows, rowWidth),
            let elements = CheckedArithmetic.sum([keyStorage.count, added])
        else { return nil }
        let grown = elements > capacity ? Swift.max(elements, 2 * capacity) : 0
        return CheckedArithmetic.sum([capacity, grown]).flatMap {
            CheckedArithmetic.product([2, $0, MemoryLayout<Scalar>.stride])
        }
    }

    /// Bytes the key and value storage holds now (its capacity).
    public var storageBytes: Int {
        (keyStorage.capacity + valueStorage.capacity) * MemoryLayout<Scalar>.stride
    }

    /// Removes the last `rows` tokens (undoing an `append` whose block failed).
    mutating func removeLast(_ rows: Int) {
        precondition(rows <= count, "cannot remove more rows than cached")
        keyStorage.removeLast(rows * rowWidth)
        valueStorage.removeLast(rows * rowWidth)
        nextPosition -= rows
    }

    /// Keeps only the most recent `limit` tokens. Dropped rows are reclaimed once they
    /// outnumber the live ones, so the storage stays within about twice the kept rows.
    mutating func keepLast(_ limit: Int) {
        guard count > limit else { return }
        firstLive += count - Swift.max(limit, 0)
        if firstLive >= count {
            keyStorage.removeFirst(firstLive * rowWidth)
            valueStorage.removeFirst(firstLive * rowWidth)
            firstLive = 0
        }
    }

    /// Calls `body` with pointers to the first live key and value rows (row stride g·d_k).
    func withLiveRows<R>(_ body: (UnsafePointer<Scalar>, UnsafePointer<Scalar>) -> R) -> R? {
        keyStorage.withUnsafeBufferPointer { k in
            valueStorage.withUnsafeBufferPointer { v in
                guard let kb = k.baseAddress, let vb = v.baseAddress else { return nil }
                return body(kb + firstLive * rowWidth, vb + firstLive * rowWidth)
            }
        }
    }

    public static func == (a: KVCache, b: KVCache) -> Bool {
        a.kvHeads == b.kvHeads && a.headDim == b.headDim && a.nextPosition == b.nextPosition
            && a.keys == b.keys && a.values == b.values
    }
}
