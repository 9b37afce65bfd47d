import MHACore
import MHAFormats

/// The verdict of `mha-cli check` for people (text) and for programs (JSON keys of DESIGN §6:
/// `correct`, `part`, `decimals`, `mismatches`, `first_mismatch{row, column, answer, correct}`,
/// `diagnosis` [ids]; also `entries`, `full_precision`, `shape`, `explanations`).
enum CheckReportText {
    /// `correct: …` or `not correct: …`, then the first mismatch and the diagnosis.
    static func lines(_ r: CheckReport) -> [String] {
        let name = "\(r.part.symbol) (\(r.expected.rows) × \(r.expected.columns))"
        guard !r.isCorrect else {
            guard r.float32Differences > 0 else {
                return ["correct: \(name) matches \(precision(r.answer))\(blocked(r))"]
            }
            let count =
                "\(r.float32Differences) of \(r.expected.elements.count) \(r.float32Differences == 1 ? "entry is" : "entries are")"
            return [
                "correct to float32 precision: \(name) matches within float32's rounding (relative \(NarrowFloat.float32.toleranceText)); \(count) not right to their last written decimal (float32 holds about 7 significant digits)"
            ]
        }
        var lines: [String]
        if let shape = r.shapeDiagnosis {
            lines = ["not correct: \(shape)"]
        } else if let closer = r.closerMistake {
            lines = [
                "not correct: \(name) is within \(rounding(r.answer)) of the right values, but much closer to a known mistake's: at most \(distance(closer.mistakeDistance)) from that mistake's result, \(distance(closer.rightDistance)) from the right one"
            ]
        } else {
            lines = [
                "not correct: \(r.mismatches) of \(r.expected.elements.count) \(r.expected.elements.count == 1 ? "entry" : "entries") of \(name) \(r.mismatches == 1 ? "differs" : "differ") from the right \(r.expected.elements.count == 1 ? "value" : "values") (checked \(precision(r.answer))\(r.float32Differences > 0 ? "; \(r.float32Differences) more differ only by float32's rounding" : ""))"
            ]
            if let m = r.firstMismatch {
                let written = r.answer.precisions[m.row * r.expected.columns + m.column]
                lines.append(
                    "first: row \(m.row), column \(m.column): yours \(yours(m.answer, written)), right \(right(m.correct, written))"
                )
            }
        }
        if r.wholeNumbersOnly {
            lines.append(
                "diagnosis: none offered: every entry is a whole number, so each is checked only to ±0.5, too coarsely to tell one mistake from another; write the decimals\(decimalsExample(r.expected))"
            )
        } else if let other = r.matchingPart {
            lines.append("diagnosis: \(otherPart(other, r.part))")
        } else if let units = r.roundingUnits {
            lines.append(
                "diagnosis: rounding: every entry is within 1 unit of its last written decimal (the farthest \(MatrixText.format(units, 2)) units off): intermediate steps rounded as you went? carry more decimals through the steps and round only the answer"
            )
        } else if r.diagnosis.isEmpty, r.visibleKeys?.right != true {
            lines.append(
                "diagnosis: no known mistake gives this answer; compare step by step with mha-cli run … --steps")
        }
        for d in r.diagnosis {
            lines.append("diagnosis: \(d.id): \(d.explanation)")
            if let step = d.firstWrongStep, step != r.part {
                lines.append(
                    "  your answer goes wrong first at \(step.symbol), and so does everything computed from it")
            }
        }
        return lines
    }

    /// The JSON object.
    static func json(_ r: CheckReport) -> JSONValue {
        let range = r.answer.decimalsRange
        var members: [(String, JSONValue)] = [
            ("correct", .bool(r.isCorrect)), ("part", .string(r.part.description)),
            ("decimals", range.map { .int($0.lowerBound) } ?? .null),
            ("full_precision", .bool(r.answer.isFullPrecision)),
            ("answer_dtype", r.answer.storage.map { .string($0.rawValue) } ?? .null),
            ("relative_tolerance", relativeTolerance(r.answer).map { .number($0) } ?? .null),
            ("float32_precision", .bool(r.answer.storage == .float32 || (r.isCorrect && r.float32Differences > 0))),
            ("entries", .int(r.expected.elements.count)),
            ("mismatches", .int(r.shapeDiagnosis == nil ? r.mismatches : r.expected.elements.count)),
            (
                "first_mismatch",
                r.firstMismatch.map { m in
                    .object([
                        ("row", .int(m.row)), ("column", .int(m.column)),
                        ("answer", m.answer == -.infinity ? .string("-inf") : .number(m.answer)),
                        ("correct", .number(m.correct)),
                    ])
                } ?? .null
            ),
            (
                "shape",
                r.shapeDiagnosis.map { s in
                    .object([
                        ("expected", .shape(s.expected.rows, s.expected.columns)),
                        ("answer", .shape(s.answer.rows, s.answer.columns)),
                        ("explanation", .string(s.description)),
                    ])
                } ?? .null
            ),
            ("diagnosis", .array(r.diagnosis.map { .string($0.id) })),
            ("matching_part", r.matchingPart.map { .string($0.description) } ?? .null),
            ("whole_numbers", .bool(r.wholeNumbersOnly)),
            (
                "closer_to_mistake",
                r.closerMistake.map { c in
                    .object([
                        ("right_distance", .number(c.rightDistance)), ("mistake_distance", .number(c.mistakeDistance)),
                    ])
                } ?? .null
            ),
            ("rounding_units", r.roundingUnits.map { .number($0) } ?? .null),
            (
                "explanations",
                .array(
                    r.diagnosis.map { d in
                        .object([
                            ("id", .string(d.id)), ("explanation", .string(d.explanation)),
                            ("first_wrong_step", d.firstWrongStep.map { .string($0.description) } ?? .null),
                        ])
                    })
            ),
        ]
        if range.map({ $0.lowerBound != $0.upperBound }) == true, let range {
            members.insert(("decimals_range", .array([.int(range.lowerBound), .int(range.upperBound)])), at: 3)
        }
        return .object(members)
    }

