/// A number of bytes as people read it.
public enum ByteCount {
    /// `bytes` in binary units with one decimal: `38.4 GiB`, `512.0 MiB`, `12 bytes`;
    /// `Int.max` (an overflowed count) reads `more than 8 EiB`.
    public static func describe(_ bytes: Int) -> String {
        guard bytes != Int.max else { return "more than 8 EiB" }
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) bytes" : PrintfFormat.string("%.1f", value) + " " + units[unit]
    }
}
