extension Matrix {
    /// A `rows × columns` matrix of independent uniform values in `-scale...scale`.
    static func random(
        rows: Int, columns: Int, scale: Scalar, using generator: inout SplitMix64
    ) -> Matrix {
        var m = Matrix(rows: rows, columns: columns)
        m.withUnsafeMutableBufferPointer { buffer in
            for i in buffer.indices {
                buffer[i] = Scalar.random(in: -scale...scale, using: &generator)
            }
        }
        return m
    }
}
