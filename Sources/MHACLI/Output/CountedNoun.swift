/// `1 token`, `3 tokens`, `1 query row`: a count with its noun in the right number.
/// - Parameters:
///   - singular: the noun for one (`token`, `query row`).
///   - plural: the noun for any other count; `singular` + `s` when not given.
func counted(_ count: Int, _ singular: String, _ plural: String? = nil) -> String {
    "\(count) \(count == 1 ? singular : plural ?? singular + "s")"
}
