// The public kernels: each forwards to the level it is given (Levels.h). On architectures
// other than x86-64 every level is the baseline.
#include "CMHAKernels.h"
#include "Levels.h"

#if defined(__x86_64__)
#define MHA_DISPATCH(level, name, ...)                                                        \
    switch (level) {                                                                        \
    case MHA_CPU_AVX512: return mha_avx512_##name(__VA_ARGS__);                              \
    case MHA_CPU_AVX2: return mha_avx2_##name(__VA_ARGS__);                                  \
    default: return mha_baseline_##name(__VA_ARGS__);                                        \
    }
#else
#define MHA_DISPATCH(level, name, ...) return ((void)(level), mha_baseline_##name(__VA_ARGS__));
#endif

mha_tile_shape mha_f64_tile(mha_cpu_level level) { MHA_DISPATCH(level, f64_tile_shape) }
mha_tile_shape mha_f32_tile(mha_cpu_level level) { MHA_DISPATCH(level, f32_tile_shape) }

void mha_f64_multiply_block(mha_cpu_level level, long height, long width, long depth,
                            const double *a, const double *b, double *c, long ldc,
                            int accumulate) {
    MHA_DISPATCH(level, f64_multiply_block, height, width, depth, a, b, c, ldc, accumulate)
}

void mha_f32_multiply_block(mha_cpu_level level, long height, long width, long depth,
                            const float *a, const float *b, float *c, long ldc,
                            int accumulate) {
    MHA_DISPATCH(level, f32_multiply_block, height, width, depth, a, b, c, ldc, accumulate)
}

void mha_f64_multiply_rows(mha_cpu_level level, long height, long width, long depth,
                           const double *a, long lda, const double *b, double *c, long ldc,
                           int accumulate) {
    MHA_DISPATCH(level, f64_multiply_rows, height, width, depth, a, lda, b, c, ldc, accumulate)
}

void mha_f32_multiply_rows(mha_cpu_level level, long height, long width, long depth,
                           const float *a, long lda, const float *b, float *c, long ldc,
                           int accumulate) {
    MHA_DISPATCH(level, f32_multiply_rows, height, width, depth, a, lda, b, c, ldc, accumulate)
}

double mha_f64_exponentiate(mha_cpu_level level, double *row, long count, double scale,
                            double shift) {
    MHA_DISPATCH(level, f64_exponentiate, row, count, scale, shift)
}

float mha_f32_exponentiate(mha_cpu_level level, float *row, long count, float scale,
                           float shift) {
    MHA_DISPATCH(level, f32_exponentiate, row, count, scale, shift)
}

double mha_f64_maximum(mha_cpu_level level, const double *row, long count) {
    MHA_DISPATCH(level, f64_maximum, row, count)
}

float mha_f32_maximum(mha_cpu_level level, const float *row, long count) {
    MHA_DISPATCH(level, f32_maximum, row, count)
}

double mha_f64_logits(mha_cpu_level level, double *row, long count, double scale, double cap,
                      double slope, double distance, const double *bias) {
    MHA_DISPATCH(level, f64_logits, row, count, scale, cap, slope, distance, bias)
}

float mha_f32_logits(mha_cpu_level level, float *row, long count, float scale, float cap,
                     float slope, float distance, const float *bias) {
    MHA_DISPATCH(level, f32_logits, row, count, scale, cap, slope, distance, bias)
}

int mha_f64_scaled_finite(mha_cpu_level level, const double *row, long count, double scale) {
    MHA_DISPATCH(level, f64_scaled_finite, row, count, scale)
}

int mha_f32_scaled_finite(mha_cpu_level level, const float *row, long count, float scale) {
    MHA_DISPATCH(level, f32_scaled_finite, row, count, scale)
}

void mha_f64_softmax_step(mha_cpu_level level, double *row, long width, long lower, long upper,
                          double scale, double blockMaximum, double *maximum, double *sum,
                          double *accumulator, long valueDim) {
    MHA_DISPATCH(level, f64_softmax_step, row, width, lower, upper, scale, blockMaximum, maximum,
                 sum, accumulator, valueDim)
}

void mha_f32_softmax_step(mha_cpu_level level, float *row, long width, long lower, long upper,
                          float scale, float blockMaximum, float *maximum, float *sum,
                          float *accumulator, long valueDim) {
    MHA_DISPATCH(level, f32_softmax_step, row, width, lower, upper, scale, blockMaximum, maximum,
                 sum, accumulator, valueDim)
}

int mha_f64_softmax_row(mha_cpu_level level, double *row, long count) {
    MHA_DISPATCH(level, f64_softmax_row, row, count)
}

int mha_f32_softmax_row(mha_cpu_level level, float *row, long count) {
    MHA_DISPATCH(level, f32_softmax_row, row, count)
}

double mha_f64_peak_probe(mha_cpu_level level, long iterations, double *checksum) {
    MHA_DISPATCH(level, f64_peak_probe, iterations, checksum)
}

double mha_f32_peak_probe(mha_cpu_level level, long iterations, double *checksum) {
    MHA_DISPATCH(level, f32_peak_probe, iterations, checksum)
}
