import MHACore

/// A saved decode cache: an `.npz` with the cached keys `k` and values `v` (n × g·d_k each,
/// float64 or float32 as computed), their `positions` (n int64, consecutive), `next_position`,
/// and one small array per setting that made them (`d_model`, `heads`, `kv_heads`,
/// `head_dim`, `window`, `rope`, …), so a later run can refuse to continue with others.
///
///     z = np.load("cache.npz"); z["k"].shape   # (n, g·d_k)
public struct DecodeCacheFile: Sendable, Equatable {
    /// The cached keys and values, widened to Double.
    public var keys: Matrix<Double>
    public var values: Matrix<Double>
    /// 64 or 32: the precision they were computed in.
    public var precisionBits: Int
    /// The position of the next token.
    public var nextPosition: Int
    /// Every other array, by name, as float64 values (settings are exact small integers
    /// or the float64 they were given as).
    public var settings: [String: [Double]]

    /// The largest `next_position` a cache holds: 2^53, up to which float64 holds every
    /// integer exactly (the file's positions are read through float64, and RoPE turns by them).
    public static let maximumNextPosition = 1 << 53

    /// The members that are not settings.
    static let reserved: Set<String> = ["k", "v", "positions", "next_position"]

    /// The archive for a cache: K, V, their positions and the settings (integers or floats).
    public static func archive<S: NPYScalar>(_ cache: KVCache<S>, settings: [(String, [Double])])
        throws(NPZWriterError) -> [UInt8]
    {
        var members: [NPZMember] = [
            .matrix("k", cache.keys), .matrix("v", cache.values),
            .integers("positions", Array(cache.positions)),
            .integers("next_position", [cache.nextPosition]),
        ]
        for (name, values) in settings {
            if values.allSatisfy({ $0 == $0.rounded() && abs($0) < 1e15 }) {
                members.append(.integers(name, values.map { Int($0) }))
            } else {
                members.append(.matrix(name, Matrix(rows: 1, columns: values.count) { _, c in values[c] }))
            }
        }
        return try NPZWriter.archive(members)
    }

    /// Reads a cache written by `archive`.
    /// - Throws: `FormatError`: `.cannotOpen` when the file cannot be read or is not a
    ///   regular file (a FIFO, a device: refused before it is opened), `.data` for a
    ///   file that is truncated, not a zip of `.npy` arrays, or lacks `k`, `v`, `positions`
    ///   or `next_position`, or whose positions are not consecutive up to `next_position`.
    public static func read(path: String) throws(FormatError) -> DecodeCacheFile {
        try FilePaths.requireRegularFile(path, as: "a decode cache")
        let archive = try ArrayArchives.open(path: path, format: .npz)
        let names = archive.arrays.map(\.name)
        func array(_ name: String) throws(FormatError) -> Matrix<Double> {
            guard names.contains(name) else {
                throw FormatError(
                    kind: .data, file: path,
                    message: "not a decode cache: no array '\(name)' (found \(names.sorted().joined(separator: ", ")))")
            }
            // An empty cache (no tokens yet, or a window of 1) has 0 × g·d_k arrays.
            if let info = archive.arrays.first(where: { $0.name == name }), info.shape.count == 2, info.shape[0] == 0 {
                return Matrix(rows: 0, columns: info.shape[1])
            }
            if let info = archive.arrays.first(where: { $0.name == name }), info.shape == [0] {
                return Matrix(rows: 1, columns: 0)
            }
            return try archive.matrix(named: name)
        }
        let keys = try array("k"), values = try array("v")
        let positions = try array("positions").elements
        // Positions go up to 2^53 (the largest integer float64 holds exactly, which RoPE needs).
        guard let next = try array("next_position").elements.first, next >= 0, next <= Double(maximumNextPosition),
            next.rounded() == next
        else {
            throw FormatError(
                kind: .data, file: path, message: "next_position must be one integer from 0 to 2^53")
        }
        let nextPosition = Int(next)
        let consecutive = positions.enumerated().allSatisfy {
            Double(nextPosition - positions.count + $0.offset) == $0.element
        }
        guard positions.count == keys.rows, consecutive else {
            throw FormatError(
                kind: .data, file: path,
                message: "positions must be the \(keys.rows) consecutive positions before next_position \(nextPosition)"
            )
        }
        var settings: [String: [Double]] = [:]
        for name in names where !reserved.contains(name) {
            settings[name] = try array(name).elements
        }
        let isFloat = archive.arrays.first { $0.name == "k" }?.dtype == "F32"
        return DecodeCacheFile(
            keys: keys, values: values, precisionBits: isFloat ? 32 : 64,
            nextPosition: nextPosition, settings: settings)
    }
}
