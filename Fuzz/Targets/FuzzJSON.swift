import MHACore
import MHAFormats

/// libFuzzer entry point: reads the input as a JSON matrix (a 2-D or 1-D array of numbers).
/// Any value or any `FormatError` is an acceptable outcome; a crash, a leak or a hang is not.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = FuzzInput.bytes(data, size)
    FuzzInput.expectValueOrFormatError { try MatrixReader.read(bytes: bytes, name: "fuzz.json", format: .json) }
    return 0
}
