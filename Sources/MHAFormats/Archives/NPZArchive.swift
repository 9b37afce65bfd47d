import MHACore

/// An `.npz` archive (np.savez, np.savez_compressed): a zip whose members are `.npy` files,
/// stored or deflated. Opening it reads the central directory and every member's NPY header
/// (inflating only the header); reading an array inflates that member alone, into a buffer
/// of the size its header declares, never more.
final class NPZArchive: ArrayArchive {
    /// The mapping.
    private let file: MappedFile
    /// The zip's members, in directory order.
    private let members: [ZipDirectory.Member]
    /// One entry per member: the array name (member name without `.npy`) and its header.
    let arrays: [ArrayInfo]
    /// Each member's parsed NPY header, by array index.
    private let headers: [NPYHeader]

    /// The largest NPY header read from a deflated member (numpy writes a few hundred bytes).
    private static let maximumHeader = 1 << 20

    /// Reads and checks `file`'s directory and member headers.
    init(_ file: MappedFile) throws(FormatError) {
        self.file = file
        members = try ZipDirectory(file).members
        var arrays: [ArrayInfo] = [], headers: [NPYHeader] = []
        if ArrayArchives.isPyTorchPickle(members) {
            throw FormatError(kind: .data, file: file.name, message: ArrayArchives.pyTorchPickleMessage)
        }
        for member in members {
            if member.name == ".npy" {
                throw FormatError(
                    kind: .data, file: file.name,
                    message:
                        "member \".npy\" holds an array whose name is empty (numpy.savez(**{'': a}) writes it), which no FILE:NAME can pick; save it under a name"
                )
            }
            guard member.name.hasSuffix(".npy"), member.name.count > 4 else {
                throw FormatError(
                    kind: .data, file: file.name,
                    message:
                        "member \(MessageText.quoted(member.name)) is not an .npy array (an .npz holds only .npy members)"
                )
            }
            let arrayName = String(member.name.dropLast(4))
            let header = try Self.header(of: member, in: file, label: file.name + ":" + arrayName)
            let type = header.dataType.elementType
            let count = header.elementCount ?? 0
            guard case let (bytes, overflow) = count.multipliedReportingOverflow(by: type.size), !overflow,
                header.dataOffset + bytes == member.uncompressedSize
            else {
                let declared = "shape \(header.shapeDescription) of \(header.dataType.descr)"
                throw FormatError(
                    kind: .data, file: file.name + ":" + arrayName,
                    message:
                        "the zip's central directory lies: it says \(member.uncompressedSize) bytes uncompressed, the .npy header (\(declared)) declares \(header.dataOffset) + \(count) × \(type.size)"
                )
            }
            arrays.append(
                ArrayInfo(name: arrayName, dtype: type.safetensorsName, shape: header.shape, byteCount: bytes))
            headers.append(header)
        }
        self.arrays = arrays
        self.headers = headers
    }

    var name: String { file.name }
    var formatName: String { "npz" }

    func matrix(named arrayName: String, nonFinite: NonFiniteRule) throws(FormatError) -> Matrix<Double> {
        guard let position = arrays.firstIndex(where: { $0.name.sameScalars(as: arrayName) }) else {
            throw ArrayArchives.unknownArray(arrayName, in: self)
        }
        let member = members[position], info = arrays[position], label = name + ":" + arrayName
        guard info.matrixShape != nil else { return try ArrayArchives.matrix([], info: info, file: name) }
        try ArrayArchives.checkMemory(
            elements: headers[position].elementCount ?? Int.max,
            extraBytes: member.method == 8 ? member.uncompressedSize : 0, label: label)
        if member.method == 0 {
            let bytes = file.slice(member.data)
            try Self.checkCRC(bytes, member, label)
            return try NPYReader(bytes: bytes.assumingMemoryBound(to: UInt8.self), name: label, nonFinite: nonFinite)
                .read()
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(member.uncompressedSize, 1), alignment: 16)
        defer { buffer.deallocate() }
        let contents = UnsafeMutableRawBufferPointer(rebasing: buffer[..<member.uncompressedSize])
        do throws(NPYFailure) {
            let inflater = try Inflater(file.slice(member.data))
            let written = try inflater.inflate(into: contents)
            guard written == member.uncompressedSize else {
                throw NPYFailure(
                    "the deflated data ends after \(written) of the \(member.uncompressedSize) bytes the header declares"
                )
            }
            guard try !inflater.hasMoreOutput() else {
                throw NPYFailure(
                    "the deflated data inflates to more than the \(member.uncompressedSize) bytes its .npy header declares (a zip bomb?)"
                )
            }
        } catch {
            throw FormatError(kind: .data, file: label, message: error.message)
        }
        try Self.checkCRC(UnsafeRawBufferPointer(contents), member, label)
        return try NPYReader(
            bytes: UnsafeRawBufferPointer(contents).assumingMemoryBound(to: UInt8.self), name: label,
            nonFinite: nonFinite
        ).read()
    }

    /// Refuses a member whose bytes do not match its directory CRC-32.
    private static func checkCRC(
        _ bytes: UnsafeRawBufferPointer, _ member: ZipDirectory.Member,
        _ label: String
    ) throws(FormatError) {
        let crc = Inflater.crc32(bytes)
        guard crc == member.crc else {
            throw FormatError(
                kind: .data, file: label,
                message:
                    "CRC-32 mismatch: the data's is \(String(crc, radix: 16)), the zip's directory says \(String(member.crc, radix: 16))"
            )
        }
    }

    /// The NPY header of `member`: read in place if stored, else inflated up to its end only.
    private static func header(
        of member: ZipDirectory.Member, in file: MappedFile,
        label: String
    ) throws(FormatError) -> NPYHeader {
        do throws(NPYFailure) {
            let prefix: [UInt8]
            if member.method == 0 {
                let bytes = file.slice(member.data)
                prefix = Array(bytes.prefix(min(bytes.count, maximumHeader + 12)))
            } else {
                let inflater = try Inflater(file.slice(member.data))
                var preamble = try inflated(inflater, count: min(12, member.uncompressedSize))
                if preamble.starts(with: NPYHeader.magic), preamble.count >= 10 {
                    let length =
                        preamble[6] == 1
                        ? Int(preamble[8]) | Int(preamble[9]) << 8
                        : preamble.count < 12
                            ? 0
                            : Int(preamble[8]) | Int(preamble[9]) << 8 | Int(preamble[10]) << 16 | Int(preamble[11])
                                << 24
                    let total = min((preamble[6] == 1 ? 10 : 12) + length, maximumHeader, member.uncompressedSize)
                    preamble += try inflated(inflater, count: max(0, total - preamble.count))
                }
                prefix = preamble
            }
            return try prefix.withUnsafeBufferPointer { (bytes) throws(NPYFailure) in
                try NPYHeader(parsing: bytes, anyRank: true)
            }
        } catch {
            let message =
                error.message.hasPrefix("not an NPY file")
                ? "not an .npy array: missing the \\x93NUMPY magic string" : error.message
            throw FormatError(kind: .data, file: label, message: message)
        }
    }

    /// The next `count` bytes of `inflater` (fewer if the stream ends).
    private static func inflated(_ inflater: Inflater, count: Int) throws(NPYFailure) -> [UInt8] {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 1)
        defer { buffer.deallocate() }
        let written = try inflater.inflate(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<count]))
        return Array(buffer[..<written])
    }
}
