// The matrix and exponential micro-kernels of mha-cli's engine, compiled for several
// instruction sets in one binary and chosen at run time (see docs/performance.md).
//
// Every kernel takes the instruction-set level as its first argument: the engine picks the
// level once (`mha_cpu_selected_level`) and tests may pass any level the CPU supports.
// Packed operands are laid out as the engine's packing routines write them: A in panels of
// MR rows (MR values per depth step), B in panels of NR columns (NR values per depth step),
// with zeros past the matrix edges.
#ifndef CMHAKERNELS_H
#define CMHAKERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

/// Instruction-set levels, each a superset of the one before.
typedef enum {
    /// x86-64 SSE2 (or, on other architectures, the compiler's portable vectors: NEON on arm64).
    MHA_CPU_BASELINE = 0,
    /// AVX2 with fused multiply-add (Haswell and later, Zen).
    MHA_CPU_AVX2 = 1,
    /// AVX-512 F, DQ, BW, VL (Skylake-SP and later, Zen 4 and later).
    MHA_CPU_AVX512 = 2,
} mha_cpu_level;

/// The best level this CPU and operating system support.
mha_cpu_level mha_cpu_supported_level(void);

/// The level the engine uses: the supported level, lowered to the one named by the
/// environment variable MHA_CPU (`baseline`, `avx2`, `avx512`) when that is lower. A name
/// that is not one of these, or a level above the supported one, leaves the supported level.
mha_cpu_level mha_cpu_selected_level(void);

/// Whether MHA_CPU is set to something other than a level name (for a front end's warning).
int mha_cpu_request_is_invalid(void);

/// The threads the engine may use: the processors this process may run on, capped at
/// MHA_THREADS when that is a positive integer (a larger one, or anything else, leaves them).
long mha_cpu_thread_count(void);

/// Whether MHA_THREADS is set to something other than a positive integer (for a warning).
int mha_cpu_thread_request_is_invalid(void);

/// The register tile of the packed product: MR rows × NR columns.
typedef struct {
    long rows;
    long columns;
} mha_tile_shape;

/// The Double register tile at `level`.
mha_tile_shape mha_f64_tile(mha_cpu_level level);
/// The Float register tile at `level`.
mha_tile_shape mha_f32_tile(mha_cpu_level level);

/// Copies `rows` × `depth` of A (row-major, row stride `lda`) into ⌈rows/MR⌉ panels of
/// `mr` rows: panel q holds, for each p < depth, A[q·mr + r, p] for r < mr contiguously,
/// zeros for rows past `rows`. Not level-specific: every level reads the same layout.
void mha_f64_pack_a(const double *a, long lda, long rows, long depth, long mr, double *packed);
/// The Float form of `mha_f64_pack_a`.
void mha_f32_pack_a(const float *a, long lda, long rows, long depth, long mr, float *packed);

/// Copies `depth` × `columns` of B (row-major, row stride `ldb`) into ⌈columns/NR⌉ panels
/// of `nr` columns: panel q holds, for each p < depth, B[p, q·nr + j] for j < nr
/// contiguously, zeros past `columns`. (Bᵀ, stored columns × depth, packs as A with `nr`.)
void mha_f64_pack_b(const double *b, long ldb, long depth, long columns, long nr, double *packed);
/// The Float form of `mha_f64_pack_b`.
void mha_f32_pack_b(const float *b, long ldb, long depth, long columns, long nr, float *packed);

/// C[0..<height, 0..<width] (+)= Ã·B̃ for one packed block: `a` holds ⌈height/MR⌉ panels of
/// MR × depth, `b` ⌈width/NR⌉ panels of depth × NR. With `accumulate` the product is added
/// to C, otherwise it replaces C. C is row-major with row stride `ldc`.
void mha_f64_multiply_block(mha_cpu_level level, long height, long width, long depth,
                            const double *a, const double *b, double *c, long ldc,
                            int accumulate);
/// The Float form of `mha_f64_multiply_block`.
void mha_f32_multiply_block(mha_cpu_level level, long height, long width, long depth,
                            const float *a, const float *b, float *c, long ldc,
                            int accumulate);

/// `mha_f64_multiply_block` with A given as rows of a row-major matrix (row stride `lda`)
/// rather than packed: for an A that is already in L1 (the attention's weights tile). The
/// last register tile reads whole MR rows, so ⌈height/MR⌉·MR rows of A must be readable.
void mha_f64_multiply_rows(mha_cpu_level level, long height, long width, long depth,
                           const double *a, long lda, const double *b, double *c, long ldc,
                           int accumulate);
/// The Float form of `mha_f64_multiply_rows`.
void mha_f32_multiply_rows(mha_cpu_level level, long height, long width, long depth,
                           const float *a, long lda, const float *b, float *c, long ldc,
                           int accumulate);

