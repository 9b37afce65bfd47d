// AVX-512 kernels: 32 zmm registers, so 8 × 16 Double and 12 × 32 Float register tiles.
#pragma STDC FP_CONTRACT OFF
#if defined(__x86_64__)

#define MHA_LEVEL_NAME(x) mha_avx512_##x
#define MHA_TARGET __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma")))
#define MHA_FMA(a, b, c) __builtin_elementwise_fma((a), (b), (c))
#define MHA_F64_LANES 8
#ifndef MHA_F64_MR
#define MHA_F64_MR 8
#endif
#ifndef MHA_F64_NV
#define MHA_F64_NV 2
#endif
#define MHA_F32_LANES 16
#ifndef MHA_F32_MR
#define MHA_F32_MR 12
#endif
#ifndef MHA_F32_NV
#define MHA_F32_NV 2
#endif
#include "CMHAKernels.h"
#include "LevelScalars.h"

#endif
