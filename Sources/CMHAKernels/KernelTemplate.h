// One instruction-set level's kernels for one scalar type, written once with the
// compiler's vector extensions and included by each level's file with:
//   MHA_T        the scalar (double or float)     MHA_I      the same-width integer
//   MHA_LANES    scalars per machine vector       MHA_MR     rows of the register tile
//   MHA_NV       vectors per tile row (NR = NV · LANES)
//   MHA_NAME(x)  a unique name for x             MHA_TARGET the function attribute
//   MHA_EXP_*    the exponential's constants (see below)
// Not a header of its own: it has no include guard on purpose.

#define MHA_NR (MHA_NV * MHA_LANES)
/// Depth steps before the end of a register tile at which its C lines are fetched into L1.
#define MHA_C_LEAD 64

typedef MHA_T MHA_NAME(vector) __attribute__((vector_size(sizeof(MHA_T) * MHA_LANES)));
typedef MHA_I MHA_NAME(bits) __attribute__((vector_size(sizeof(MHA_T) * MHA_LANES)));
/// The same vector at any address aligned to its scalar (C rows, score rows).
typedef MHA_T MHA_NAME(unaligned)
    __attribute__((vector_size(sizeof(MHA_T) * MHA_LANES), aligned(sizeof(MHA_T))));

#define VEC MHA_NAME(vector)
#define BITS MHA_NAME(bits)
#define UVEC MHA_NAME(unaligned)

/// x in every lane (one broadcast instruction).
static inline MHA_TARGET VEC MHA_NAME(splat)(MHA_T x) {
    VEC v;
    for (int lane = 0; lane < MHA_LANES; ++lane) v[lane] = x;
    return v;
}
#define SPLAT MHA_NAME(splat)

/// C tile (+)= Ã panel · B̃ panel: MR × NR accumulators in registers for the whole depth.
/// `rows` × `columns` (≤ MR × NR) of the tile are stored.
/// A is read at a[r·rowStep + p·depthStep]: (1, MR) for a packed panel, (lda, 1) for rows of
/// a row-major matrix in L1 (the attention's P tile, which then needs no packing).
static inline __attribute__((always_inline)) MHA_TARGET void MHA_NAME(register_tile)(long depth, const MHA_T *restrict a,
                                             long rowStep, long depthStep,
                                             const MHA_T *restrict b, MHA_T *restrict c,
                                             long ldc, long rows, long columns, int accumulate) {
    // C's rows are far apart (a row stride of kilobytes) and often come from L3 or memory:
    // a deep tile asks for its lines in L2 now (prefetcht1), and every tile asks for them in
    // L1 MHA_C_LEAD depth steps before the end, so that they have arrived when the
    // accumulators are added to them without sitting in L1 beside the B panel for the whole
    // depth (measured: docs/performance.md).
    VEC acc[MHA_MR][MHA_NV];
#pragma clang loop unroll(full)
    for (int r = 0; r < MHA_MR; ++r) {
#pragma clang loop unroll(full)
        for (int v = 0; v < MHA_NV; ++v) acc[r][v] = (VEC){0};
    }
    if (depth > MHA_C_LEAD) {
#pragma clang loop unroll(full)
        for (int r = 0; r < MHA_MR; ++r) {
            __builtin_prefetch(c + r * ldc, 1, 2);
            __builtin_prefetch(c + r * ldc + MHA_NR - 1, 1, 2);
        }
    }
    const VEC *bp = (const VEC *)b;  // packed panels are aligned to the vector
    // One depth step: NV vectors of the B panel times MR broadcast values of A.
#define MHA_DEPTH_STEP()                                                                    \
    do {                                                                                    \
        VEC bv[MHA_NV];                                                                     \
        _Pragma("clang loop unroll(full)") for (int v = 0; v < MHA_NV; ++v) bv[v] = bp[v];  \
        _Pragma("clang loop unroll(full)") for (int r = 0; r < MHA_MR; ++r) {               \
            const VEC x = SPLAT(a[r * rowStep]);                                            \
            _Pragma("clang loop unroll(full)") for (int v = 0; v < MHA_NV; ++v)             \
                acc[r][v] = MHA_FMA(x, bv[v], acc[r][v]);                                   \
        }                                                                                   \
        a += depthStep;                                                                     \
        bp += MHA_NV;                                                                       \
    } while (0)
    const long lead = depth > MHA_C_LEAD ? depth - MHA_C_LEAD : 0;
    for (long p = 0; p < lead; ++p) MHA_DEPTH_STEP();
#pragma clang loop unroll(full)
    for (int r = 0; r < MHA_MR; ++r) {
        __builtin_prefetch(c + r * ldc, 1, 3);
        __builtin_prefetch(c + r * ldc + MHA_NR - 1, 1, 3);
    }
    for (long p = lead; p < depth; ++p) MHA_DEPTH_STEP();
#undef MHA_DEPTH_STEP
    if (rows == MHA_MR && columns == MHA_NR) {
#pragma clang loop unroll(full)
        for (int r = 0; r < MHA_MR; ++r) {
            UVEC *row = (UVEC *)(c + r * ldc);
#pragma clang loop unroll(full)
            for (int v = 0; v < MHA_NV; ++v) row[v] = accumulate ? row[v] + acc[r][v] : acc[r][v];
        }
        return;
    }
    // An edge tile: through a buffer, so that the accumulators are only ever indexed by
    // constants and stay in registers.
    MHA_T tile[MHA_MR][MHA_NR] __attribute__((aligned(64)));
#pragma clang loop unroll(full)
    for (int r = 0; r < MHA_MR; ++r)
#pragma clang loop unroll(full)
        for (int v = 0; v < MHA_NV; ++v) *(UVEC *)&tile[r][v * MHA_LANES] = acc[r][v];
    for (long r = 0; r < rows; ++r) {
        MHA_T *row = c + r * ldc;
        for (long j = 0; j < columns; ++j) row[j] = accumulate ? row[j] + tile[r][j] : tile[r][j];
    }
}

