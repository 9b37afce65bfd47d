// The online softmax's per-row bookkeeping for one instruction-set level and one scalar type,
// included by LevelScalars.h after KernelTemplate.h (whose `exponentiate` it calls), with the
// same macros defined plus MHA_SCALAR_EXP (the C library's exp or expf: the same function the
// Swift side calls). No include guard on purpose.

#define VEC MHA_NAME(vector)
#define UVEC MHA_NAME(unaligned)

MHA_TARGET int MHA_NAME(scaled_finite)(const MHA_T *row, long count, MHA_T scale) {
    // x·scale·0 is 0 for a finite product and NaN for ±∞ or NaN: one vector sum tells.
    VEC probe = (VEC){0};
    long i = 0;
    for (; i + MHA_LANES <= count; i += MHA_LANES) probe += *(const UVEC *)(row + i) * scale * (MHA_T)0;
    MHA_T total = 0;
    for (int lane = 0; lane < MHA_LANES; ++lane) total += probe[lane];
    for (; i < count; ++i) total += row[i] * scale * (MHA_T)0;
    return total == 0;
}

MHA_TARGET void MHA_NAME(softmax_step)(MHA_T *row, long width, long lower, long upper, MHA_T scale,
                                       MHA_T blockMaximum, MHA_T *maximum, MHA_T *sum,
                                       MHA_T *accumulator, long valueDim) {
    const MHA_T previous = *maximum;
    const MHA_T m = blockMaximum >= previous ? blockMaximum : previous;
    if (!(m > -(MHA_T)__builtin_inf())) {
        for (long t = 0; t < width; ++t) row[t] = 0;
        return;
    }
    const MHA_T correction = previous == -(MHA_T)__builtin_inf() ? 0 : MHA_SCALAR_EXP(previous - m);
    for (long t = 0; t < lower; ++t) row[t] = 0;
    for (long t = upper; t < width; ++t) row[t] = 0;
    const MHA_T total = MHA_NAME(exponentiate)(row + lower, upper - lower, scale, -m);
    *sum = *sum * correction + total;
    *maximum = m;
    if (correction != 1)
        for (long p = 0; p < valueDim; ++p) accumulator[p] *= correction;
}

/// A whole row's softmax in place (the path that keeps the weights): m = max, then
/// exp(x − m) by the vector exponential and the row scaled by 1/Σ. A row whose finite entries
/// reach below m + cutoff (weights the vector exponential would flush to 0 instead of giving
/// their subnormal value) is exponentiated by the C library's exp instead, entry by entry, so
/// that every weight shown is the correctly rounded one. Returns 0 for a row with no entry
/// above −∞ (it becomes zeros), else 1.
MHA_TARGET int MHA_NAME(softmax_row)(MHA_T *row, long count) {
    const MHA_T inf = (MHA_T)__builtin_inf();
    VEC best = MHA_NAME(splat)(-inf), least = MHA_NAME(splat)(inf);
    long i = 0;
    for (; i + MHA_LANES <= count; i += MHA_LANES) {
        const VEC x = *(const UVEC *)(row + i);
        const MHA_NAME(bits) larger = x > best, smaller = (x < least) & (x > -inf);
        best = (VEC)(((MHA_NAME(bits))x & larger) | ((MHA_NAME(bits))best & ~larger));
        least = (VEC)(((MHA_NAME(bits))x & smaller) | ((MHA_NAME(bits))least & ~smaller));
    }
    MHA_T m = -inf, low = inf;
    for (int lane = 0; lane < MHA_LANES; ++lane) {
        if (best[lane] > m) m = best[lane];
        if (least[lane] < low) low = least[lane];
    }
    for (; i < count; ++i) {
        if (row[i] > m) m = row[i];
        if (row[i] < low && row[i] > -inf) low = row[i];
    }
    if (!(m > -inf)) {
        for (long t = 0; t < count; ++t) row[t] = 0;
        return 0;
    }
    MHA_T total;
    if (low - m >= MHA_EXP_CUTOFF) {
        total = MHA_NAME(exponentiate)(row, count, 1, -m);
    } else {
        total = 0;
        for (long t = 0; t < count; ++t) {
            row[t] = MHA_SCALAR_EXP(row[t] - m);
            total += row[t];
        }
    }
    const MHA_T inverse = 1 / total;
    for (long t = 0; t < count; ++t) row[t] *= inverse;
    return 1;
}

#undef VEC
#undef UVEC
