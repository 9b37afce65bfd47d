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
    /// `rope_parameters` (transformers 5) and `rope_scaling` (transformers 4), each as found:
    /// a config may carry both, and either may ask for scaling.
    private let ropeBlocks: [RopeBlock]
    /// `layer_types` (`full_attention`, `sliding_attention`, …), one per layer, if given.
    public let layerTypes: [String]?
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
        let path = PathParts.folder(archivePath) + "config.json"
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
        var ropeBlocks: [RopeBlock] = []
        var layerTypes: [String]?
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
            case .array where member.key == "layer_types":
                layerTypes = document.elements(of: member.value).map {
                    document.nodes[$0].kind == .string ? document.string($0) : ""
                }
            case .object where member.key == "rope_parameters" || member.key == "rope_scaling":
                var block = RopeBlock(key: member.key)
                for inner in document.members(of: member.value) {
                    switch document.nodes[inner.value].kind {
                    case .number: block.numbers[inner.key] = document.number(inner.value)
                    case .string: block.strings[inner.key] = document.string(inner.value)
                    default: break
                    }
                }
                ropeBlocks.append(block)
            default: break
            }
        }
        (self.numbers, self.strings, self.booleans, self.ropeBlocks, self.layerTypes) = (
            numbers, strings, booleans, ropeBlocks, layerTypes
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

    /// `key` as an integer ≥ 0, if present.
    /// - Throws: a data error when the key is present but not such an integer.
    public func nonNegativeInteger(_ key: String) throws(FormatError) -> Int? {
        guard let value = numbers[key] else { return nil }
        guard value >= 0, value < 0x1p31, value.rounded() == value else {
            throw FormatError(
                kind: .data, file: name, path: "$." + key, message: "expected an integer ≥ 0, found \(value)")
        }
        return Int(value)
    }

    /// A top-level boolean.
    public func boolean(_ key: String) -> Bool? { booleans[key] }

    /// A top-level string.
    public func string(_ key: String) -> String? { strings[key] }

    /// A top-level number.
    public func number(_ key: String) -> Double? { numbers[key] }

    /// The RoPE base: `rope_theta` at the top level (transformers 4) or under
    /// `rope_parameters` (transformers 5) or `rope_scaling`; nil when none says.
    public var ropeTheta: Double? {
        numbers["rope_theta"] ?? ropeBlocks.lazy.compactMap { $0.numbers["rope_theta"] }.first
    }

    /// The RoPE scaling config.json asks for, in its words (`rope_type "llama3"`,
    /// `rope_scaling with factor 2`), or nil for plain RoPE: in `rope_parameters` or
    /// `rope_scaling` (either one: a config may carry both, and transformers reads a scaling
    /// in either), a type other than `default`, or a scaling factor other than 1 without a type.
    public var ropeScaling: String? {
        for block in ropeBlocks {
            if let type = block.strings["rope_type"] ?? block.strings["type"] {
                if type != "default" { return "rope_type \(MessageText.quoted(type)) (scaled RoPE)" }
            } else if let factor = block.numbers["factor"], factor != 1 {
                return "\(block.key) with factor \(factor) and no rope_type (scaled RoPE)"
            }
        }
        return nil
    }

    /// The fraction of each head's dimensions that rotate (`partial_rotary_factor`), if given.
    public var partialRotaryFactor: Double? {
        numbers["partial_rotary_factor"] ?? ropeBlocks.lazy.compactMap { $0.numbers["partial_rotary_factor"] }.first
    }
}

/// One of config.json's RoPE objects: its key and its number and string members.
private struct RopeBlock: Sendable {
    var key: String
    var numbers: [String: Double] = [:]
    var strings: [String: String] = [:]
}