/// This level's register tile for this scalar.
mha_tile_shape MHA_NAME(tile_shape)(void) { return (mha_tile_shape){MHA_MR, MHA_NR}; }

/// Every MR × NR tile of one packed block pair, row of tiles by row of tiles: each Ã
/// micro-panel stays in L1 while the B̃ panels stream past from L2, and C's rows are walked
/// along (8 rows of consecutive lines, which the hardware prefetcher follows) instead of
/// down (a new 8 rows, 8 KiB apart, every tile). Measured against the column order:
/// docs/performance.md, fourth round.
MHA_TARGET void MHA_NAME(multiply_block)(long height, long width, long depth,
                                         const MHA_T *a, const MHA_T *b, MHA_T *c, long ldc,
                                         int accumulate) {
    for (long ir = 0; ir < height; ir += MHA_MR) {
        const long rows = height - ir < MHA_MR ? height - ir : MHA_MR;
        for (long jr = 0; jr < width; jr += MHA_NR) {
            const MHA_T *panel = b + jr * depth;
            const long columns = width - jr < MHA_NR ? width - jr : MHA_NR;
            MHA_NAME(register_tile)(depth, a + ir * depth, 1, MHA_MR, panel, c + ir * ldc + jr, ldc,
                                    rows, columns, accumulate);
        }
    }
}

/// `multiply_block` with A as rows of a row-major matrix (stride `lda`) instead of packed
/// panels; rows past `height` in the last register tile are read (and their results
/// dropped), so they must exist.
MHA_TARGET void MHA_NAME(multiply_rows)(long height, long width, long depth, const MHA_T *a,
                                        long lda, const MHA_T *b, MHA_T *c, long ldc,
                                        int accumulate) {
    for (long jr = 0; jr < width; jr += MHA_NR) {
        const MHA_T *panel = b + jr * depth;
        const long columns = width - jr < MHA_NR ? width - jr : MHA_NR;
        for (long ir = 0; ir < height; ir += MHA_MR) {
            const long rows = height - ir < MHA_MR ? height - ir : MHA_MR;
            MHA_NAME(register_tile)(depth, a + ir * lda, lda, 1, panel, c + ir * ldc + jr, ldc,
                                    rows, columns, accumulate);
        }
    }
}

