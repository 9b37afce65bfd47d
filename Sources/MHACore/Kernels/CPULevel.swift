import CMHAKernels

/// The instruction sets the engine's matrix and exponential kernels are compiled for. One
/// binary holds all of them; the engine picks one when it starts (`selected`), so it runs at
/// full speed on any x86-64 machine without being built for it.
public enum CPULevel: Int, Sendable, CaseIterable, Comparable, CustomStringConvertible {
    /// x86-64's SSE2, or the portable vector code on other architectures (NEON on arm64).
    case baseline
    /// AVX2 with fused multiply-add.
    case avx2
    /// AVX-512 F, DQ, BW and VL.
    case avx512

    /// The best level this CPU and operating system support.
    public static let supported = CPULevel(mha_cpu_supported_level())

    /// The level the kernels use: `supported`, or the lower one named by the environment
    /// variable `MHA_CPU` (`baseline`, `avx2`, `avx512`), so that a test or a user can
    /// pretend the CPU lacks a feature. A higher or unknown name leaves `supported`.
    public static let selected = CPULevel(mha_cpu_selected_level())

    /// Whether `MHA_CPU` is set to something that is not a level name.
    public static var requestIsInvalid: Bool { mha_cpu_request_is_invalid() != 0 }

    /// Whether `MHA_THREADS` is set to something that is not a positive integer.
    public static var threadRequestIsInvalid: Bool { mha_cpu_thread_request_is_invalid() != 0 }

    /// The name `MHA_CPU` takes: `baseline`, `avx2`, `avx512`.
    public var description: String {
        switch self {
        case .baseline: "baseline"
        case .avx2: "avx2"
        case .avx512: "avx512"
        }
    }

    /// The levels this machine can run, lowest first.
    public static var runnable: [CPULevel] { allCases.filter { $0 <= supported } }

    public static func < (lhs: CPULevel, rhs: CPULevel) -> Bool { lhs.rawValue < rhs.rawValue }

    init(_ level: mha_cpu_level) {
        self = CPULevel(rawValue: Int(level.rawValue)) ?? .baseline
    }

    /// The C kernels' name for the level.
    var kernelLevel: mha_cpu_level { mha_cpu_level(rawValue: UInt32(rawValue)) }
}
