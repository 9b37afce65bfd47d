// The scalar-specific constants of KernelTemplate.h: include after defining MHA_LEVEL_NAME(x)
// (a level-unique prefix), MHA_TARGET, MHA_FMA and the lane and tile counts
// MHA_F64_LANES, MHA_F64_MR, MHA_F64_NV, MHA_F32_LANES, MHA_F32_MR, MHA_F32_NV.
// No include guard: each level's file includes it once.

#include <math.h>

// Double: cutoff −708 (2^k stays normal), 14 Taylor terms (r¹⁴/14! < 5e-18 for |r| ≤ ln2/2);
// tanh's P (VectorMath.h) from scripts/tanh_coefficients.py, 12 terms.
#define MHA_T double
#define MHA_SCALAR_EXP exp
#define MHA_I long long
#define MHA_LANES MHA_F64_LANES
#define MHA_MR MHA_F64_MR
#define MHA_NV MHA_F64_NV
#define MHA_NAME(x) MHA_LEVEL_NAME(f64_##x)
#define MHA_EXP_CUTOFF (-708.0)
#define MHA_EXP_LOG2E 1.4426950408889634
#define MHA_EXP_ROUND 6755399441055744.0
#define MHA_EXP_LN2_HI 6.93147180369123816490e-01
#define MHA_EXP_LN2_LO 1.90821492927058770002e-10
#define MHA_EXP_BIAS 1023
#define MHA_EXP_SHIFT 52
#define MHA_EXP_COEFFICIENTS                                                               \
    1.0 / 6227020800, 1.0 / 479001600, 1.0 / 39916800, 1.0 / 3628800, 1.0 / 362880,      \
        1.0 / 40320, 1.0 / 5040, 1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5, 1.0, 1.0
#define MHA_TANH_COEFFICIENTS                                                              \
    6.4851634827931131e-6, -3.12011014257974e-5, 9.2571161295567683e-5,                  \
        -2.375906496055562e-4, 5.8966065777570433e-4, -1.4557754120478055e-3,            \
        3.5921217511549623e-3, -8.8632351032408779e-3, 2.1869488519008306e-2,            \
        -5.3968253967896992e-2, 1.3333333333333042e-1, -3.3333333333333333e-1
#include "KernelTemplate.h"
#include "VectorMath.h"
#include "SoftmaxStep.h"
#undef MHA_T
#undef MHA_SCALAR_EXP
#undef MHA_I
#undef MHA_LANES
#undef MHA_MR
#undef MHA_NV
#undef MHA_NAME
#undef MHA_EXP_CUTOFF
#undef MHA_EXP_LOG2E
#undef MHA_EXP_ROUND
#undef MHA_EXP_LN2_HI
#undef MHA_EXP_LN2_LO
#undef MHA_EXP_BIAS
#undef MHA_EXP_SHIFT
#undef MHA_EXP_COEFFICIENTS
#undef MHA_TANH_COEFFICIENTS

// Float: cutoff −87, 8 Taylor terms (r⁸/8! < 6e-9); tanh's P, 6 terms.
#define MHA_T float
#define MHA_SCALAR_EXP expf
#define MHA_I int
#define MHA_LANES MHA_F32_LANES
#define MHA_MR MHA_F32_MR
#define MHA_NV MHA_F32_NV
#define MHA_NAME(x) MHA_LEVEL_NAME(f32_##x)
#define MHA_EXP_CUTOFF (-87.0f)
#define MHA_EXP_LOG2E 1.44269504f
#define MHA_EXP_ROUND 12582912.0f
#define MHA_EXP_LN2_HI 0.693145751953125f
#define MHA_EXP_LN2_LO 1.428606765330187e-06f
#define MHA_EXP_BIAS 127
#define MHA_EXP_SHIFT 23
#define MHA_EXP_COEFFICIENTS \
    1.0f / 5040, 1.0f / 720, 1.0f / 120, 1.0f / 24, 1.0f / 6, 0.5f, 1.0f, 1.0f
#define MHA_TANH_COEFFICIENTS                                                              \
    2.29274482e-3f, -8.34394552e-3f, 2.17689187e-2f, -5.39592596e-2f, 1.33333036e-1f,    \
        -3.33333332e-1f
#include "KernelTemplate.h"
#include "VectorMath.h"
#include "SoftmaxStep.h"
#undef MHA_T
#undef MHA_SCALAR_EXP
#undef MHA_I
#undef MHA_LANES
#undef MHA_MR
#undef MHA_NV
#undef MHA_NAME
#undef MHA_EXP_CUTOFF
#undef MHA_EXP_LOG2E
#undef MHA_EXP_ROUND
#undef MHA_EXP_LN2_HI
#undef MHA_EXP_LN2_LO
#undef MHA_EXP_BIAS
#undef MHA_EXP_SHIFT
#undef MHA_EXP_COEFFICIENTS
#undef MHA_TANH_COEFFICIENTS
