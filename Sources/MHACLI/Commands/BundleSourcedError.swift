import MHACore
import MHAFormats

/// An error about a value that came from a file rather than a flag: a bundle's `heads`,
/// `kv_heads`, `token`, `scale`, `layout`, a score option (`rope_dims`, `window`, …), a mask
/// entry, or keys of one bundle that contradict each other (`in_proj` and `wq`). It names the
/// file and is bad data (65); the same value given as a flag stays a usage error (64).
struct BundleSourcedError: MHAError {
    /// The file the value came from, as the user named it (`<stdin>` for `-`).
    let file: String
    /// What the engine or the checks said.
    let message: String

    /// Always `.data`: the file holds a value the run cannot use.
    var category: ErrorCategory { .data }

    var description: String { "\(file): \(message)" }

    /// `error` naming the file its offending value came from, when it came from one
    /// (`origins`: value name → file); else nil, and the error stands as it is. A refusal of
    /// how the projections are given (`in_proj` against a memory of another width, …) is the
    /// file's when every projection input present (`given`) came from that one file.
    static func attributing(_ error: AttentionError, origins: [String: String], given: Set<String> = [])
        -> BundleSourcedError?
    {
        let names: [String]
        switch error {
        case .projectionSource:
            let present = ["in_proj", "qkv", "wq", "wk", "wv", "memory"].filter(given.contains)
            return attributing(error.description, among: present, origins: origins)
        case .headsDoNotDivideModel: names = ["heads"]
        case .kvHeadsDoNotDivideHeads: names = ["kv_heads"]
        case let .nonPositive(name, _): names = [name]
        case .sizeOverflow: names = ["head_dim"]
        case .tokenOutOfRange: names = ["token"]
        case .invalidScale: names = ["scale"]
        case .invalidMaskValue, .invalidMaskEntry: names = ["mask"]
        case .invalidRotaryDimensions: names = ["rope_dims"]
        case .invalidRotaryBase: names = ["rope_base"]
        case .invalidRotaryScaling: names = ["rope_scaling"]
        case .invalidWindow: names = ["window"]
        case .invalidSoftcap: names = ["softcap"]
        case .negativePositionOffset, .positionOutOfRange: names = ["position_offset"]
        default: names = []
        }
        guard let file = names.lazy.compactMap({ origins[$0] }).first else { return nil }
        return BundleSourcedError(file: file, message: error.description)
    }

    /// A refusal of values that contradict each other (`names`, e.g. `in_proj` and `wq`),
    /// naming their file when every one of them came from that one file (`origins`); else nil:
    /// when any came from a flag, the contradiction is the command line's (usage).
    static func attributing(_ message: String, among names: [String], origins: [String: String])
        -> BundleSourcedError?
    {
        let files = Set(names.map { origins[$0] })
        guard files.count == 1, let file = files.first ?? nil else { return nil }
        return BundleSourcedError(file: file, message: message)
    }
}
