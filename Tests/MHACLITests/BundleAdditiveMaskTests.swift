import Foundation
import MHACore
import MHAFormats
import Testing

/// An .npz bundle's `mask` is read as `--mask` is: with `--mask-kind additive` its −∞ blocks a
/// key (it was refused: "non-finite value -inf"), giving the same output as the same array
/// through `--mask FILE.npz:mask`; without it the −∞ is refused with the hint, and a −∞ in any
/// other array stays refused without it. Through the built binary, from a file and from stdin.
@Suite struct BundleAdditiveMaskTests {
    static func write(_ folder: URL) throws {
        let x = try Matrix<Double>([[0.5, -1, 0.25, 2], [1.5, 0.5, -0.5, 1], [-1, 2, 0.75, -0.25]])
        let mask = try Matrix<Double>([[0, -.infinity, 0], [0, 0, -.infinity], [-.infinity, 0, 0.5]])
        let bundle = try NPZWriter.archive([.matrix("x", x), .matrix("mask", mask)])
        try Data(bundle).write(to: folder.appendingPathComponent("bundle.npz"))
        try Data(try NPZWriter.archive([.matrix("mask", mask)])).write(to: folder.appendingPathComponent("mask.npz"))
        try Data(NPYWriter.data(x)).write(to: folder.appendingPathComponent("x.npy"))
        let badX = try Matrix<Double>([[1, -.infinity], [0, 1]])
        try Data(try NPZWriter.archive([.matrix("x", badX)])).write(to: folder.appendingPathComponent("bad.npz"))
    }

    @Test func additiveMaskInAnNPZBundleIsReadAsTheFlagReadsIt() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.write(folder)
        let common = ["--mask-kind", "additive", "--weights", "identity", "--heads", "2", "--format", "json"]
        let flags = try BuiltBinary.run(["run", "-x", "x.npy", "--mask", "mask.npz:mask"] + common, in: folder)
        #expect(flags.status == 0, "\(flags.stderr)")
        let bundle = try BuiltBinary.run(["run", "--bundle", "bundle.npz"] + common, in: folder)
        #expect(bundle.status == 0, "\(bundle.stderr)")
        #expect(bundle.stderr.isEmpty)
        #expect(!bundle.stdout.isEmpty && bundle.stdout == flags.stdout)
        let binary = try #require(BuiltBinary.url)
        let piped = try BuiltBinary.launch(
            URL(fileURLWithPath: "/bin/sh"),
            ["-c", "'\(binary.path)' run --bundle - \(common.joined(separator: " ")) < bundle.npz"], in: folder)
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(piped.stdout == flags.stdout)
    }

    @Test func withoutAdditiveTheInfinityIsRefusedWithTheHint() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.write(folder)
        let refused = try BuiltBinary.run(["run", "--bundle", "bundle.npz", "--weights", "identity"], in: folder)
        #expect(refused.status == 65)
        #expect(
            refused.stderr
                == "mha-cli: error: bundle.npz:mask: non-finite value -inf at [0, 1] (an additive mask blocks with -inf: give --mask-kind additive)\n"
        )
        let other = try BuiltBinary.run(
            ["run", "--bundle", "bad.npz", "--weights", "identity", "--mask-kind", "additive"], in: folder)
        #expect(other.status == 65)
        #expect(other.stderr == "mha-cli: error: bad.npz:x: non-finite value -inf at [0, 1]\n")
    }
}
