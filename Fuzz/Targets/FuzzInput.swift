import MHACore
import MHAFormats

/// What every fuzz target shares: turning libFuzzer's buffer into bytes and checking that a
/// reader either returns or throws a well-formed, one-line, typed error.
enum FuzzInput {
    /// The `size` bytes at `data` (libFuzzer may pass a null pointer with size 0).
    static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        guard let data, size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// Runs `read`; a result is fine, a `FormatError` must be a one-line data error.
    /// Anything else traps, so libFuzzer records the input as a crash.
    static func expectValueOrFormatError<T>(_ read: () throws -> T) {
        do {
            _ = try read()
        } catch let error as FormatError {
            check(error)
        } catch {
            fatalError("untyped error: \(error)")
        }
    }

    /// Traps unless `error` is a content error with a non-empty message on one line.
    static func check(_ error: some MHAError) {
        if error.category != .data { fatalError("unexpected category \(error.category): \(error.description)") }
        checkOneLine(error)
    }

    /// Traps unless `error`'s description is non-empty and on one line.
    static func checkOneLine(_ error: some MHAError) {
        checkOneLine(error.description)
    }

    /// Traps unless `text` is non-empty and on one line.
    static func checkOneLine(_ text: String) {
        if text.isEmpty || text.contains(where: \.isNewline) { fatalError("malformed message: \(text)") }
    }
}
