import MHACore

/// One array of an `.npz` archive: its name (without `.npy`) and its complete `.npy` bytes.
public struct NPZMember: Sendable, Equatable {
    /// The array's name, as `np.load(...)[name]` finds it.
    public var name: String
    /// The member file's bytes, a complete `.npy` file.
    public var bytes: [UInt8]

    /// A member with these `.npy` bytes.
    public init(name: String, npy bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }

    /// The file name inside the zip: `name.npy`.
    var entryName: String { name + ".npy" }

    /// A matrix, as `NPYWriter` writes it (`<f8`, or `<f4` for Float).
    public static func matrix<S: NPYScalar>(_ name: String, _ m: Matrix<S>) -> NPZMember {
        NPZMember(name: name, npy: NPYWriter.data(m))
    }

    /// A 1-D array of 64-bit integers (`<i8`, shape `(n,)`).
    public static func integers(_ name: String, _ values: [Int]) -> NPZMember {
        var bytes = NPYHeader.encoded(descr: "<i8", shape: "(\(values.count),)")
        bytes.reserveCapacity(bytes.count + 8 * values.count)
        for value in values {
            var v = Int64(value).littleEndian
            withUnsafeBytes(of: &v) { bytes.append(contentsOf: $0) }
        }
        return NPZMember(name: name, npy: bytes)
    }

    /// A 0-d array holding one string (numpy's `<U` dtype: UTF-32 little-endian), as
    /// `np.savez(f, name="text")` writes it.
    public static func string(_ name: String, _ text: String) -> NPZMember {
        let scalars = Array(text.unicodeScalars)
        var bytes = NPYHeader.encoded(descr: "<U\(max(scalars.count, 1))", shape: "()")
        for scalar in scalars {
            var v = scalar.value.littleEndian
            withUnsafeBytes(of: &v) { bytes.append(contentsOf: $0) }
        }
        if scalars.isEmpty { bytes += [0, 0, 0, 0] }
        return NPZMember(name: name, npy: bytes)
    }
}

extension NPYHeader {
    /// The version 1.0 header for a C-order array of `descr` and a shape written as Python
    /// does (`(3,)`, `()`, `(2, 4)`), padded as numpy pads it.
    static func encoded(descr: String, shape: String) -> [UInt8] {
        var dictionary = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
        let unpadded = magic.count + 4 + dictionary.utf8.count + 1
        dictionary += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = dictionary.utf8.count
        return magic + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(dictionary.utf8)
    }
}
