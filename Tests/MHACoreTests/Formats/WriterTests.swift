import Testing
@testable import MHACore

@Suite struct WriterTests {
    @Test func jsonMatrixIsCompactWithShortestNumbers() throws {
        let m = try Matrix<Double>([[1, 0.1, -0.0], [.leastNonzeroMagnitude, 1e308, 1.0 / 3.0]])
        #expect(JSONWriter.matrix(m) == "[[1.0,0.1,-0.0],[5e-324,1e+308,0.3333333333333333]]")
        #expect(JSONWriter.matrix(try Matrix<Float>([[0.1, 1]])) == "[[0.1,1.0]]")
    }

    @Test func jsonValuesKeepOrderAndEscapeStrings() throws {
        let value = JSONValue.object([
            ("z", .int(3)), ("a", .string("q\"\\\n\t\u{01}é")), ("n", .null), ("b", .bool(false)),
            ("x", .number(.nan)), ("list", .array([.int(1), .number(2.5)])),
            ("m", .matrix(try Matrix([[1, 2]]))),
        ])
        #expect(value.serialized() ==
            #"{"z":3,"a":"q\"\\\n\t\u0001é","n":null,"b":false,"x":null,"list":[1,2.5],"m":[[1.0,2.0]]}"#)
    }

    @Test func prettyJSONPutsMembersAndRowsOnLines() throws {
        let value = JSONValue.object([("shape", .array([.int(2), .int(1)])),
                                      ("m", .floatMatrix(try Matrix<Float>([[1], [2]])))])
        #expect(value.serialized(pretty: true) == """
        {
          "shape": [2,1],
          "m": [
            [1.0],
            [2.0]
          ]
        }
        """)
    }

    @Test func prettyJSONIsStillValidJSON() throws {
        let value = JSONValue.object([("x", .matrix(try Matrix([[1.5, 2], [3, 4]])))])
        let bundle = try InputBundle.parse(bytes: Array(value.serialized(pretty: true).utf8), name: "p")
        #expect(bundle.matrices["x"] == (try Matrix([[1.5, 2], [3, 4]])))
    }

    @Test func csvWithDecimalsAndRoundTripForm() throws {
        let m = try Matrix<Double>([[1, -0.5, 2.0 / 3.0], [1e-7, 123.456, -0.0]])
        #expect(CSVWriter.matrix(m, decimals: 3) == "1.000,-0.500,0.667\n0.000,123.456,-0.000\n")
        #expect(CSVWriter.matrix(m, decimals: nil) == "1.0,-0.5,0.6666666666666666\n1e-07,123.456,-0.0\n")
        #expect(CSVWriter.matrix(m, decimals: 0) == "1,-0,1\n0,123,-0\n")
    }
}
