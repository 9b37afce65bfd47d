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

#undef VEC
#undef UVEC
