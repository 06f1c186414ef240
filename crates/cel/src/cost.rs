//! Cost formulas shared by operators and library functions (cel-go's `common/cost.go`,
//! `interpreter/runtimecost.go` and Kubernetes' `library/cost.go`).

/// `common.StringTraversalCostFactor`.
const STRING_TRAVERSAL_FACTOR: f64 = 0.1;
/// `common.RegexStringLengthCostFactor`.
const REGEX_LENGTH_FACTOR: f64 = 0.25;

/// The cost of traversing a string (or list) of `size` once: `ceil(size * 0.1)`.
pub(crate) fn traversal(size: u64) -> u64 {
    (size as f64 * STRING_TRAVERSAL_FACTOR).ceil() as u64
}

/// The cost of matching a regular expression of `pattern_size` against a string of
/// `text_size`.
pub(crate) fn regex(text_size: u64, pattern_size: u64) -> u64 {
    let text = ((1.0 + text_size as f64) * STRING_TRAVERSAL_FACTOR).ceil() as u64;
    let pattern = (pattern_size as f64 * REGEX_LENGTH_FACTOR).ceil() as u64;
    text.saturating_mul(pattern)
}
