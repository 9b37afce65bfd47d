import Foundation
import Testing

/// Archives through the built binary: `FILE:NAME` on matrix options, and each hostile
/// archive of Tests/MHAFormatsTests/Fixtures/archives/hostile refused with exit 65 and one
/// line naming the file, under HostileRun's time and memory bounds.
@Suite struct ArchiveEndToEndTests {
    static let archives = BuiltBinary.packageRoot.appendingPathComponent("Tests/MHAFormatsTests/Fixtures/archives")

    @Test(arguments: [
        "header_past_end.safetensors", "truncated_json.safetensors", "array_header.safetensors",
        "offsets_past_end.safetensors", "overlapping.safetensors", "unordered.safetensors",
        "unknown_dtype.safetensors", "huge_header.safetensors", "lying_directory.npz",
        "not_npy_member.npz", "not_npy_content.npz", "bomb.npz", "traversal.npz",
    ])
    func hostileArchiveIsOneDataError(_ name: String) throws {
        let folder = Self.archives.appendingPathComponent("hostile")
        let run = try FixtureRun.run(["run", "-x", "fx/" + name + ":a", "--weights", "identity"], fixtures: folder)
        run.expectRefusal(65, name)
    }

    @Test func matrixOptionsTakeFileColonName() throws {
        let folder = Self.archives
        let archive = try FixtureRun.run(
            [
                "run", "-x", "fx/savez_compressed.npz:wq", "--wq", "fx/bundle.npz:wq", "--wk", "fx/bundle.npz:wk",
                "--wv", "fx/bundle.npz:wv", "--wo", "fx/bundle.npz:wo", "--format", "csv",
            ], fixtures: folder)
        let npy = try FixtureRun.run(
            ["run", "-x", "fx/expected/npz/wq.npy", "--weights", "identity", "--format", "csv"], fixtures: folder)
        archive.expectSuccess()
        npy.expectSuccess()
        #expect(archive.stdout == npy.stdout && !npy.stdout.isEmpty)
    }

    @Test func anArchiveWithManyArraysNeedsAName() throws {
        let run = try FixtureRun.run(["run", "-x", "fx/savez.npz", "--weights", "identity"], fixtures: Self.archives)
        run.expectRefusal(65, "fx/savez.npz", "holds 7 arrays", "pick one with fx/savez.npz:NAME")
        let unknown = try FixtureRun.run(
            ["run", "-x", "fx/savez.npz:nope", "--weights", "identity"], fixtures: Self.archives)
        unknown.expectRefusal(65, "no array named \"nope\"", "wq, row, half")
        let missing = try FixtureRun.run(
            ["run", "-x", "fx/gone.npz:wq", "--weights", "identity"], fixtures: Self.archives)
        missing.expectRefusal(66, "fx/gone.npz:wq")
    }
}
