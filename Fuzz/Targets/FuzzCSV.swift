import MHACore
import MHAFormats

/// libFuzzer entry point: reads the input as a CSV matrix, then as a TSV matrix.
/// Any value or any `FormatError` is an acceptable outcome; a crash, a leak or a hang is not.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = FuzzInput.bytes(data, size)
    FuzzInput.expectValueOrFormatError { try MatrixReader.read(bytes: bytes, name: "fuzz.csv", format: .csv) }
    FuzzInput.expectValueOrFormatError { try MatrixReader.read(bytes: bytes, name: "fuzz.tsv", format: .tsv) }
    return 0
}
