import MHACore

/// A parsed JSON text as a flat "tape" of nodes in document order, the form the parser
/// produces and the matrix and bundle readers walk.
///
/// Scalars take one node; an array or object takes a start node whose `payload` is the
/// index just past its last descendant (so a reader can skip it), followed by its
/// children (for an object: key string, value, key string, value, …). Every node keeps the
/// byte offset where its token starts, from which messages compute `line:column`.
struct JSONDocument {
    /// What a node is.
    enum Kind: UInt8 {
        case null, boolean, number, string, array, object
    }

    /// One node of the tape.
    struct Node {
        /// What the node is.
        var kind: Kind
        /// Byte offset of the token in the text.
        var offset: Int
        /// Number: the Double's bits (±∞ when out of range); boolean: 0 or 1; string: its
        /// index in `strings`; array/object: the index past its last descendant.
        var payload: UInt64
    }

    /// The nodes in document order; the root is node 0.
    var nodes: [Node] = []
    /// The decoded strings, in order.
    var strings: [String] = []
    /// The numbers nonzero as written but read as 0 (below float64's least subnormal); the
    /// readers of matrices and bundles report them once the document is read.
    var underflow = UnderflowTally()

    /// The number held by a number node.
    func number(_ index: Int) -> Double { Double(bitPattern: nodes[index].payload) }

    /// The string held by a string node.
    func string(_ index: Int) -> String { strings[Int(nodes[index].payload)] }

    /// The boolean held by a boolean node.
    func boolean(_ index: Int) -> Bool { nodes[index].payload != 0 }

    /// The index of the node after `index` and all its descendants.
    func next(after index: Int) -> Int {
        let node = nodes[index]
        return node.kind == .array || node.kind == .object ? Int(node.payload) : index + 1
    }

    /// The indices of the children of the array node at `index`.
    func elements(of index: Int) -> [Int] {
        var children: [Int] = []
        var child = index + 1
        let end = Int(nodes[index].payload)
        while child < end {
            children.append(child)
            child = next(after: child)
        }
        return children
    }

    /// The (key, value index) pairs of the object node at `index`, in order.
    func members(of index: Int) -> [(key: String, keyIndex: Int, value: Int)] {
        var members: [(key: String, keyIndex: Int, value: Int)] = []
        var child = index + 1
        let end = Int(nodes[index].payload)
        while child < end {
            members.append((string(child), child, child + 1))
            child = next(after: child + 1)
        }
        return members
    }

    /// "a number", "an array", … for messages.
    static func describe(_ kind: Kind) -> String {
        switch kind {
        case .null: return "null"
        case .boolean: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
