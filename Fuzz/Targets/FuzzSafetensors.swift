import MHACore
import MHAFormats

/// libFuzzer entry point: the input as a .safetensors file (in memory); when its header is
/// accepted, every tensor is read and each recognised checkpoint layer is loaded. Any value or
/// one-line `FormatError` is fine; a crash, leak, hang or allocation beyond the file is not.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzArchive.exercise(FuzzInput.bytes(data, size), name: "fuzz.safetensors", format: .safetensors)
    return 0
}
