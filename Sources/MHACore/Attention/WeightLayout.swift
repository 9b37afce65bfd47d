/// How weight matrices are stored.
public enum WeightLayout: String, Sendable, CaseIterable {
    /// The textbook's: W is in × out and applied on the right, Q = H·W.
    case xw
    /// PyTorch's `nn.Linear`: W is out × in and applied as Q = H·Wᵀ.
    case torch
}
