import MHACore
import MHAFormats

/// libFuzzer entry point: reads the input as an NPY file, and sniffs its format as stdin would.
/// Any value or any `FormatError` is an acceptable outcome; a crash, a leak or a hang is not.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPY(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = FuzzInput.bytes(data, size)
    FuzzInput.expectValueOrFormatError { try MatrixReader.read(bytes: bytes, name: "fuzz.npy", format: .npy) }
    let sniffed = MatrixFormat.sniff(bytes)
    FuzzInput.expectValueOrFormatError { try MatrixReader.read(bytes: bytes, name: "<stdin>", format: sniffed) }
    return 0
}
