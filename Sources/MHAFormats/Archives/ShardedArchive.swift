import MHACore

/// A checkpoint saved in shards (`save_pretrained(max_shard_size: …)`): its
/// `model.safetensors.index.json` maps each tensor to the shard file that holds it, and the
/// archive is the union of the shards (each memory-mapped, so only what is read is loaded).
final class ShardedArchive: ArrayArchive {
    let name: String
    var formatName: String { "safetensors" }
    let arrays: [ArrayInfo]
    /// The shards, in the order of their file names.
    private let shards: [any ArrayArchive]
    /// The shard of each array.
    private let shardOf: [ExactKey: Int]

    /// Whether `path` names a shard index (`….index.json`).
    static func isIndex(_ path: String) -> Bool { path.lowercased().hasSuffix(".index.json") }

    /// Opens the index at `path` and every shard it names, in the index's folder.
    /// - Throws: `FormatError`: 66 for an index or shard that cannot be read; 65 for an index
    ///   without a `weight_map` of tensor → file names, a file name that is not in the
    ///   index's folder, a key the index repeats with another value (a tensor mapped to two
    ///   shards), a tensor its shard does not hold, or one that two shards hold.
    init(path: String) throws(FormatError) {
        name = path
        let map = try Self.weightMap(InputBytes.read(path: path), name: path)
        let folder = PathParts.folder(path)
        let files = Set(map.values.map(ExactKey.init)).map(\.text).sorted()
        var shards: [any ArrayArchive] = []
        for file in files {
            guard !file.contains("/"), !file.contains("\\"), file != "..", !file.isEmpty else {
                throw FormatError(
                    kind: .data, file: path, path: "$.weight_map",
                    message: "shard \(MessageText.quoted(file)) is not a file name in the index's folder")
            }
            shards.append(try ArrayArchives.open(path: folder + file, format: .safetensors))
        }
        var shardOf: [ExactKey: Int] = [:]
        for (index, shard) in shards.enumerated() {
            for array in shard.arrays {
                if let other = shardOf[ExactKey(array.name)] {
                    throw Self.heldTwice(array.name, files: (files[other], files[index]), map: map, path: path)
                }
                shardOf[ExactKey(array.name)] = index
            }
        }
        for (tensor, file) in map.sorted(by: { $0.key.text < $1.key.text }) {
            guard let index = files.firstIndex(where: { $0.sameScalars(as: file) }), shardOf[tensor] == index else {
                throw FormatError(
                    kind: .data, file: folder + file,
                    message:
                        "the index \(path) puts \(MessageText.quoted(tensor.text)) here, but this shard does not hold it"
                )
            }
        }
        (self.shards, self.shardOf, arrays) = (shards, shardOf, shards.flatMap(\.arrays))
    }

    /// The error for a tensor that two shards hold: transformers loads every shard whole, so
    /// which copy a model ends with is its loading order's, not the index's.
    private static func heldTwice(
        _ tensor: String, files: (String, String), map: [ExactKey: String], path: String
    ) -> FormatError {
        let mapped =
            map[ExactKey(tensor)].map { "the index maps it to \(MessageText.quoted($0))" }
            ?? "the index does not map it"
        return FormatError(
            kind: .data, file: PathParts.folder(path) + files.1,
            message:
                "\(JSONDocument.quotedKey(tensor)) is in this shard and in \(MessageText.quoted(files.0)) (\(mapped)): which copy transformers keeps depends on the order it loads the shards; remove one"
        )
    }

    func matrix(named arrayName: String, nonFinite: NonFiniteRule) throws(FormatError) -> Matrix<Double> {
        guard let index = shardOf[ExactKey(arrayName)] else { throw ArrayArchives.unknownArray(arrayName, in: self) }
        return try shards[index].matrix(named: arrayName, nonFinite: nonFinite)
    }

    var notes: [String] { shards.flatMap { shard in shard.notes.map { "\(shard.name): \($0)" } } }

    /// The index's `weight_map`: tensor name → shard file name.
    private static func weightMap(_ terminated: [UInt8], name: String) throws(FormatError) -> [ExactKey: String] {
        let document = try MatrixReader.withContent(of: terminated) { (text) throws(FormatError) in
            let document = try JSONParser(text: text, name: name).parse()
            // A tensor mapped to two shards (or two weight_maps) is ambiguous.
            try document.refuseConflictingKeys(in: text, name: name, reader: "transformers")
            return document
        }
        let failure = FormatError(
            kind: .data, file: name,
            message: "expected a shard index: a JSON object whose \"weight_map\" maps tensor names to shard files")
        guard document.nodes[0].kind == .object,
            let map = document.members(of: 0).last(where: { $0.key == "weight_map" }),  // Python's json's
            document.nodes[map.value].kind == .object
        else { throw failure }
        var result: [ExactKey: String] = [:]  // tensor names by code point
        for member in document.members(of: map.value) {
            guard document.nodes[member.value].kind == .string else { throw failure }
            result[ExactKey(member.key)] = document.string(member.value)
        }
        return result
    }
}

extension ArrayArchives {
    /// Whether `path` names a shard index (`model.safetensors.index.json`), which `open` reads
    /// as the checkpoint its shards make: its errors are about the index or a shard.
    public static func isShardIndex(_ path: String) -> Bool { ShardedArchive.isIndex(path) }

    /// `model.safetensors.index.json` beside `path` when `path` is a .safetensors file but not
    /// that index: a shard given alone holds only some layers' tensors.
    public static func shardIndex(beside path: String) -> String? {
        guard ArchiveFormat(path: path) == .safetensors, !ShardedArchive.isIndex(path) else { return nil }
        let index = PathParts.folder(path) + "model.safetensors.index.json"
        return MatrixSource.exists(index) ? index : nil
    }

    /// `error` with a hint that `path` is one shard of the checkpoint `shardIndex` finds.
    public static func withShardHint(_ error: FormatError, path: String) -> FormatError {
        guard error.kind == .data, let index = shardIndex(beside: path) else { return error }
        return FormatError(
            kind: error.kind, file: error.file, line: error.line, column: error.column, path: error.path,
            message: error.message + "; this file may be one shard of a checkpoint: read \(index), which maps them all")
    }
}
