import CMHAKernels

/// A scalar type with compiled micro-kernels (Double and Float): the packed matrix product's
/// register tile and block multiply, and the softmax's vector exponential and maximum, at
/// each instruction-set level.
protocol PackedScalar: AttentionScalar {
    /// MR × NR of the register tile at `level`.
    static func tileShape(_ level: CPULevel) -> (rows: Int, columns: Int)

    /// C[0..<height, 0..<width] (+)= Ã·B̃ for packed panels (see `Kernels.packA`/`packB`).
    static func multiplyBlock(
        _ level: CPULevel, height: Int, width: Int, depth: Int,
        a: UnsafePointer<Self>, b: UnsafePointer<Self>,
        c: UnsafeMutablePointer<Self>, ldc: Int, accumulate: Bool)

    /// A's rows into MR-row panels (`mha_f64_pack_a`; see `Kernels.packA`).
    static func packRows(
        _ a: UnsafePointer<Self>, lda: Int, rows: Int, depth: Int, mr: Int, into packed: UnsafeMutablePointer<Self>)

    /// B's columns into NR-column panels (`mha_f64_pack_b`; see `Kernels.packB`).
    static func packColumns(
        _ b: UnsafePointer<Self>, ldb: Int, depth: Int, columns: Int, nr: Int, into packed: UnsafeMutablePointer<Self>)

    /// `multiplyBlock` with A as rows of a row-major matrix (stride `lda`), not packed;
    /// ⌈height/MR⌉·MR rows of A must be readable.
    static func multiplyRows(
        _ level: CPULevel, height: Int, width: Int, depth: Int,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>,
        c: UnsafeMutablePointer<Self>, ldc: Int, accumulate: Bool)

    /// Replaces each x of `row[0..<count]` by exp(round(x·scale) + shift); returns their sum.
    static func exponentiate(
        _ level: CPULevel, row: UnsafeMutablePointer<Self>, count: Int, scale: Self, shift: Self
    ) -> Self

    /// Replaces each x of `row[0..<count]` (entry t) by its logit in one pass: s = x·scale,
    /// then c·tanh(s·(1/c)) for cap c > 0, then s − slope·(distance − t) for slope ≠ 0, then
    /// s + bias[t] (`mha_f64_logits`); returns the largest (NaN ignored), −∞ for none.
    static func logits(
        _ level: CPULevel, row: UnsafeMutablePointer<Self>, count: Int, scale: Self, cap: Self,
        slope: Self, distance: Self, bias: UnsafePointer<Self>?
    ) -> Self

    /// The largest of `row[0..<count]` (NaN ignored), −∞ for none.
    static func maximum(_ level: CPULevel, row: UnsafePointer<Self>, count: Int) -> Self

    /// Whether every `row[t]·scale` (t < count) is finite (`mha_f64_scaled_finite`).
    static func scaledFinite(_ level: CPULevel, row: UnsafePointer<Self>, count: Int, scale: Self) -> Bool

    /// softmax of `row[0..<count]` in place (`mha_f64_softmax_row`); false for a row with no
    /// entry above −∞ (set to zeros).
    static func softmaxRow(_ level: CPULevel, row: UnsafeMutablePointer<Self>, count: Int) -> Bool

    /// One score row's online-softmax step once its block maximum is known
    /// (`mha_f64_softmax_step`): weights for the visible keys `lower..<upper`, 0 elsewhere;
    /// the running maximum and sum updated; the output row rescaled.
    static func softmaxStep(
        _ level: CPULevel, row: UnsafeMutablePointer<Self>, width: Int, visible: Range<Int>, scale: Self,
        blockMaximum: Self, maximum: UnsafeMutablePointer<Self>, sum: UnsafeMutablePointer<Self>,
        accumulator: UnsafeMutablePointer<Self>, valueDim: Int)
}

extension Double: PackedScalar {
    @inline(__always)
    static func packRows(
        _ a: UnsafePointer<Double>, lda: Int, rows: Int, depth: Int, mr: Int, into packed: UnsafeMutablePointer<Double>
    ) {
        mha_f64_pack_a(a, lda, rows, depth, mr, packed)
    }

    @inline(__always)
    static func packColumns(
        _ b: UnsafePointer<Double>, ldb: Int, depth: Int, columns: Int, nr: Int,
        into packed: UnsafeMutablePointer<Double>
    ) {
        mha_f64_pack_b(b, ldb, depth, columns, nr, packed)
    }

    static func tileShape(_ level: CPULevel) -> (rows: Int, columns: Int) {
        let shape = mha_f64_tile(level.kernelLevel)
        return (shape.rows, shape.columns)
    }

    @inline(__always)
    static func multiplyBlock(
        _ level: CPULevel, height: Int, width: Int, depth: Int,
        a: UnsafePointer<Double>, b: UnsafePointer<Double>,
        c: UnsafeMutablePointer<Double>, ldc: Int, accumulate: Bool
    ) {
        mha_f64_multiply_block(
            level.kernelLevel, height, width, depth, a, b, c, ldc,
            accumulate ? 1 : 0)
    }

    @inline(__always)
    static func exponentiate(
        _ level: CPULevel, row: UnsafeMutablePointer<Double>, count: Int, scale: Double,
        shift: Double
    ) -> Double {
        mha_f64_exponentiate(level.kernelLevel, row, count, scale, shift)
    }

