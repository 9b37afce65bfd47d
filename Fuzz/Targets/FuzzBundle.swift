import MHACore
import MHAFormats

/// libFuzzer entry point: parses the input as a JSON bundle object.
/// Any value or any `FormatError` is an acceptable outcome; a crash, a leak or a hang is not.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBundle(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = FuzzInput.bytes(data, size)
    FuzzInput.expectValueOrFormatError { try InputBundle.parse(bytes: bytes, name: "fuzz.json") }
    return 0
}
