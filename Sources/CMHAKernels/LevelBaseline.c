// Baseline kernels: x86-64's SSE2 (two Doubles, four Floats per vector) with separate
// multiply and add, or on other architectures the same code in the compiler's portable
// vectors (NEON on arm64, where a multiply-add may be fused).
#pragma STDC FP_CONTRACT OFF

#define MHA_LEVEL_NAME(x) mha_baseline_##x
#define MHA_TARGET
#define MHA_FMA(a, b, c) ((c) + (a) * (b))
#define MHA_F64_LANES 2
#define MHA_F64_MR 6
#define MHA_F64_NV 2
#define MHA_F32_LANES 4
#define MHA_F32_MR 6
#define MHA_F32_NV 2
#include "CMHAKernels.h"
#include "LevelScalars.h"
