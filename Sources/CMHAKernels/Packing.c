// Packing A into MR-row panels and B into NR-column panels (the layout of CMHAKernels.h);
// Bᵀ (B stored columns × depth) is packed as A with NR rows per panel.
// Pure data movement, so one copy at the baseline level serves every level. What makes it
// fast is not the copying instructions but memory: a panel reads MR rows of A for only
// `depth` values each (2 KiB at k_c = 256 Double), too short a stream for the hardware
// prefetcher to ramp up, so the rows of the panel after next are prefetched while this one
// is copied (docs/performance.md).
#include "CMHAKernels.h"

/// Panels ahead whose rows are prefetched.
#define MHA_PACK_LEAD 2

/// One full panel: MR rows of `depth` values into MR-value depth steps, with the rows of
/// the panel MHA_PACK_LEAD ahead (if it exists) prefetched line by line.
#define MHA_PACK_PANEL(T, MR)                                                                \
    static void mha_pack_panel_##T##_##MR(const T *restrict a, long lda, long depth,          \
                                         T *restrict panel, const T *ahead) {                                   \
        const long lineValues = 64 / (long)sizeof(T);                                        \
        for (long p0 = 0; p0 < depth; p0 += lineValues) {                                    \
            if (ahead)                                                                       \
                for (int r = 0; r < MR; ++r) __builtin_prefetch(ahead + r * lda + p0, 0, 2);  \
            const long end = p0 + lineValues < depth ? p0 + lineValues : depth;              \
            for (long p = p0; p < end; ++p)                                                  \
                for (int r = 0; r < MR; ++r) panel[p * MR + r] = a[r * lda + p];             \
        }                                                                                    \
    }

/// A: the register tiles' MR (6, 8, 12) and, for Bᵀ packed as A, their NR (4 … 32).
#define MHA_PACK_A(name, T)                                                                  \
    MHA_PACK_PANEL(T, 4)                                                                     \
    MHA_PACK_PANEL(T, 6)                                                                     \
    MHA_PACK_PANEL(T, 8)                                                                     \
    MHA_PACK_PANEL(T, 12)                                                                    \
    MHA_PACK_PANEL(T, 16)                                                                    \
    MHA_PACK_PANEL(T, 32)                                                                    \
    void name(const T *a, long lda, long rows, long depth, long mr, T *packed) {             \
        for (long i0 = 0; i0 < rows; i0 += mr, packed += mr * depth) {                        \
            const T *source = a + i0 * lda;                                                  \
            const long height = rows - i0 < mr ? rows - i0 : mr;                             \
            if (height == mr) {                                                              \
                const long aheadRow = i0 + MHA_PACK_LEAD * mr;                               \
                const T *ahead = aheadRow + mr <= rows ? a + aheadRow * lda : 0;             \
                switch (mr) {                                                                \
                case 4: mha_pack_panel_##T##_4(source, lda, depth, packed, ahead); continue;  \
                case 6: mha_pack_panel_##T##_6(source, lda, depth, packed, ahead); continue;  \
                case 8: mha_pack_panel_##T##_8(source, lda, depth, packed, ahead); continue;  \
                case 12: mha_pack_panel_##T##_12(source, lda, depth, packed, ahead); continue; \
                case 16: mha_pack_panel_##T##_16(source, lda, depth, packed, ahead); continue; \
                case 32: mha_pack_panel_##T##_32(source, lda, depth, packed, ahead); continue; \
                default: break;                                                              \
                }                                                                            \
            }                                                                                \
            for (long p = 0; p < depth; ++p)                                                 \
                for (long r = 0; r < mr; ++r)                                                \
                    packed[p * mr + r] = r < height ? source[r * lda + p] : (T)0;             \
        }                                                                                    \
    }

MHA_PACK_A(mha_f64_pack_a, double)
MHA_PACK_A(mha_f32_pack_a, float)

/// One row of B (depth step p) into every full panel: NR values each, a fixed-size copy.
#define MHA_PACK_ROW(T, NR)                                                                  \
    static void mha_pack_row_##T##_##NR(const T *restrict row, long panels, long panelSize,  \
                                        T *restrict target) {                                \
        for (long q = 0; q < panels; ++q)                                                    \
            __builtin_memcpy(target + q * panelSize, row + q * NR, NR * sizeof(T));           \
    }

/// B is read row by row (one long stream, which the hardware prefetcher follows) and each
/// row's NR-value pieces are written to their panels.
#define MHA_PACK_B(name, T)                                                                  \
    MHA_PACK_ROW(T, 4)                                                                       \
    MHA_PACK_ROW(T, 8)                                                                       \
    MHA_PACK_ROW(T, 16)                                                                      \
    MHA_PACK_ROW(T, 32)                                                                      \
    void name(const T *b, long ldb, long depth, long columns, long nr, T *packed) {          \
        const long full = columns / nr, rest = columns - full * nr, panelSize = nr * depth;   \
        for (long p = 0; p < depth; ++p) {                                                   \
            const T *row = b + p * ldb;                                                      \
            T *target = packed + p * nr;                                                     \
            switch (nr) {                                                                    \
            case 4: mha_pack_row_##T##_4(row, full, panelSize, target); break;               \
            case 8: mha_pack_row_##T##_8(row, full, panelSize, target); break;               \
            case 16: mha_pack_row_##T##_16(row, full, panelSize, target); break;             \
            case 32: mha_pack_row_##T##_32(row, full, panelSize, target); break;             \
            default:                                                                         \
                for (long q = 0; q < full; ++q)                                              \
                    for (long j = 0; j < nr; ++j) target[q * panelSize + j] = row[q * nr + j]; \
            }                                                                                \
            if (rest > 0) {                                                                  \
                T *last = target + full * panelSize;                                         \
                for (long j = 0; j < nr; ++j) last[j] = j < rest ? row[full * nr + j] : (T)0; \
            }                                                                                \
        }                                                                                    \
    }

MHA_PACK_B(mha_f64_pack_b, double)
MHA_PACK_B(mha_f32_pack_b, float)
