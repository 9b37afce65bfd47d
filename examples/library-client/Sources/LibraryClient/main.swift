import MHACore

// Three tokens, d_model 4, two heads: the README's first example, computed as a library call.
let x = try Matrix<Double>(rows: 3, columns: 4, elements: [1, 0, 1, 0, 0, 2, 0, 1, 1, 1, 1, 1])
let wq = try Matrix<Double>(rows: 4, columns: 4, elements: [1, 0, 0.5, 0, 0, 1, 0, 0.5, 0.5, 0, 1, 0, 0, 0.5, 0, 1])
let identity = Matrix<Double>(rows: 4, columns: 4) { row, column in row == column ? 1 : 0 }
let parameters = AttentionParameters(wq: wq, wk: wq, wv: identity, wo: identity)
let result = try MultiHeadAttention.forward(input: x, parameters: parameters,
                                            configuration: AttentionConfiguration(heads: 2))
for row in 0..<result.output.rows {
    print((0..<result.output.columns).map { String(result.output[row, $0]) }.joined(separator: " "))
}
