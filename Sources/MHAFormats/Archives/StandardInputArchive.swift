import MHACore
import Synchronization

/// The archive given on standard input for `-:NAME`: its bytes are read into memory once, with
/// the limits every stream read has (`InputBytes`), and kept, so that several `-:NAME`
/// arguments of one command (`--wq -:wq --wk -:wk`) pick their arrays from the same copy, as
/// `FILE:NAME` arguments pick from one file.
enum StandardInputArchive {
    /// The bytes, once read.
    private static let read = Mutex<MappedFile?>(nil)

    /// Standard input's bytes: read on the first call, the same copy after.
    /// - Throws: `FormatError` from reading the stream (too large for memory, unreadable).
    static func bytes() throws(FormatError) -> MappedFile {
        if let file = read.withLock({ $0 }) { return file }
        let file = try MappedFile(path: "-")
        read.withLock { $0 = file }
        return file
    }

    /// The archive on standard input for `-:NAME` (`arrayName`, for the message): an .npz or a
    /// .safetensors. Anything else is refused saying so: text, nothing, or an .npy (one array
    /// without a name, given as `-`).
    static func open(picking arrayName: String) throws(FormatError) -> any ArrayArchive {
        let file = try bytes()
        if let format = ArchiveFormat.sniff(file.bytes) { return try ArrayArchives.open(file, format: format) }
        let holds =
            file.bytes.isEmpty
            ? "nothing" : file.bytes.starts(with: NPYHeader.magic) ? "an .npy, one array without a name" : "no archive"
        throw FormatError(
            kind: .data, file: file.name,
            message:
                "\(MessageText.quoted("-:" + arrayName)) picks an array from an .npz or .safetensors archive on standard input, but standard input holds \(holds); give \(holds == "nothing" ? "the input" : "it") as '-' (without :NAME)"
        )
    }
}
