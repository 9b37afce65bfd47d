import MHACore
import MHAFormats

/// Reading the matrix options' files as `run` and `attend` do: a 3-D .npy as a batch, and a
/// `--mask` as its kind needs: an additive mask may block with −∞, the 0/1 kinds may not (a −∞
/// there is refused with a word about `--mask-kind additive`).
enum MaskFile {
    /// The rule for reading the matrix of bundle key `key` under mask kind `kind`.
    static func nonFiniteRule(key: String, kind: AttentionMask<Double>.Kind?) -> NonFiniteRule {
        key == "mask" && kind == .additive ? .negativeInfinityAllowed : .refused
    }

    /// Option `key`'s file at `path`: a 3-D .npy as a batch (its first sequence as the matrix)
    /// when `batchable`, else one matrix; a mask read by `nonFiniteRule`, with JSON booleans.
    static func read(
        _ path: String, key: String, kind: AttentionMask<Double>.Kind?, batchable: Bool
    ) throws -> (matrix: Matrix<Double>, batch: [Matrix<Double>]?) {
        // Only a mask reads JSON `true`/`false` (as 1 and 0); in H or a weight they are refused.
        let booleans = key == "mask"
        return try reading(key: key, kind: kind) { rule in
            batchable
                ? try BatchReader.read(path: path, nonFinite: rule, booleans: booleans)
                : (try MatrixReader.read(path: path, nonFinite: rule, booleans: booleans), nil)
        }
    }

    /// The bundle at `path`, its `mask` (an .npz array) read as `--mask` is under `kind`.
    static func bundle(_ path: String, kind: AttentionMask<Double>.Kind?) throws -> InputBundle {
        try reading(key: "mask", kind: kind, onlyIn: ":mask") { rule in
            try InputBundle.read(path: path, maskRule: rule)
        }
    }

    /// Runs `read`, adding to a refused −∞ in a mask that is not additive how to give one
    /// (when the error's file ends with `onlyIn`: the mask array of a bundle).
    private static func reading<T>(
        key: String, kind: AttentionMask<Double>.Kind?, onlyIn suffix: String = "",
        _ read: (NonFiniteRule) throws -> T
    ) throws -> T {
        let rule = nonFiniteRule(key: key, kind: kind)
        do {
            return try read(rule)
        } catch let error as FormatError
            where key == "mask" && rule == .refused && error.refusesNegativeInfinity && error.file.hasSuffix(suffix)
        {
            throw FormatError(
                kind: error.kind, file: error.file, line: error.line, column: error.column, path: error.path,
                message: error.message + " (an additive mask blocks with -inf: give --mask-kind additive)")
        }
    }
}

extension FormatError {
    /// Whether the error is a reader's refusal of a −∞ value.
    fileprivate var refusesNegativeInfinity: Bool {
        message.hasPrefix("non-finite value") && message.lowercased().contains("-inf")
    }
}
