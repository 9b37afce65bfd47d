extension Matrix {
    /// The largest elementwise relative error of `self` against `reference`:
    /// `max |a − r| / max(|r|, floor)` where `floor` keeps near-zero references from
    /// dividing by zero (default: the reference's largest magnitude × 1e-3, at least the
    /// smallest normal number). `nil` when the shapes differ.
    public func maxRelativeError(to reference: Matrix, floor: Scalar? = nil) -> Scalar? {
        guard shape == reference.shape else { return nil }
        let largest = reference.elements.reduce(Scalar.zero) { Swift.max($0, $1.magnitude) }
        let base = floor ?? Swift.max(largest * Scalar(1e-3), Scalar.leastNormalMagnitude)
        var worst = Scalar.zero
        for (a, r) in zip(elements, reference.elements) {
            let error = (a - r).magnitude / Swift.max(r.magnitude, base)
            if !(error <= worst) { worst = error }  // also catches NaN
        }
        return worst
    }

    /// True when the shapes match and every element is within `relativeTolerance` of the
    /// reference, in the sense of `maxRelativeError(to:)`.
    public func isClose(to reference: Matrix, relativeTolerance: Scalar) -> Bool {
        guard let error = maxRelativeError(to: reference) else { return false }
        return error <= relativeTolerance
    }
}
