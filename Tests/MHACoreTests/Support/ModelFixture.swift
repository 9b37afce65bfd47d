import Foundation

@testable import MHACore

/// A reference case from `Fixtures/models/*.json` (Fixtures/make_model_fixtures.py): PyTorch's
/// or a Hugging Face layer's inputs and float64 results, and the engine configuration that
/// should reproduce them.
struct ModelFixture {
    var name: String
    var source: String
    /// "forward" (projected), "attend" (Q, K, V given) or "slopes".
    var kind: String
    var config: [String: Any]
    /// Every input; a 3-D array is a batch of matrices.
    var inputs: [String: [Matrix<Double>]]
    var expected: [String: [Matrix<Double>]]

    /// The fixture file `name`.json.
    static func named(_ name: String) throws -> ModelFixture {
        guard let url = Bundle.module.url(forResource: "Fixtures/models/\(name)", withExtension: "json") else {
            throw FixtureError("Fixtures/models/\(name).json is missing from the test bundle")
        }
        return try ModelFixture(contentsOf: url)
    }

    /// Every fixture's name, sorted.
    static func allNames() throws -> [String] {
        guard let folder = Bundle.module.url(forResource: "Fixtures/models", withExtension: nil) else {
            throw FixtureError("Fixtures/models is missing from the test bundle")
        }
        return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }.map { $0.deletingPathExtension().lastPathComponent }.sorted()
    }

    init(contentsOf url: URL) throws {
        guard let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any],
            let config = json["config"] as? [String: Any], let inputs = json["inputs"] as? [String: Any],
            let expected = json["expected"] as? [String: Any]
        else {
            throw FixtureError("\(url.lastPathComponent) is not a model fixture")
        }
        name = json["name"] as? String ?? url.lastPathComponent
        source = json["source"] as? String ?? ""
        kind = json["kind"] as? String ?? "forward"
        self.config = config
        self.inputs = try inputs.mapValues(Self.array)
        self.expected = try expected.mapValues(Self.array)
    }

    /// One input (the first of a batch).
    func input(_ key: String) -> Matrix<Double>? { inputs[key]?.first }

    /// The engine configuration the fixture's config describes.
    func configuration(keep: Intermediates = []) -> AttentionConfiguration {
        var c = AttentionConfiguration(
            heads: config["heads"] as? Int ?? 1, kvHeads: config["kv_heads"] as? Int,
            causal: config["causal"] as? Bool ?? false, scale: config["scale"] as? Double,
            intermediates: keep, headDim: config["head_dim"] as? Int,
            positionOffset: config["position_offset"] as? Int ?? 0,
            alibi: config["alibi"] as? Bool ?? false, window: config["window"] as? Int,
            softcap: config["softcap"] as? Double)
        if let rope = config["rope"] as? [String: Any] {
            c.rope = RotaryEmbedding(
                convention: RotaryEmbedding.Convention(rawValue: rope["convention"] as? String ?? "") ?? .half,
                base: rope["base"] as? Double ?? 10000, dimensions: rope["dims"] as? Int)
        }
        return c
    }

    /// The mask kind of the config.
    var maskKind: AttentionMask<Double>.Kind {
        AttentionMask<Double>.Kind(rawValue: config["mask_kind"] as? String ?? "keep") ?? .keep
    }

    /// The weights, separate or packed, in the fixture's layout, in precision `S`.
    func parameters<S: AttentionScalar>(_: S.Type = Double.self) throws -> AttentionParameters<S> {
        let layout = WeightLayout(rawValue: config["layout"] as? String ?? "xw") ?? .xw
        let input = { (key: String) in self.input(key)?.converted(to: S.self) }
        guard let wo = input("wo") else { throw FixtureError("\(name) has no wo") }
        if let qkv = input("qkv") {
            return AttentionParameters(
                packedQKV: qkv, wo: wo, packedBias: input("qkv_bias"), bo: input("bo"), layout: layout)
        }
        guard let wq = input("wq"), let wk = input("wk"), let wv = input("wv") else {
            throw FixtureError("\(name) has neither qkv nor wq, wk, wv")
        }
        return AttentionParameters(
            wq: wq, wk: wk, wv: wv, wo: wo, bq: input("bq"), bk: input("bk"), bv: input("bv"),
            bo: input("bo"), layout: layout, packedBias: input("qkv_bias"))
    }

    /// {"shape": [...], "f64": base64} as matrices: 1-D → one 1 × n row, 2-D → one, 3-D → a batch.
    static func array(_ any: Any) throws -> [Matrix<Double>] {
        guard let object = any as? [String: Any], let shape = object["shape"] as? [Int],
            let text = object["f64"] as? String, let data = Data(base64Encoded: text)
        else {
            throw FixtureError("not an encoded array")
        }
        var values = [Double](repeating: 0, count: data.count / 8)
        _ = values.withUnsafeMutableBytes { data.copyBytes(to: $0) }
        values = values.map { Double(bitPattern: $0.bitPattern.littleEndian) }
        switch shape.count {
        case 1: return [try Matrix(rows: 1, columns: shape[0], elements: values)]
        case 2: return [try Matrix(rows: shape[0], columns: shape[1], elements: values)]
        case 3:
            let size = shape[1] * shape[2]
            return try (0..<shape[0]).map { b in
                try Matrix(rows: shape[1], columns: shape[2], elements: Array(values[(b * size)..<((b + 1) * size)]))
            }
        default: throw FixtureError("arrays of \(shape.count) dimensions are not fixtures")
        }
    }
}
