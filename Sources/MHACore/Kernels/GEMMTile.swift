/// The register and cache block sizes of the packed matrix product for one scalar type.
///
/// A C tile of `rowsPerTile` × `Row.scalarCount` lives in registers during the micro-kernel:
/// two `Row` vectors per tile row. `depthBlock` (k_c) keeps a packed B panel (k_c × NR) in L1
/// and a packed A block (`rowBlock` × k_c) in L2; `columnBlock` (n_c) bounds the packed B
/// block kept in L3.
protocol GEMMTile {
    /// The element type.
    associatedtype Scalar: AttentionScalar
    /// Half a row of the register tile (NR / 2 scalars): one machine vector.
    associatedtype Row: SIMD where Row.Scalar == Scalar
    /// Unsigned integers of the same lane count and width as `Row`, for bit manipulation.
    associatedtype RowBits: SIMD where RowBits.Scalar: FixedWidthInteger & UnsignedInteger
    /// MR: rows of the register tile (4 or 8; the micro-kernel has a variant for each).
    static var rowsPerTile: Int { get }
    /// k_c: the depth of one packed panel.
    static var depthBlock: Int { get }
    /// m_c: rows of A packed at a time (a multiple of MR).
    static var rowBlock: Int { get }
    /// n_c: columns of B packed at a time (a multiple of NR).
    static var columnBlock: Int { get }
}

extension GEMMTile {
    /// NR: columns of the register tile.
    @inline(__always) static var columnsPerTile: Int { 2 * Row.scalarCount }
}

#if MHA_AVX512
/// Double tiles for AVX-512 builds: 8 rows × 16 columns = 16 zmm accumulators.
enum DoubleTile: GEMMTile {
    typealias Row = SIMD8<Double>
    typealias RowBits = SIMD8<UInt64>
    static var rowsPerTile: Int { 8 }
    static var depthBlock: Int { 256 }
    static var rowBlock: Int { 192 }
    static var columnBlock: Int { 4096 }
}

/// Float tiles for AVX-512 builds: 12 rows × 32 columns = 24 zmm accumulators.
enum FloatTile: GEMMTile {
    typealias Row = SIMD16<Float>
    typealias RowBits = SIMD16<UInt32>
    static var rowsPerTile: Int { 12 }
    static var depthBlock: Int { 256 }
    static var rowBlock: Int { 144 }
    static var columnBlock: Int { 4096 }
}
#elseif MHA_AVX2
/// Double tiles for AVX2 builds: 4 rows × 8 columns = 8 ymm accumulators.
enum DoubleTile: GEMMTile {
    typealias Row = SIMD4<Double>
    typealias RowBits = SIMD4<UInt64>
    static var rowsPerTile: Int { 4 }
    static var depthBlock: Int { 256 }
    static var rowBlock: Int { 128 }
    static var columnBlock: Int { 4096 }
}

/// Float tiles for AVX2 builds: 4 rows × 16 columns = 8 ymm accumulators.
enum FloatTile: GEMMTile {
    typealias Row = SIMD8<Float>
    typealias RowBits = SIMD8<UInt32>
    static var rowsPerTile: Int { 4 }
    static var depthBlock: Int { 256 }
    static var rowBlock: Int { 128 }
    static var columnBlock: Int { 4096 }
}
#else
/// Double tiles for portable (SSE2 / NEON) builds: 4 rows × 4 columns = 8 xmm accumulators.
enum DoubleTile: GEMMTile {
    typealias Row = SIMD2<Double>
    typealias RowBits = SIMD2<UInt64>
    static var rowsPerTile: Int { 4 }
    static var depthBlock: Int { 256 }
    static var rowBlock: Int { 128 }
    static var columnBlock: Int { 4096 }
}

/// Float tiles for portable (SSE2 / NEON) builds: 4 rows × 8 columns = 8 xmm accumulators.
enum FloatTile: GEMMTile {
    typealias Row = SIMD4<Float>
    typealias RowBits = SIMD4<UInt32>
    static var rowsPerTile: Int { 4 }
    static var depthBlock: Int { 256 }
    static var rowBlock: Int { 128 }
    static var columnBlock: Int { 4096 }
}
#endif
