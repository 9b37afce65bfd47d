import Testing

@testable import MHACore

/// Expects `actual` to match `expected` in shape and within `relativeTolerance`.
///
/// Double comparisons are elementwise: |a − r| ≤ tol · max(|r|, 1e-3 · max|r|).
/// With `normwise`, the error is measured against the matrix's largest magnitude,
/// max|a − r| / max|r| (used for Float against a float64 reference, where an element near
/// zero carries the absolute rounding of its whole dot product).
func expectClose<S: AttentionScalar>(
    _ actual: Matrix<S>, _ expected: Matrix<S>, relativeTolerance: S, normwise: Bool = false,
    _ what: @autoclosure () -> String = "", sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual.shape == expected.shape else {
        Issue.record("\(what()): shape \(actual.shape), expected \(expected.shape)", sourceLocation: sourceLocation)
        return
    }
    let largest = expected.elements.reduce(S.zero) { max($0, $1.magnitude) }
    let error =
        actual.maxRelativeError(to: expected, floor: normwise ? max(largest, .leastNormalMagnitude) : nil) ?? .infinity
    #expect(
        error <= relativeTolerance, "\(what()): relative error \(error) > \(relativeTolerance)",
        sourceLocation: sourceLocation)
}
