extension Kernels {
    /// Blocks of at most this many rows take `fewRowsProduct` rather than the packed GEMM:
    /// for them, packing B costs more than the product's own multiply-adds.
    static let fewRowsLimit = 8

    /// Below this many elements of B the product runs on one thread.
    static let fewRowsParallelThreshold = 1 << 18

    /// A·B for a few rows A (`m × k`, m small: a decode step's tokens) and a row-major B
    /// (`k × n`, a weight matrix in the xw layout) without packing B: B is streamed once,
    /// row after row, and each of its rows is applied to every row of A while it is in L1.
    /// C[i, j] = Σ_p A[i, p]·B[p, j] summed in the order p = 0, 1, …, k − 1, so the result does
    /// not depend on the number of threads (column bands of B go to different cores when B
    /// is large).
    /// - Precondition: `a.columns == b.rows`.
    /// - Complexity: O(m·n·k) time; memory traffic one pass over B.
    public static func fewRowsProduct<S: AttentionScalar>(_ a: Matrix<S>, _ b: Matrix<S>) -> Matrix<S> {
        precondition(a.columns == b.rows, "product of \(a.shape) and \(b.shape)")
        let (m, n, k) = (a.rows, b.columns, a.columns)
        var c = Matrix<S>(rows: m, columns: n)
        guard m > 0, n > 0, k > 0 else { return c }
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    guard let x = ap.baseAddress, let w = bp.baseAddress, let y = cp.baseAddress else { return }
                    let threads = KernelContext.current.threads
                    let bands = k * n >= fewRowsParallelThreshold ? Swift.min(threads, Swift.max(1, n / 64)) : 1
                    let bandWidth = roundUp((n + bands - 1) / bands, to: 8)
                    parallelFor(bands) { band in
                        let first = band * bandWidth
                        let width = Swift.min(bandWidth, n - first)
                        guard width > 0 else { return }
                        accumulateRows(
                            x: x, rows: m, depth: k, w: w + first, ldw: n, width: width, y: y + first, ldy: n)
                    }
                }
            }
        }
        return c
    }

    /// y[i, 0..<width] += Σ_p x[i, p]·w[p, 0..<width] for i < rows, p in increasing order,
    /// four rows of w at a time so each y element is loaded and stored once per four.
    @inline(__always)
    private static func accumulateRows<S: AttentionScalar>(
        x: UnsafePointer<S>, rows: Int, depth k: Int, w: UnsafePointer<S>, ldw: Int, width: Int,
        y: UnsafeMutablePointer<S>, ldy: Int
    ) {
        var p = 0
        while p + 4 <= k {
            let (w0, w1, w2, w3) = (w + p * ldw, w + (p + 1) * ldw, w + (p + 2) * ldw, w + (p + 3) * ldw)
            for i in 0..<rows {
                let xi = x + i * k + p
                let (x0, x1, x2, x3) = (xi[0], xi[1], xi[2], xi[3])
                let yi = y + i * ldy
                for j in 0..<width {
                    var sum = yi[j]
                    sum += x0 * w0[j]
                    sum += x1 * w1[j]
                    sum += x2 * w2[j]
                    sum += x3 * w3[j]
                    yi[j] = sum
                }
            }
            p += 4
        }
        while p < k {
            let wp = w + p * ldw
            for i in 0..<rows {
                let xip = x[i * k + p]
                let yi = y + i * ldy
                for j in 0..<width { yi[j] += xip * wp[j] }
            }
            p += 1
        }
    }
}
