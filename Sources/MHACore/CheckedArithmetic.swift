/// Integer arithmetic on sizes taken from input, checked for overflow: every element count,
/// byte count and FLOP count derived from dimensions goes through here, so an absurd
/// dimension gives nil (refused with a message), never a trap or a wrapped number.
public enum CheckedArithmetic {
    /// a·b, or nil when it overflows `Int`.
    public static func product(_ a: Int, _ b: Int) -> Int? {
        let (value, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? nil : value
    }

    /// The product of every factor (1 for none), or nil when it overflows.
    public static func product(_ factors: [Int]) -> Int? {
        var total = 1
        for factor in factors {
            guard let next = product(total, factor) else { return nil }
            total = next
        }
        return total
    }

    /// The sum of every term (0 for none), or nil when it overflows.
    public static func sum(_ terms: [Int]) -> Int? {
        var total = 0
        for term in terms {
            let (next, overflow) = total.addingReportingOverflow(term)
            guard !overflow else { return nil }
            total = next
        }
        return total
    }

    /// Σ rows·columns over `shapes` (an element count), or nil when any step overflows.
    ///
    ///     CheckedArithmetic.elementCount([(3, 4), (4, 4)])   // 28
    public static func elementCount(_ shapes: [(Int, Int)]) -> Int? {
        var terms: [Int] = []
        for (rows, columns) in shapes {
            guard let count = product(rows, columns) else { return nil }
            terms.append(count)
        }
        return sum(terms)
    }
}
