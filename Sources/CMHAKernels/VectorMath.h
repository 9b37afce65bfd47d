// The score rules' vector functions for one instruction-set level and one scalar type:
// tanh and the soft-cap built on it. Included by LevelScalars.h right after
// KernelTemplate.h, with the same macros defined (MHA_T, MHA_I, MHA_LANES, MHA_NAME,
// MHA_TARGET, MHA_FMA) plus
//   MHA_TANH_COEFFICIENTS  P's coefficients, highest degree first (scripts/tanh_coefficients.py)
// It uses KernelTemplate.h's vector types and its `exponential`. No include guard on purpose.

#define VEC MHA_NAME(vector)
#define BITS MHA_NAME(bits)
#define UVEC MHA_NAME(unaligned)
#define SPLAT MHA_NAME(splat)

/// tanh lane by lane, within about 2 ulp (tested against the platform's over a dense sweep).
/// With a = |x|:
/// - a < 0.625: tanh(a) = a + a³·P(a²), P a near-minimax fit (fit error below 0.02 ulp);
/// - otherwise, with u = e^(−2a) ≤ 0.29 from the softmax's exponential (whose domain is ≤ 0):
///   tanh(a) = (1 − u)/(1 + u), no cancellation; u underflows to 0 for large a (and +∞),
///   giving 1.
/// The sign of x is put back last (tanh is odd, so −0 stays −0); NaN stays NaN. A vector whose
/// lanes all fall on one side computes only that side.
static inline MHA_TARGET VEC MHA_NAME(tanh)(VEC x) {
    const BITS sign = (BITS)x & (BITS)SPLAT(-(MHA_T)0);
    const VEC a = (VEC)((BITS)x & ~sign);
    const BITS small = a < (MHA_T)0.625;
    VEC y = (VEC){0};
    if (__builtin_reduce_or(small)) {
        static const MHA_T coefficients[] = {MHA_TANH_COEFFICIENTS};
        const VEC a2 = a * a;
        VEC p = SPLAT(coefficients[0]);
        for (unsigned i = 1; i < sizeof coefficients / sizeof coefficients[0]; ++i)
            p = MHA_FMA(p, a2, SPLAT(coefficients[i]));
        y = (VEC)((BITS)MHA_FMA(a * a2, p, a) & small);
    }
    if (!__builtin_reduce_and(small)) {
        const VEC u = MHA_NAME(exponential)(a * (MHA_T)-2);
        const VEC large = ((MHA_T)1 - u) / ((MHA_T)1 + u);
        y = (VEC)((BITS)y | ((BITS)large & ~small));
    }
    return (VEC)((BITS)y | sign);
}

/// Soft-cap in place: x ← c·tanh((x·scale)·(1/c)) for row[0..<count].
MHA_TARGET void MHA_NAME(softcap)(MHA_T *row, long count, MHA_T scale, MHA_T cap) {
    const MHA_T inverse = (MHA_T)1 / cap;
    long i = 0;
    for (; i + MHA_LANES <= count; i += MHA_LANES) {
        UVEC *slot = (UVEC *)(row + i);
        const VEC s = *slot * scale;
        *slot = MHA_NAME(tanh)(s * inverse) * cap;
    }
    if (i < count) {
        VEC x = (VEC){0};
        for (long j = i; j < count; ++j) x[j - i] = row[j];
        const VEC s = x * scale;
        const VEC y = MHA_NAME(tanh)(s * inverse) * cap;
        for (long j = i; j < count; ++j) row[j] = y[j - i];
    }
}

#undef VEC
#undef BITS
#undef UVEC
#undef SPLAT
