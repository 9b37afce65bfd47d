import Foundation

@testable import MHACore

/// A reference case from `Fixtures/attention/*.json`: the configuration, the seed that
/// regenerates the inputs, and numpy's float64 results.
struct AttentionFixture {
    var name: String
    var tokens: Int
    var modelDim: Int
    var heads: Int
    var kvHeads: Int?
    var causal: Bool
    var biases: Bool
    var layout: String
    var mask: Matrix<Double>?
    var scale: Double?
    var inputs: [String: Matrix<Double>]
    var expectedHeads: [Matrix<Double>]
    var expectedConcat: Matrix<Double>
    var expectedOutput: Matrix<Double>
    var expectedWeights: [Matrix<Double>]

    /// Every fixture file, sorted by name.
    static func all() throws -> [AttentionFixture] {
        guard let folder = Bundle.module.url(forResource: "Fixtures/attention", withExtension: nil) else {
            throw FixtureError("Fixtures/attention is missing from the test bundle")
        }
        let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
        return try files.map { try AttentionFixture(contentsOf: $0) }
    }

    static func named(_ name: String) throws -> AttentionFixture {
        guard let fixture = try all().first(where: { $0.name == name }) else {
            throw FixtureError("no fixture \(name)")
        }
        return fixture
    }

    init(contentsOf url: URL) throws {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        guard let json = object as? [String: Any], let expected = json["expected"] as? [String: Any] else {
            throw FixtureError("\(url.lastPathComponent) is not a fixture object")
        }
        name = try Self.value(json, "name")
        tokens = try Self.value(json, "n")
        modelDim = try Self.value(json, "d_model")
        heads = try Self.value(json, "heads")
        kvHeads = json["kv_heads"] as? Int
        causal = json["causal"] as? Bool ?? false
        biases = json["biases"] as? Bool ?? false
        layout = json["layout"] as? String ?? "xw"
        mask = try (json["mask"]).map(Self.matrix)
        scale = json["scale"] as? Double
        inputs = Self.seededInputs(
            seed: UInt64(try Self.value(json, "seed") as Int), tokens: tokens, modelDim: modelDim,
            heads: heads, kvHeads: kvHeads ?? heads, biases: biases)
        expectedHeads = try Self.matrices(expected["heads"])
        expectedConcat = try Self.matrix(expected["concat"] as Any)
        expectedOutput = try Self.matrix(expected["output"] as Any)
        expectedWeights = try Self.matrices(expected["weights"])
    }

    /// The inputs in the generator's order: x, wq, wk, wv, wo, then the biases.
    static func seededInputs(
        seed: UInt64, tokens n: Int, modelDim d: Int, heads: Int, kvHeads: Int,
        biases: Bool
    ) -> [String: Matrix<Double>] {
        var g = SplitMix64(seed: seed)
        let kvDim = kvHeads * (d / heads)
        let w = 1 / Double(d).squareRoot()
        var m = ["x": g.matrix(n, d)]
        m["wq"] = g.matrix(d, d, scale: w)
        m["wk"] = g.matrix(d, kvDim, scale: w)
        m["wv"] = g.matrix(d, kvDim, scale: w)
        m["wo"] = g.matrix(d, d, scale: w)
        if biases {
            m["bq"] = g.matrix(1, d, scale: 0.1)
            m["bk"] = g.matrix(1, kvDim, scale: 0.1)
            m["bv"] = g.matrix(1, kvDim, scale: 0.1)
            m["bo"] = g.matrix(1, d, scale: 0.1)
        }
        return m
    }

    /// The parameters in the fixture's layout: xw as generated, torch transposed, or packed.
    func parameters<S: AttentionScalar>(_: S.Type) -> AttentionParameters<S> {
        func m(_ key: String) -> Matrix<S>? { inputs[key]?.converted(to: S.self) }
        let (wq, wk, wv, wo) = (m("wq")!, m("wk")!, m("wv")!, m("wo")!)
        switch layout {
        case "torch":
            return AttentionParameters(
                wq: wq.transposed, wk: wk.transposed, wv: wv.transposed,
                wo: wo.transposed, bq: m("bq"), bk: m("bk"), bv: m("bv"), bo: m("bo"),
                layout: .torch)
        case "in_proj":
            let packed = try! Matrix<S>(rows: 0, columns: modelDim, elements: [])
            let stacked = [wq.transposed, wk.transposed, wv.transposed].reduce(packed) { acc, block in
                try! Matrix(rows: acc.rows + block.rows, columns: modelDim, elements: acc.elements + block.elements)
            }
            return AttentionParameters(
                inProjection: stacked, wo: wo, bq: m("bq"), bk: m("bk"), bv: m("bv"), bo: m("bo"))
        default:
            return AttentionParameters(
                wq: wq, wk: wk, wv: wv, wo: wo, bq: m("bq"), bk: m("bk"), bv: m("bv"), bo: m("bo"))
        }
    }

    /// The configuration of the case, optionally keeping intermediates or one token.
    func configuration(keep: Intermediates = [], token: Int? = nil) -> AttentionConfiguration {
        AttentionConfiguration(
            heads: heads, kvHeads: kvHeads, causal: causal, scale: scale, token: token,
            intermediates: keep)
    }

    private static func value<T>(_ json: [String: Any], _ key: String) throws -> T {
        guard let value = json[key] as? T else { throw FixtureError("fixture key \(key) missing or mistyped") }
        return value
    }

    private static func matrix(_ any: Any) throws -> Matrix<Double> {
        guard let rows = any as? [[Any]] else { throw FixtureError("not a 2-D array") }
        return try Matrix(
            rows.map { row in
                try row.map { value -> Double in
                    guard let number = value as? NSNumber else { throw FixtureError("not a number") }
                    return number.doubleValue
                }
            })
    }

    private static func matrices(_ any: Any?) throws -> [Matrix<Double>] {
        guard let list = any as? [Any] else { throw FixtureError("not a list of matrices") }
        return try list.map(matrix)
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