    @inline(__always)
    static func logits(
        _ level: CPULevel, row: UnsafeMutablePointer<Double>, count: Int, scale: Double, cap: Double,
        slope: Double, distance: Double, bias: UnsafePointer<Double>?
    ) -> Double {
        mha_f64_logits(level.kernelLevel, row, count, scale, cap, slope, distance, bias)
    }

    @inline(__always)
    static func multiplyRows(
        _ level: CPULevel, height: Int, width: Int, depth: Int,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>,
        c: UnsafeMutablePointer<Double>, ldc: Int, accumulate: Bool
    ) {
        mha_f64_multiply_rows(
            level.kernelLevel, height, width, depth, a, lda, b, c, ldc,
            accumulate ? 1 : 0)
    }

    @inline(__always)
    static func maximum(_ level: CPULevel, row: UnsafePointer<Double>, count: Int) -> Double {
        mha_f64_maximum(level.kernelLevel, row, count)
    }

    @inline(__always)
    static func scaledFinite(_ level: CPULevel, row: UnsafePointer<Double>, count: Int, scale: Double) -> Bool {
        mha_f64_scaled_finite(level.kernelLevel, row, count, scale) != 0
    }

    @inline(__always)
    static func softmaxRow(_ level: CPULevel, row: UnsafeMutablePointer<Double>, count: Int) -> Bool {
        mha_f64_softmax_row(level.kernelLevel, row, count) != 0
    }

    @inline(__always)
    static func softmaxStep(
        _ level: CPULevel, row: UnsafeMutablePointer<Double>, width: Int, visible: Range<Int>, scale: Double,
        blockMaximum: Double, maximum: UnsafeMutablePointer<Double>, sum: UnsafeMutablePointer<Double>,
        accumulator: UnsafeMutablePointer<Double>, valueDim: Int
    ) {
        mha_f64_softmax_step(
            level.kernelLevel, row, width, visible.lowerBound, visible.upperBound, scale, blockMaximum,
            maximum, sum, accumulator, valueDim)
    }
}

extension Float: PackedScalar {
    @inline(__always)
    static func packRows(
        _ a: UnsafePointer<Float>, lda: Int, rows: Int, depth: Int, mr: Int, into packed: UnsafeMutablePointer<Float>
    ) {
        mha_f32_pack_a(a, lda, rows, depth, mr, packed)
    }

    @inline(__always)
    static func packColumns(
        _ b: UnsafePointer<Float>, ldb: Int, depth: Int, columns: Int, nr: Int, into packed: UnsafeMutablePointer<Float>
    ) {
        mha_f32_pack_b(b, ldb, depth, columns, nr, packed)
    }

    static func tileShape(_ level: CPULevel) -> (rows: Int, columns: Int) {
        let shape = mha_f32_tile(level.kernelLevel)
        return (shape.rows, shape.columns)
    }

    @inline(__always)
    static func multiplyBlock(
        _ level: CPULevel, height: Int, width: Int, depth: Int,
        a: UnsafePointer<Float>, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
    ) {
        mha_f32_multiply_block(
            level.kernelLevel, height, width, depth, a, b, c, ldc,
            accumulate ? 1 : 0)
    }

    @inline(__always)
    static func exponentiate(
        _ level: CPULevel, row: UnsafeMutablePointer<Float>, count: Int, scale: Float,
        shift: Float
    ) -> Float {
        mha_f32_exponentiate(level.kernelLevel, row, count, scale, shift)
    }

    @inline(__always)
    static func logits(
        _ level: CPULevel, row: UnsafeMutablePointer<Float>, count: Int, scale: Float, cap: Float,
        slope: Float, distance: Float, bias: UnsafePointer<Float>?
    ) -> Float {
        mha_f32_logits(level.kernelLevel, row, count, scale, cap, slope, distance, bias)
    }

    @inline(__always)
    static func multiplyRows(
        _ level: CPULevel, height: Int, width: Int, depth: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
    ) {
        mha_f32_multiply_rows(
            level.kernelLevel, height, width, depth, a, lda, b, c, ldc,
            accumulate ? 1 : 0)
    }

    @inline(__always)
    static func maximum(_ level: CPULevel, row: UnsafePointer<Float>, count: Int) -> Float {
        mha_f32_maximum(level.kernelLevel, row, count)
    }

    @inline(__always)
    static func scaledFinite(_ level: CPULevel, row: UnsafePointer<Float>, count: Int, scale: Float) -> Bool {
        mha_f32_scaled_finite(level.kernelLevel, row, count, scale) != 0
    }

    @inline(__always)
    static func softmaxRow(_ level: CPULevel, row: UnsafeMutablePointer<Float>, count: Int) -> Bool {
        mha_f32_softmax_row(level.kernelLevel, row, count) != 0
    }

    @inline(__always)
    static func softmaxStep(
        _ level: CPULevel, row: UnsafeMutablePointer<Float>, width: Int, visible: Range<Int>, scale: Float,
        blockMaximum: Float, maximum: UnsafeMutablePointer<Float>, sum: UnsafeMutablePointer<Float>,
        accumulator: UnsafeMutablePointer<Float>, valueDim: Int
    ) {
        mha_f32_softmax_step(
            level.kernelLevel, row, width, visible.lowerBound, visible.upperBound, scale, blockMaximum,
            maximum, sum, accumulator, valueDim)
    }
}