/// Replaces each x of row[0..<count] by exp(round(x·scale) + shift) (the product rounded
/// before the addition, never fused) and returns the sum of the results. Arguments below
/// the underflow cutoff, −∞ included, give exactly 0; the exponential is within about
/// 2 ulp for arguments ≤ 0.
double mha_f64_exponentiate(mha_cpu_level level, double *row, long count, double scale,
                            double shift);
/// The Float form of `mha_f64_exponentiate`.
float mha_f32_exponentiate(mha_cpu_level level, float *row, long count, float scale,
                           float shift);

/// The largest of row[0..<count] (NaN ignored), −∞ for none.
double mha_f64_maximum(mha_cpu_level level, const double *row, long count);
/// The Float form of `mha_f64_maximum`.
float mha_f32_maximum(mha_cpu_level level, const float *row, long count);

/// The logits of a score row in place, in one pass, each x of row[0..<count] (entry t):
///   s = x·scale (rounded);
///   cap > 0:   s ← cap·tanh(s·(1/cap)), the tanh within 2 ulp (a polynomial for |s/cap| <
///              0.625, (1 − e^(−2|·|))/(1 + e^(−2|·|)) beyond; odd, so signs and −0 are kept;
///              ±∞ give ±1, NaN stays NaN);
///   slope ≠ 0: s ← s − slope·(distance − t) (ALiBi, product rounded, not fused);
///   bias:      s ← s + bias[t] (an additive mask row).
/// Returns the largest result (NaN ignored), −∞ for none. With scale 1 and cap 1 alone this
/// is tanh itself.
double mha_f64_logits(mha_cpu_level level, double *row, long count, double scale, double cap,
                      double slope, double distance, const double *bias);
/// The Float form of `mha_f64_logits`.
float mha_f32_logits(mha_cpu_level level, float *row, long count, float scale, float cap,
                     float slope, float distance, const float *bias);

/// Whether every row[t]·scale, t < count, is finite (the product rounded): a score that
/// overflowed must not reach the softmax, where −∞ would read as a masked key.
int mha_f64_scaled_finite(mha_cpu_level level, const double *row, long count, double scale);
/// The Float form of `mha_f64_scaled_finite`.
int mha_f32_scaled_finite(mha_cpu_level level, const float *row, long count, float scale);

/// One score row's online-softmax step once its block maximum is known: m′ = max(*maximum,
/// blockMaximum); if m′ is −∞ the row's `width` weights become 0 and the state is left;
/// otherwise the weights outside [lower, upper) become 0, the visible ones
/// exp(round(x·scale) − m′) (`mha_f64_exponentiate`), *sum = *sum·c + Σ, *maximum = m′, and
/// the output row accumulator[0..<valueDim] is multiplied by c = exp(m − m′) (the C
/// library's exp; c = 0 when m was −∞) unless c is 1.
void mha_f64_softmax_step(mha_cpu_level level, double *row, long width, long lower, long upper,
                          double scale, double blockMaximum, double *maximum, double *sum,
                          double *accumulator, long valueDim);
/// The Float form of `mha_f64_softmax_step` (expf for c).
void mha_f32_softmax_step(mha_cpu_level level, float *row, long width, long lower, long upper,
                          float scale, float blockMaximum, float *maximum, float *sum,
                          float *accumulator, long valueDim);

/// softmax of row[0..<count] in place: exp(x − max) / Σ, −∞ entries giving 0, by the vector
/// exponential; a row whose finite entries reach below max + the exponential's cutoff (so that
/// a weight would be subnormal) by the C library's exp entry by entry, so every weight is
/// within an ulp or two of the exact one, subnormals included. Returns 0 for a row with no
/// entry above −∞ (set to zeros), 1 otherwise.
int mha_f64_softmax_row(mha_cpu_level level, double *row, long count);
/// The Float form of `mha_f64_softmax_row` (expf).
int mha_f32_softmax_row(mha_cpu_level level, float *row, long count);

/// The arithmetic peak probe of one thread: `iterations` rounds of 12 independent vector
/// multiply-adds in registers (fused where the level has FMA). Returns the FLOPs done;
/// `checksum` receives a value that depends on every lane, so the work cannot be skipped.
double mha_f64_peak_probe(mha_cpu_level level, long iterations, double *checksum);
/// The Float form of `mha_f64_peak_probe`.
double mha_f32_peak_probe(mha_cpu_level level, long iterations, double *checksum);

/// The index of the first NaN or ±∞ in values[0..<count], −1 when every value is finite.
long mha_f64_first_nonfinite(const double *values, long count);
/// The Float form of `mha_f64_first_nonfinite`.
long mha_f32_first_nonfinite(const float *values, long count);

/// Data cache sizes in bytes of one core (level 1 data, level 2) and of the last level,
/// from the operating system; 0 where unknown.
typedef struct {
    long level1;
    long level2;
    long level3;
} mha_cache_sizes;

/// This machine's cache sizes.
mha_cache_sizes mha_cpu_cache_sizes(void);

#ifdef __cplusplus
}
#endif

#endif
