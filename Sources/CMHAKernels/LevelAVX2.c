// AVX2 + FMA kernels: 16 ymm registers, so 6 × 8 Double and 6 × 16 Float register tiles
// (12 accumulators, two B vectors and one broadcast).
#pragma STDC FP_CONTRACT OFF
#if defined(__x86_64__)

#define MHA_LEVEL_NAME(x) mha_avx2_##x
#define MHA_TARGET __attribute__((target("avx2,fma")))
#define MHA_FMA(a, b, c) __builtin_elementwise_fma((a), (b), (c))
#define MHA_F64_LANES 4
#define MHA_F64_MR 6
#define MHA_F64_NV 2
#define MHA_F32_LANES 8
#define MHA_F32_MR 6
#define MHA_F32_NV 2
#include "CMHAKernels.h"
#include "LevelScalars.h"

#endif