    /// A warning when the answer mixes precisions (each entry is still checked to its own),
    /// and when it is written in whole numbers only (checked to ±0.5).
    static func warnings(_ r: CheckReport, file: String) -> [String] {
        var warnings: [String] = []
        if r.wholeNumbersOnly {
            warnings.append(
                "\(file): every entry is a whole number, so each is checked only to the nearest whole number (±0.5); write decimals for a closer check"
            )
        }
        guard let mixed = r.answer.firstMixedPrecision else { return warnings }
        return warnings + [
            "\(file): row \(mixed.row), column \(mixed.column) is written to \(decimals(mixed.decimals)), the entries before it to \(decimals(mixed.expected)); each entry is checked to its own decimals"
        ]
    }

    /// ` (−∞ at the 3 entries the mask blocks, …)` for masked scores written as `--steps` prints them.
    private static func blocked(_ r: CheckReport) -> String {
        guard r.blockedEntries > 0 else { return "" }
        return
            " (−∞ at the \(r.blockedEntries == 1 ? "entry" : "\(r.blockedEntries) entries") the mask blocks, as --steps prints the masked scores; scores:J themselves are the values before the mask)"
    }

    /// The answer is another part of the right computation: which, and what `--part` means.
    private static func otherPart(_ other: AttentionPart, _ part: AttentionPart) -> String {
        let before: String
        switch (part, other) {
        case (.q, .rotatedQ), (.k, .rotatedK), (.normedQ, .rotatedQ), (.normedK, .rotatedK): before = " before RoPE"
        case (.q, .normedQ), (.k, .normedK): before = " before the QK-norm"
        default: before = ""
        }
        return
            "your answer is \(other.symbol), and it is right for that: --part \(part) is \(part.symbol)\(before); check it with --part \(other)"
    }

    /// `to 4 decimals`, `to 2–4 decimals, each entry to its own`, `at full precision, relative
    /// 1e-9`, `at float32 precision, relative 1e-06`.
    static func precision(_ answer: WrittenMatrix) -> String {
        if answer.isFullPrecision { return "at full precision, relative 1e-9" }
        if let storage = answer.storage { return "at \(storage.rawValue) precision, relative \(storage.toleranceText)" }
        guard let range = answer.decimalsRange else { return "" }
        if range.lowerBound == range.upperBound { return "to \(decimals(range.lowerBound))" }
        if range.lowerBound < 0 {
            return "from \(decimals(range.lowerBound)) to \(decimals(range.upperBound)), each entry to its own"
        }
        return "to \(range.lowerBound)–\(range.upperBound) decimals, each entry to its own"
    }

    /// `1 decimal`, `4 decimals`, `0 decimals`; a place left of the point (`2e1`: −1) as
    /// `the nearest 10`, and from 10^7 on as `the nearest 1e7` (`1e308` is not 309 digits).
    private static func decimals(_ d: Int) -> String {
        if d < -6 { return "the nearest 1e\(-d)" }
        return d < 0 ? "the nearest 1" + String(repeating: "0", count: -d) : d == 1 ? "1 decimal" : "\(d) decimals"
    }

    /// The relative tolerance the answer is compared with, when one type's is (full
    /// precision 1e-9, a narrow float's rounding); nil for written decimals.
    static func relativeTolerance(_ answer: WrittenMatrix) -> Double? {
        if answer.isFullPrecision { return WrittenPrecision.fullPrecisionTolerance }
        return answer.storage?.relativeTolerance
    }

    /// ` (0.4717, not 0)`: the first right entry that is not a whole number, to 4 decimals
    /// and rounded to one, or nothing when there is none.
    private static func decimalsExample(_ expected: Matrix<Double>) -> String {
        guard let x = expected.elements.first(where: { $0.isFinite && $0 != $0.rounded() }) else { return "" }
        return " (\(MatrixText.format(x, 4)), not \(MatrixText.format(x, 0)))"
    }

    /// `bfloat16's rounding (relative 1.6e-2)`.
    private static func rounding(_ answer: WrittenMatrix) -> String {
        guard let storage = answer.storage else { return "its precision" }
        return "\(storage.rawValue)'s rounding (relative \(storage.toleranceText))"
    }

    /// A distance between matrices, four significant digits.
    private static func distance(_ x: Double) -> String { PrintfFormat.string("%.4g", x) }

    /// The answer's entry with the decimals it was written with (`0.6400`, `2`), or in its
    /// shortest form when it was stored in binary, written at full precision or is huge.
    private static func yours(_ x: Double, _ written: WrittenPrecision) -> String {
        guard x.isFinite, !written.isBinary, !written.isFull else { return number(x) }
        let places = written.isIntegral ? 0 : written.decimals
        guard (0...17).contains(places), x.magnitude < 1e15 else { return number(x) }
        return MatrixText.format(x, places)
    }

    /// The right value with two decimals more than the answer wrote (`0.6698` for `0.67`),
    /// or in full for a full-precision answer.
    private static func right(_ x: Double, _ written: WrittenPrecision) -> String {
        guard !written.isFull, (0...13).contains(written.decimals) else { return number(x) }
        return MatrixText.format(x, written.decimals + 2)
    }

    /// A value as read or computed, shortest form (`0.67`, `0.6697615493266569`).
    private static func number(_ x: Double) -> String { x == -.infinity ? "-inf" : JSONValue.number(x).serialized() }
}
