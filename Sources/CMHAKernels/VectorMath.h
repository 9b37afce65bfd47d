// The score rules' vector functions for one instruction-set level and one scalar type:
// tanh, and the logits (scale, soft-cap, ALiBi, additive mask) in one pass. Included by LevelScalars.h right after
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

/// One vector of logits (see `logits`); `capped`, `sloped`, `biased` are constants after
/// inlining, so each combination compiles to its own loop.
static inline __attribute__((always_inline)) MHA_TARGET VEC MHA_NAME(logit_vector)(
    VEC x, MHA_T scale, MHA_T cap, MHA_T inverse, MHA_T slope, VEC distance, VEC bias,
    int capped, int sloped, int biased) {
    VEC s = x * scale;
    if (capped) s = MHA_NAME(tanh)(s * inverse) * cap;
    if (sloped) s = s - slope * distance;  // not fused: as ScoreRule.logit rounds it
    if (biased) {
        // A finite bias that takes the score to −∞ overflowed (scores near −1e308 plus a bias
        // of float64's lowest): NaN, which the caller reports as an overflow, never a blocked
        // key (only a bias of −∞ blocks).
        const VEC sum = s + bias;
        const BITS overflowed = (sum == SPLAT(-(MHA_T)__builtin_inf())) & (bias != SPLAT(-(MHA_T)__builtin_inf()));
        s = (VEC)(((BITS)sum & ~overflowed) | ((BITS)SPLAT((MHA_T)__builtin_nan("")) & overflowed));
    }
    return s;
}

/// The lanes of `a` where `a > b`, else `b`'s: the running maximum, NaN ignored.
static inline MHA_TARGET VEC MHA_NAME(larger)(VEC a, VEC b) {
    const BITS greater = a > b;
    return (VEC)(((BITS)a & greater) | ((BITS)b & ~greater));
}

static inline __attribute__((always_inline)) MHA_TARGET MHA_T MHA_NAME(logits_with)(
    MHA_T *row, long count, MHA_T scale, MHA_T cap, MHA_T slope, MHA_T distance,
    const MHA_T *bias, int capped, int sloped, int biased) {
    const MHA_T inverse = capped ? (MHA_T)1 / cap : 0;
    VEC lane;
    for (int j = 0; j < MHA_LANES; ++j) lane[j] = (MHA_T)j;
    VEC d = SPLAT(distance) - lane;  // distance − t: integers, exact, counted down
    VEC best = SPLAT(-(MHA_T)__builtin_inf());
    BITS overflowed = (BITS){0};  // lanes where a bias overflowed a logit to NaN
    long i = 0;
    for (; i + MHA_LANES <= count; i += MHA_LANES) {
        UVEC *slot = (UVEC *)(row + i);
        const VEC b = biased ? *(const UVEC *)(bias + i) : (VEC){0};
        const VEC s = MHA_NAME(logit_vector)(*slot, scale, cap, inverse, slope, d, b, capped, sloped, biased);
        *slot = s;
        best = MHA_NAME(larger)(s, best);
        if (biased) overflowed |= (BITS)(s != s);
        d = d - (MHA_T)MHA_LANES;
    }
    if (i < count) {
        VEC x = (VEC){0}, b = (VEC){0};
        for (long j = i; j < count; ++j) {
            x[j - i] = row[j];
            if (biased) b[j - i] = bias[j];
        }
        const VEC s = MHA_NAME(logit_vector)(x, scale, cap, inverse, slope, d, b, capped, sloped, biased);
        for (long j = i; j < count; ++j) {
            row[j] = s[j - i];
            if (s[j - i] > best[0]) best[0] = s[j - i];
            if (biased && s[j - i] != s[j - i]) overflowed[0] = -1;
        }
    }
    if (biased && __builtin_reduce_or(overflowed)) return (MHA_T)__builtin_nan("");
    MHA_T result = -(MHA_T)__builtin_inf();
    for (int j = 0; j < MHA_LANES; ++j)
        if (best[j] > result) result = best[j];
    return result;
}

/// A score row's logits in place, x ← x·scale, then (cap > 0) cap·tanh(x·(1/cap)), then
/// (slope ≠ 0) x − slope·(distance − t) for the t-th entry, then (bias) x + bias[t]: one pass
/// over the row. Returns the largest logit (NaN ignored), −∞ for none; NaN when a bias
/// overflowed a logit (`logit_vector`), so that the caller sees it without another pass.
MHA_TARGET MHA_T MHA_NAME(logits)(MHA_T *row, long count, MHA_T scale, MHA_T cap, MHA_T slope,
                                  MHA_T distance, const MHA_T *bias) {
    const int capped = cap > 0, sloped = slope != 0, biased = bias != 0;
#define MHA_LOGITS(c, s, b) MHA_NAME(logits_with)(row, count, scale, cap, slope, distance, bias, c, s, b)
    if (capped) {
        if (sloped) return biased ? MHA_LOGITS(1, 1, 1) : MHA_LOGITS(1, 1, 0);
        return biased ? MHA_LOGITS(1, 0, 1) : MHA_LOGITS(1, 0, 0);
    }
    if (sloped) return biased ? MHA_LOGITS(0, 1, 1) : MHA_LOGITS(0, 1, 0);
    return biased ? MHA_LOGITS(0, 0, 1) : MHA_LOGITS(0, 0, 0);
#undef MHA_LOGITS
}

#undef VEC
#undef BITS
#undef UVEC
#undef SPLAT
