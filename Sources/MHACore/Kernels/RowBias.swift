extension Kernels {
    /// y[i, j] += b[j] for every row i (a bias added to each projected token), one band of
    /// rows per core when the matrix is large.
    /// - Precondition: `b.count == y.columns`.
    static func addToEveryRow<S: AttentionScalar>(_ y: inout Matrix<S>, _ b: [S]) {
        let (rows, columns) = (y.rows, y.columns)
        precondition(b.count == columns, "bias of \(b.count) for \(columns) columns")
        let cores = Swift.max(1, Swift.min(KernelContext.current.threads, rows * columns / parallelScanThreshold))
        let band = (rows + cores - 1) / Swift.max(cores, 1)
        b.withUnsafeBufferPointer { bias in
            y.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress, let bias = bias.baseAddress else { return }
                parallelFor(cores, threads: cores) { index in
                    for i in (index * band)..<Swift.min(rows, (index + 1) * band) {
                        let row = base + i * columns
                        for j in 0..<columns { row[j] += bias[j] }
                    }
                }
            }
        }
    }
}
