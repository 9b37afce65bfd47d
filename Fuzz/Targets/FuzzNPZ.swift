import MHACore
import MHAFormats

/// libFuzzer entry point: the input as an .npz archive (in memory); when its directory is
/// accepted, every member is read (inflated to its declared size at most).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPZ(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzArchive.exercise(FuzzInput.bytes(data, size), name: "fuzz.npz", format: .npz)
    return 0
}
