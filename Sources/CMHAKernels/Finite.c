// The finite check of every input and intermediate: a scan over the bits, which the
// compiler vectorises at the baseline level (the scan is bound by memory, not by the
// vector width, so it needs no per-level copies).
#include <stdint.h>
#include <string.h>

#include "CMHAKernels.h"

/// Values checked per block before the early exit: long enough for the vector loop, short
/// enough that an early NaN is found without reading the rest.
#define MHA_FINITE_BLOCK 2048

long mha_f64_first_nonfinite(const double *values, long count) {
    const uint64_t exponent = 0x7ff0000000000000ull;
    for (long start = 0; start < count; start += MHA_FINITE_BLOCK) {
        const long end = count - start < MHA_FINITE_BLOCK ? count : start + MHA_FINITE_BLOCK;
        uint64_t any = 0;
        for (long i = start; i < end; ++i) {
            uint64_t bits;
            memcpy(&bits, values + i, sizeof bits);
            any |= (bits & exponent) == exponent;
        }
        if (!any) continue;
        for (long i = start; i < end; ++i) {
            uint64_t bits;
            memcpy(&bits, values + i, sizeof bits);
            if ((bits & exponent) == exponent) return i;
        }
    }
    return -1;
}

long mha_f32_first_nonfinite(const float *values, long count) {
    const uint32_t exponent = 0x7f800000u;
    for (long start = 0; start < count; start += MHA_FINITE_BLOCK) {
        const long end = count - start < MHA_FINITE_BLOCK ? count : start + MHA_FINITE_BLOCK;
        uint32_t any = 0;
        for (long i = start; i < end; ++i) {
            uint32_t bits;
            memcpy(&bits, values + i, sizeof bits);
            any |= (bits & exponent) == exponent;
        }
        if (!any) continue;
        for (long i = start; i < end; ++i) {
            uint32_t bits;
            memcpy(&bits, values + i, sizeof bits);
            if ((bits & exponent) == exponent) return i;
        }
    }
    return -1;
}
