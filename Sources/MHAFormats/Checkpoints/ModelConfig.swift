import MHACore

/// A Hugging Face `config.json`, read for the few values attention needs: the model type,
/// head counts, head width, RoPE base and window. Values are looked up by any of several
/// names (GPT-2 says `n_head` where Llama says `num_attention_heads`).
public struct ModelConfig: Sendable {
    /// The file, for messages.
    public let name: String
    /// Top-level numbers by key (integers and reals alike).
    private let numbers: [String: Double]
    /// Top-level strings by key.
    private let strings: [String: String]
    /// Numbers inside `rope_parameters` (transformers 5) or `rope_scaling`.
    private let rope: [String: Double]
    /// Strings inside `rope_parameters` / `rope_scaling` (`rope_type`).
    private let ropeStrings: [String: String]
    /// Top-level booleans by key.
    private let booleans: [String: Bool]
    /// The first entry of `architectures` (`LlamaForCausalLM`), if any.
    public let architectureClass: String?

    /// Reads the config at `path`.
    /// - Throws: `FormatError` (66 when it cannot be read, 65 when it is not a JSON object).
    public init(path: String) throws(FormatError) {
        try self.init(terminated: InputBytes.read(path: path), name: path)
    }

    /// The `config.json` in the folder of `archivePath`, or nil when there is none.
    /// - Throws: `FormatError` when it exists but cannot be read or parsed.
    public static func beside(_ archivePath: String) throws(FormatError) -> ModelConfig? {
        guard archivePath != "-" else { return nil }
        let folder =
            archivePath.contains("/")
            ? String(archivePath[...(archivePath.lastIndex(of: "/") ?? archivePath.startIndex)]) : ""
        let path = folder + "config.json"
        return MatrixSource.exists(path) ? try ModelConfig(path: path) : nil
    }

    /// Parses config text in memory; `name` goes into messages.
    public init(bytes: [UInt8], name: String) throws(FormatError) {
        try self.init(terminated: bytes + [0], name: name)
    }

    private init(terminated: [UInt8], name: String) throws(FormatError) {
        self.name = name
        let document = try MatrixReader.withContent(of: terminated) { (text) throws(FormatError) in
            try JSONParser(text: text, name: name).parse()
        }
        guard document.nodes[0].kind == .object else {
            throw FormatError(kind: .data, file: name, message: "expected a JSON object (a model's config.json)")
        }
        var numbers: [String: Double] = [:], strings: [String: String] = [:], booleans: [String: Bool] = [:]
        var rope: [String: Double] = [:], ropeStrings: [String: String] = [:]
        var architecture: String?
        for member in document.members(of: 0) {
            let node = document.nodes[member.value]
            switch node.kind {
            case .number: numbers[member.key] = document.number(member.value)
            case .string: strings[member.key] = document.string(member.value)
            case .boolean: booleans[member.key] = document.boolean(member.value)
            case .array where member.key == "architectures":
                architecture = document.elements(of: member.value).first
                    .flatMap { document.nodes[$0].kind == .string ? document.string($0) : nil }
            case .object where member.key == "rope_parameters" || member.key == "rope_scaling":
                for inner in document.members(of: member.value) {
                    switch document.nodes[inner.value].kind {
                    case .number: rope[inner.key] = document.number(inner.value)
                    case .string: ropeStrings[inner.key] = document.string(inner.value)
                    default: break
                    }
                }
            default: break
            }
        }
        (self.numbers, self.strings, self.booleans, self.rope, self.ropeStrings) = (
            numbers, strings, booleans, rope, ropeStrings
        )
        architectureClass = architecture
    }

    /// `model_type` (`gpt2`, `bert`, `llama`, `qwen2`, …).
    public var modelType: String? { strings["model_type"] }

    /// The first of `keys` present as a positive integer.
    /// - Throws: a data error when the key is present but not a positive integer.
    public func positiveInteger(_ keys: String...) throws(FormatError) -> Int? {
        for key in keys {
            guard let value = numbers[key] else { continue }
            guard value >= 1, value < 0x1p31, value.rounded() == value else {
                throw FormatError(
                    kind: .data, file: name, path: "$." + key, message: "expected a positive integer, found \(value)")
            }
            return Int(value)
        }
        return nil
    }

    /// A top-level boolean.
    public func boolean(_ key: String) -> Bool? { booleans[key] }

    /// A top-level string.
    public func string(_ key: String) -> String? { strings[key] }

    /// A top-level number.
    public func number(_ key: String) -> Double? { numbers[key] }

    /// The RoPE base: `rope_theta` at the top level (transformers 4) or under
    /// `rope_parameters` (transformers 5); nil when neither says.
    public var ropeTheta: Double? { numbers["rope_theta"] ?? rope["rope_theta"] }

    /// The RoPE scaling type (`default`, `linear`, `llama3`, `yarn`, …), nil when none is named.
    public var ropeType: String? { ropeStrings["rope_type"] ?? ropeStrings["type"] }

    /// The RoPE scaling config.json asks for, in its words (`rope_type "llama3"`,
    /// `rope_scaling with factor 2`), or nil for plain RoPE: a type other than `default`, or
    /// a scaling factor other than 1 without a type.
    public var ropeScaling: String? {
        if let type = ropeType {
            return type == "default" ? nil : "rope_type \(MessageText.quoted(type)) (scaled RoPE)"
        }
        if let factor = rope["factor"], factor != 1 {
            return "rope_scaling with factor \(factor) and no rope_type (scaled RoPE)"
        }
        return nil
    }

    /// The fraction of each head's dimensions that rotate (`partial_rotary_factor`), if given.
    public var partialRotaryFactor: Double? { numbers["partial_rotary_factor"] ?? rope["partial_rotary_factor"] }
}
