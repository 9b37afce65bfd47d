/// The numerical kernels: matrix products and the row softmax.
///
/// A caseless namespace. Callers use the matrix-level functions (`product`,
/// `productTransposed`, `softmaxRows`); the pointer-level `gemm` is what a faster
/// implementation replaces without callers changing.
public enum Kernels {}
