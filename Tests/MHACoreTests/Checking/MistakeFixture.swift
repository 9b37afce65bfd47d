import Foundation

@testable import MHACore

/// A case of `Fixtures/mistakes/mistakes.json` (written by make_mistake_fixtures.py with
/// numpy): a problem, its right steps, and per catalogued mistake the mistaken scores,
/// weights, concat and output.
struct MistakeFixture {
    var name: String
    var problem: AttentionProblem
    var right: [String: Any]
    var mistakes: [String: [String: Any]]

    static func all() throws -> [MistakeFixture] {
        guard let url = Bundle.module.url(forResource: "Fixtures/mistakes/mistakes", withExtension: "json") else {
            throw FixtureError("Fixtures/mistakes/mistakes.json is missing from the test bundle")
        }
        let cases = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [[String: Any]] ?? []
        return try cases.map(MistakeFixture.init)
    }

    init(_ json: [String: Any]) throws {
        guard let p = json["problem"] as? [String: Any], let right = json["right"] as? [String: Any],
            let mistakes = json["mistakes"] as? [String: [String: Any]]
        else { throw FixtureError("not a mistake case") }
        name = p["name"] as? String ?? "?"
        func m(_ key: String) throws -> Matrix<Double>? { try p[key].map(Self.matrix) }
        guard let x = try m("x"), let wq = try m("wq"), let wk = try m("wk"), let wv = try m("wv"),
            let wo = try m("wo"),
            let heads = p["heads"] as? Int
        else { throw FixtureError("\(name): missing inputs") }
        let parameters = AttentionParameters(
            wq: wq, wk: wk, wv: wv, wo: wo, bq: try m("bq"), bk: try m("bk"),
            bv: try m("bv"), bo: try m("bo"))
        problem = AttentionProblem(
            input: x, parameters: parameters, mask: try m("mask").map { AttentionMask($0) },
            configuration: AttentionConfiguration(
                heads: heads, kvHeads: p["kv_heads"] as? Int,
                causal: p["causal"] as? Bool ?? false))
        self.right = right
        self.mistakes = mistakes
    }

    static func matrix(_ value: Any) throws -> Matrix<Double> {
        guard let rows = value as? [[Double]] else { throw FixtureError("not a matrix") }
        return try Matrix(rows)
    }

    static func matrices(_ value: Any?) throws -> [Matrix<Double>] {
        guard let list = value as? [Any] else { throw FixtureError("not a list of matrices") }
        return try list.map(matrix)
    }
}
