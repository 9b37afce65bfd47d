// The per-level entry points that Dispatch.c chooses between (internal to the C target).
#ifndef MHA_LEVELS_H
#define MHA_LEVELS_H
#include "CMHAKernels.h"

#define MHA_DECLARE_LEVEL(level)                                                             \
    mha_tile_shape mha_##level##_f64_tile_shape(void);                                      \
    mha_tile_shape mha_##level##_f32_tile_shape(void);                                      \
    void mha_##level##_f64_multiply_block(long, long, long, const double *, const double *,  \
                                          double *, long, int);                              \
    void mha_##level##_f32_multiply_block(long, long, long, const float *, const float *,    \
                                          float *, long, int);                               \
    void mha_##level##_f64_multiply_rows(long, long, long, const double *, long,             \
                                         const double *, double *, long, int);               \
    void mha_##level##_f32_multiply_rows(long, long, long, const float *, long,              \
                                         const float *, float *, long, int);                 \
    double mha_##level##_f64_exponentiate(double *, long, double, double);                   \
    float mha_##level##_f32_exponentiate(float *, long, float, float);                       \
    double mha_##level##_f64_maximum(const double *, long);                                  \
    float mha_##level##_f32_maximum(const float *, long);                                    \
    double mha_##level##_f64_logits(double *, long, double, double, double, double,          \
                                    const double *);                                         \
    float mha_##level##_f32_logits(float *, long, float, float, float, float, const float *); \
    int mha_##level##_f64_scaled_finite(const double *, long, double);                       \
    int mha_##level##_f32_scaled_finite(const float *, long, float);                         \
    void mha_##level##_f64_softmax_step(double *, long, long, long, double, double, double *, \
                                        double *, double *, long);                           \
    void mha_##level##_f32_softmax_step(float *, long, long, long, float, float, float *,     \
                                        float *, float *, long);                             \
    int mha_##level##_f64_softmax_row(double *, long);                                      \
    int mha_##level##_f32_softmax_row(float *, long);                                        \
    double mha_##level##_f64_peak_probe(long, double *);                                     \
    double mha_##level##_f32_peak_probe(long, double *);

MHA_DECLARE_LEVEL(baseline)
#if defined(__x86_64__)
MHA_DECLARE_LEVEL(avx2)
MHA_DECLARE_LEVEL(avx512)
#endif

#endif
