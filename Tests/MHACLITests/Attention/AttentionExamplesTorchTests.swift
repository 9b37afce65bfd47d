import Foundation
import Testing

/// The attend, cross-attention and Llama examples through `--format json`, against the float64
/// values PyTorch computed for them (`examples/torch_examples.py` writes `torch-reference.json`):
/// every matrix within relative error 1e-12.
@Suite struct AttentionExamplesTorchTests {
    static let folders = [
        "attend-qkv", "cross-attention", "llama-rope-gqa", "batch-npy", "additive-mask", "llama3-rope-scaling",
        "qwen3-qk-norm",
        "packed-qkv-biases",
    ]

    /// Every number of a nested JSON array, in order.
    static func flattened(_ value: Any) -> [Double]? {
        if let number = value as? Double { return [number] }
        guard let array = value as? [Any] else { return nil }
        var out: [Double] = []
        for item in array {
            guard let inner = flattened(item) else { return nil }
            out += inner
        }
        return out
    }

    @Test(arguments: folders)
    func jsonMatchesPyTorch(_ name: String) throws {
        let folder = BuiltBinary.packageRoot.appendingPathComponent("examples/\(name)")
        let command = try String(contentsOf: folder.appendingPathComponent("cmd"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        var arguments = Array(command.split(separator: " ").map(String.init).dropFirst())
        if !arguments.contains("--format") { arguments += ["--format", "json"] }
        let outcome = try BuiltBinary.run(arguments, in: folder)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let ours = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        let data = try Data(contentsOf: folder.appendingPathComponent("torch-reference.json"))
        let torch = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(!torch.isEmpty)
        for (key, value) in torch {
            let want = try #require(Self.flattened(value), "\(name): \(key)")
            let got = try #require(ours[key].flatMap(Self.flattened), "\(name): our JSON has no \(key)")
            #expect(got.count == want.count, "\(name): \(key) has \(got.count) numbers, PyTorch's \(want.count)")
            for (a, b) in zip(got, want) {
                #expect(abs(a - b) <= 1e-12 * max(abs(b), 1e-3), "\(name): \(key) \(a) vs PyTorch \(b)")
            }
        }
    }
}
