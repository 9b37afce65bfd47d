import MHACore

/// Quantized attention weights (int8 with a scale, FP8, GPTQ/AWQ's packed `qweight`,
/// bitsandbytes' `SCB` or `absmax`): refused, one line naming the tensor, since reading the
/// stored integers as the weights would be wrong by the scale and dequantizing is not done here.
enum QuantizedWeights {
    /// The element types an attention weight is read from exactly.
    static let floatTypes: Set<String> = ["F64", "F32", "F16", "BF16"]

    /// The last name parts quantization schemes store beside (or instead of) a weight.
    static let companions: Set<String> = [
        "weight_scale", "weight_zero_point", "weight_packed", "weight_shape", "weight_global_scale", "input_scale",
        "SCB", "weight_format", "qweight", "qzeros", "scales", "g_idx", "absmax", "quant_map", "nested_absmax",
        "nested_quant_map", "k_scale", "v_scale", "q_scale", "kv_scale",
    ]

    /// Refuses layer `reader.layer`'s attention when a projection's weight or bias is not a
    /// float type, or quantization data sits beside it.
    static func refuse(_ reader: TensorReader, config: ModelConfig?) throws(FormatError) {
        // FP8 checkpoints' k_scale / v_scale sit in the attention block itself.
        let block = reader.fullName(.query, "").split(separator: ".").dropLast().joined(separator: ".") + "."
        if let scale = reader.archive.arrays.first(where: { array in
            array.name.hasPrefix(block) && !array.name.dropFirst(block.count).contains(".")
                && isCompanion(array.name.dropFirst(block.count))
        }) {
            throw refusal(scale.name, "is quantization data", in: reader.archive, config: config)
        }
        for part in CheckpointArchitecture.Part.allCases {
            let stem = reader.fullName(part, "")  // "….q_proj."
            for array in reader.archive.arrays where array.name.hasPrefix(stem) {
                let tail = array.name.dropFirst(stem.count)
                if tail == "weight" || tail == "bias" {
                    if !floatTypes.contains(array.dtype) {
                        throw refusal(array.name, "is \(array.dtype)", in: reader.archive, config: config)
                    }
                } else if isCompanion(tail) {
                    throw refusal(array.name, "is quantization data", in: reader.archive, config: config)
                }
            }
        }
    }

    /// Refuses a checkpoint whose attention-like names include quantization data (GPTQ's
    /// `q_proj.qweight` in place of `q_proj.weight`); called when no family's names were found.
    static func refuse(_ names: [String], in archive: any ArrayArchive, config: ModelConfig?) throws(FormatError) {
        let attention = ["attn", "attention"]
        if let name = names.first(where: { name in
            attention.contains { name.contains($0) } && isCompanion(name.split(separator: ".").last ?? "")
        }) {
            throw refusal(name, "is quantization data", in: archive, config: config)
        }
    }

    /// Whether a name's last part (`qweight`, `weight_scale`, `quant_state.bitsandbytes__nf4`)
    /// is quantization data.
    static func isCompanion(_ tail: some StringProtocol) -> Bool {
        companions.contains(String(tail)) || tail.hasPrefix("quant_state")
    }

    private static func refusal(
        _ name: String, _ what: String, in archive: any ArrayArchive, config: ModelConfig?
    ) -> FormatError {
        let method = config?.quantizationMethod.map { " (config.json's quantization_config: \($0))" } ?? ""
        return FormatError(
            kind: .data, file: archive.name,
            message:
                "\"\(MessageText.escaped(name))\" \(what): quantized weights are not read\(method); use a checkpoint whose attention weights are F64, F32, F16 or BF16"
        )
    }
}