/// eˣ for x ≤ 0 lane by lane: k = round(x / ln 2) (by adding and subtracting 1.5·2^p, which
/// also leaves k in the low bits), r = x − k·ln 2 with ln 2 split so that k·ln2_hi is exact,
/// eʳ by its Taylor series (Horner, fused where the level has FMA), and 2ᵏ built in the
/// exponent bits. Lanes below the cutoff (−∞ too) give 0; NaN stays NaN.
static inline MHA_TARGET VEC MHA_NAME(exponential)(VEC x) {
    const BITS underflow = x < MHA_EXP_CUTOFF;
    const VEC clamped = (VEC)(((BITS)x & ~underflow) | ((BITS)SPLAT(MHA_EXP_CUTOFF) & underflow));
    const VEC shifted = clamped * (MHA_T)MHA_EXP_LOG2E + (MHA_T)MHA_EXP_ROUND;
    const VEC k = shifted - (MHA_T)MHA_EXP_ROUND;
    VEC r = clamped - k * (MHA_T)MHA_EXP_LN2_HI;
    r = r - k * (MHA_T)MHA_EXP_LN2_LO;
    static const MHA_T coefficients[] = {MHA_EXP_COEFFICIENTS};
    VEC p = SPLAT(coefficients[0]);
    for (unsigned i = 1; i < sizeof coefficients / sizeof coefficients[0]; ++i)
        p = MHA_FMA(p, r, SPLAT(coefficients[i]));
    const BITS twoToK = (((BITS)shifted + MHA_EXP_BIAS) << MHA_EXP_SHIFT);
    return (VEC)((BITS)(p * (VEC)twoToK) & ~underflow);
}

MHA_TARGET MHA_T MHA_NAME(exponentiate)(MHA_T *row, long count, MHA_T scale, MHA_T shift) {
    VEC total = (VEC){0};
    long i = 0;
    for (; i + MHA_LANES <= count; i += MHA_LANES) {
        UVEC *slot = (UVEC *)(row + i);
        VEC product = *slot * scale;  // rounded: the row maximum was scaled the same way
        const VEC e = MHA_NAME(exponential)(product + shift);
        *slot = e;
        total += e;
    }
    if (i < count) {
        VEC x = SPLAT(-(MHA_T)__builtin_inf());
        for (long j = i; j < count; ++j) x[j - i] = row[j];
        VEC product = x * scale;
        const VEC e = MHA_NAME(exponential)(product + shift);
        for (long j = i; j < count; ++j) row[j] = e[j - i];
        total += e;
    }
    MHA_T sum = 0;
    for (int lane = 0; lane < MHA_LANES; ++lane) sum += total[lane];
    return sum;
}

MHA_TARGET MHA_T MHA_NAME(maximum)(const MHA_T *row, long count) {
    VEC best = SPLAT(-(MHA_T)__builtin_inf());
    long i = 0;
    for (; i + MHA_LANES <= count; i += MHA_LANES) {
        const VEC x = *(const UVEC *)(row + i);
        const BITS larger = x > best;
        best = (VEC)(((BITS)x & larger) | ((BITS)best & ~larger));
    }
    MHA_T result = -(MHA_T)__builtin_inf();
    for (int lane = 0; lane < MHA_LANES; ++lane)
        if (best[lane] > result) result = best[lane];
    for (; i < count; ++i)
        if (row[i] > result) result = row[i];
    return result;
}

/// The arithmetic peak probe: 12 independent multiply-add chains in registers (enough to
/// cover the latency of two FMA units), no memory traffic. Returns the FLOPs done.
MHA_TARGET double MHA_NAME(peak_probe)(long iterations, double *checksum) {
    VEC acc[12];
    for (int i = 0; i < 12; ++i) acc[i] = SPLAT((MHA_T)i * (MHA_T)1e-3);
    const VEC factor = SPLAT((MHA_T)0.999), term = SPLAT((MHA_T)1e-3);
    for (long it = 0; it < iterations; ++it)
        for (int i = 0; i < 12; ++i) acc[i] = MHA_FMA(acc[i], factor, term);
    double sum = 0;
    for (int i = 0; i < 12; ++i)
        for (int lane = 0; lane < MHA_LANES; ++lane) sum += acc[i][lane];
    *checksum = sum;
    return 2.0 * 12 * MHA_LANES * (double)iterations;
}

#undef VEC
#undef BITS
#undef UVEC
#undef SPLAT
#undef MHA_NR
#undef MHA_C_LEAD
