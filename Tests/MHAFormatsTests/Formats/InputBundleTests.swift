import MHACore
import Testing

@testable import MHAFormats

@Suite struct InputBundleTests {
    typealias T = FormatTestSupport

    static func parse(_ text: String) throws -> InputBundle {
        try InputBundle.parse(bytes: Array(text.utf8), name: "b.json")
    }

    @Test func readsEveryKey() throws {
        let text = """
            {"x": [[1, 2], [3, 4]], "wq": [[1, 0], [0, 1]], "bq": [0.5, -0.5], "in_proj": [[1, 2]],
             "heads": 2, "kv_heads": 1, "causal": true, "scale": 0.25, "token": 0, "layout": "torch"}
            """
        let bundle = try Self.parse(text)
        #expect(bundle.matrices["x"] == (try Matrix([[1, 2], [3, 4]])))
        #expect(bundle.matrices["bq"] == (try Matrix([[0.5, -0.5]])))
        #expect(bundle.matrices["in_proj"]?.shape == Shape(rows: 1, columns: 2))
        #expect(bundle.heads == 2 && bundle.kvHeads == 1 && bundle.causal == true)
        #expect(bundle.scale == 0.25 && bundle.token == 0 && bundle.layout == .torch)
        #expect(bundle.matrices["wk"] == nil)
    }

    @Test func unknownKeysAreNamedWithTheValidOnes() {
        T.expectError(
            line: 1, column: 14, path: "$", "unknown key \"wqq\"",
            "valid keys: x, wq, wk, wv, wo, bq, bk, bv, bo, mask, in_proj, memory, qkv, qkv_bias, in_proj_bias, gq, gk, heads, kv_heads, causal, scale, token, layout, head_dim, rope, rope_base, rope_dims, rope_scaling, position_offset, alibi, window, softcap, mask_kind, qk_norm, qk_norm_eps"
        ) {
            try Self.parse("{\"heads\": 1, \"wqq\": [[1]]}")
        }
    }

    @Test func matrixErrorsCarryTheJSONPath() {
        let text = "{\n  \"wq\": [[1, 2],\n         [3, 4],\n         [5, \"six\"]]\n}"
        T.expectError(
            line: 4, column: 14, path: "$.wq[2][1]",
            "b.json:4:14: $.wq[2][1]: expected a number, found a string"
        ) { try Self.parse(text) }
    }

    @Test func scalarsAreTypeChecked() {
        let cases: [(String, String)] = [
            ("{\"heads\": 0}", "expected a positive integer, found 0"),
            ("{\"heads\": 2.5}", "expected a positive integer, found 2.5"),
            ("{\"kv_heads\": \"2\"}", "expected a positive integer, found \"2\""),
            ("{\"token\": -1}", "expected a non-negative integer, found -1"),
            ("{\"causal\": 1}", "expected true or false, found 1"),
            ("{\"scale\": \"big\"}", "expected a number, found \"big\""),
            ("{\"layout\": \"yx\"}", "expected \"xw\" or \"torch\", found \"yx\""),
            ("{\"x\": {\"a\": 1}}", "$.x: expected a matrix, found an object"),
            ("{\"softcap\": 0}", "$.softcap: expected a positive number, found 0"),
            ("{\"rope_base\": -1}", "$.rope_base: expected a positive number, found -1"),
            ("{\"rope_dims\": 3}", "$.rope_dims: expected an even number of dimensions (RoPE turns pairs), found 3"),
            (
                "{\"position_offset\": 100000000000000000}",
                "expected a non-negative integer of at most 2^53 = 9007199254740992"
            ),
            ("{\"position_offset\": 1e17}", "expected a non-negative integer, found 1e17"),
        ]
        for (text, words) in cases {
            T.expectError(
                line: 1,
                column: text.contains("\"x\"")
                    ? 7
                    : text.firstIndex(of: ":").map {
                        text.distance(from: text.startIndex, to: $0) + 3
                    } ?? 0, words
            ) { try Self.parse(text) }
        }
    }

    @Test func aMatrixIsNotABundleAndABundleIsNotAMatrix() {
        T.expectError(line: 1, column: 1, path: "$", "expected a bundle object, found an array") {
            try Self.parse("[[1]]")
        }
        T.expectError(line: 1, column: 1, path: "$", "expected a matrix, found an object") {
            try MatrixReader.read(bytes: Array("{\"x\": [[1]]}".utf8), name: "m.json", format: .json)
        }
    }

    @Test func duplicateKeysAreRefused() {
        T.expectError(line: 1, column: 14, path: "$", "duplicate key \"heads\"") {
            try Self.parse("{\"heads\": 1, \"heads\": 2}")
        }
    }
}

@Suite struct FormatErrorTests {
    @Test func descriptionParts() {
        let located = FormatError(
            kind: .data, file: "b.json", line: 4, column: 12, path: "$.wq[2][1]",
            message: "expected a number, found a string")
        #expect(located.description == "b.json:4:12: $.wq[2][1]: expected a number, found a string")
        let root = FormatError(kind: .data, file: "b.json", line: 1, column: 1, path: "$", message: "m")
        #expect(root.description == "b.json:1:1: m")
        let npy = FormatError(kind: .syntax, file: "x.npy", message: "line\nbreak")
        #expect(npy.description == "x.npy: line\\nbreak")
        #expect(npy.category == .data)
        let missing = FormatError(kind: .cannotOpen, file: "x", message: "cannot open 'x': No such file or directory")
        #expect(missing.description == "cannot open 'x': No such file or directory")
        #expect(missing.category == .noInput)
    }
}
