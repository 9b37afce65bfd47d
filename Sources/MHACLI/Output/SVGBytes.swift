/// The growing bytes of an SVG document: appends text, integers and fixed-decimal numbers
/// without building a `String` per piece, so a picture of millions of cells is built in one
/// buffer reserved once (`SVGHeatmap.estimatedBytes`) and written as it is.
struct SVGBytes {
    /// The document so far.
    private(set) var bytes: [UInt8] = []

    /// An empty buffer holding `capacity` bytes before it grows.
    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    /// Appends `text` as UTF-8.
    mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    /// Appends bytes prepared earlier (a column's coordinate, an escaped label).
    mutating func append(_ piece: [UInt8]) {
        bytes.append(contentsOf: piece)
    }

    /// Appends an integer in decimal.
    mutating func append(integer value: Int) {
        guard value >= 0 else { return append(String(value)) }
        var count = 1, probe = value
        while probe >= 10 {
            probe /= 10
            count += 1
        }
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: count))
        var rest = value
        for index in stride(from: start + count - 1, through: start, by: -1) {
            bytes[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
    }

    /// Appends `value` with `decimals` digits after the point, the digits `MatrixText.format`
    /// prints (printf's rounding of the exact binary value, half to even, and no sign on a
    /// zero). A non-negative value at up to 8 decimals whose `value·10^decimals` is below
    /// 2³² (every attention weight at the default 4) takes a short path: that product is
    /// within 10⁻⁶ of exact, so rounding it gives printf's digits unless it lies within 10⁻⁶
    /// of a half, which goes to printf like every other value.
    mutating func append(fixed value: Double, decimals: Int) {
        guard value >= 0, (0...8).contains(decimals), case let scaled = value * Self.powersOfTen[decimals],
            scaled < 4_294_967_296, abs(scaled - scaled.rounded(.down) - 0.5) > 1e-6
        else { return append(MatrixText.format(value, decimals)) }
        let units = Int(scaled.rounded())
        let unit = Int(Self.powersOfTen[decimals])
        append(integer: units / unit)
        guard decimals > 0 else { return }
        bytes.append(UInt8(ascii: "."))
        var fraction = units % unit, divisor = unit / 10
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(fraction / divisor))
            fraction %= divisor
            divisor /= 10
        }
    }

    /// 10⁰ … 10⁸, exact in Double.
    private static let powersOfTen: [Double] = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8]
}
