// The finite check of every input and intermediate: a scan over the bits, which the
// compiler vectorises at the baseline level (the scan is bound by memory, not by the
// vector width, so it needs no per-level copies).
#include <stdint.h>
#include <string.h>

#include "CMHAKernels.h"

/// Values checked per block before the early exit: long enough for the vector loop, short
/// enough that an early NaN is found without reading the rest.
#define MHA_FINITE_BLOCK 2048

/// A value is NaN or ±∞ when all of its exponent bits are set: OR that test over a block
/// (vectorised, no branch), and search the block only when it is true.
#define MHA_FIRST_NONFINITE(name, T, Bits, exponent)                                          \
    long name(const T *values, long count) {                                                 \
        for (long start = 0; start < count; start += MHA_FINITE_BLOCK) {                     \
            const long end = count - start < MHA_FINITE_BLOCK ? count : start + MHA_FINITE_BLOCK; \
            Bits any = 0;                                                                    \
            for (long i = start; i < end; ++i) {                                             \
                Bits bits;                                                                   \
                memcpy(&bits, values + i, sizeof bits);                                      \
                any |= (bits & (exponent)) == (exponent);                                    \
            }                                                                                \
            if (!any) continue;                                                              \
            for (long i = start; i < end; ++i) {                                             \
                Bits bits;                                                                   \
                memcpy(&bits, values + i, sizeof bits);                                      \
                if ((bits & (exponent)) == (exponent)) return i;                             \
            }                                                                                \
        }                                                                                    \
        return -1;                                                                           \
    }

MHA_FIRST_NONFINITE(mha_f64_first_nonfinite, double, uint64_t, 0x7ff0000000000000ull)
MHA_FIRST_NONFINITE(mha_f32_first_nonfinite, float, uint32_t, 0x7f800000u)
