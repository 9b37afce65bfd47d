import MHACore

/// GPT-NeoX's (Pythia's) and BLOOM's packed projection: one `query_key_value` of 3d × d in
/// PyTorch's layout whose outputs transformers views as (…, τ, 3·d_k) (BLOOM: (…, τ, 3, d_k))
/// and chunks into Q, K and V, so head h's rows are [W^q_h; W^k_h; W^v_h] at 3·d_k·h — not
/// GPT-2's [W^q | W^k | W^v] split in three.
extension CheckpointLayer {
    /// Reads W^q, W^k, W^v (each d × d, PyTorch layout), their biases and `dense` as W^o, b^o.
    /// - Parameters:
    ///   - heads: τ (`--heads` or config.json), needed to find each head's rows.
    ///   - biases: the parts whose bias the class has (`classBiases`; nil: every bias present
    ///     is read): a bias present outside them is ignored, one inside them that the file
    ///     lacks is read as zero, each with a warning.
    mutating func readPackedHeads(
        _ reader: TensorReader, heads: Int, biases: Set<CheckpointArchitecture.Part>?, config: ModelConfig?
    ) throws(FormatError) {
        let packed = try reader.required(.query, "weight")
        let d = packed.columns
        guard packed.rows == 3 * d, d % heads == 0 else {
            throw reader.shapeError(
                .query, "weight", "\(packed.shape), expected 3d × d with d divided by τ = \(heads) (packed per head)")
        }
        let width = d / heads
        var ignored: [String] = [], absent: [String] = []
        func readBias(_ part: CheckpointArchitecture.Part) throws(FormatError) -> Matrix<Double>? {
            if let biases, !biases.contains(part) {
                if reader.has(part, "bias") { ignored.append(reader.fullName(part, "bias")) }
                return nil
            }
            let found = try reader.matrix(part, "bias")
            if found == nil, biases != nil { absent.append(reader.fullName(part, "bias")) }
            return found
        }
        let bias = try readBias(.query)
        if let bias, bias.rows * bias.columns != 3 * d {
            throw reader.shapeError(.query, "bias", "\(bias.shape), expected 3d = \(3 * d) values")
        }
        for (index, key) in ["q", "k", "v"].enumerated() {
            var rows: [Int] = []
            for h in 0..<heads {
                let first = 3 * width * h + index * width
                rows += Array(first..<(first + width))
            }
            matrices["w" + key] = Self.rows(rows, of: packed)
            sources["w" + key] =
                reader.fullName(.query, "weight")
                + " rows \(["q", "k", "v"][index]) of each head (\(width) of every \(3 * width))"
            if let bias {
                let values = bias.elements
                matrices["b" + key] = Matrix(rows: 1, columns: d) { _, j in values[rows[j]] }
                sources["b" + key] = reader.fullName(.query, "bias") + " values of each head's \(key)"
            }
        }
        matrices["wo"] = try reader.required(.output, "weight")
        sources["wo"] = reader.fullName(.output, "weight")
        if let outputBias = try readBias(.output) {
            matrices["bo"] = outputBias
            sources["bo"] = reader.fullName(.output, "bias")
        }
        noteBiases(ignored: ignored, absent: absent, config: config)
    }

    /// Rows `indices` of `matrix`, in that order.
    private static func rows(_ indices: [Int], of matrix: Matrix<Double>) -> Matrix<Double> {
        let (elements, width) = (matrix.elements, matrix.columns)
        return Matrix(rows: indices.count, columns: width) { i, j in elements[indices[i] * width + j] }
    }
}
