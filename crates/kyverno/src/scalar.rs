//! Matching one resource value against one scalar pattern (`"?*"`, `">=1Gi"`, `"!*:latest"`,
//! `"1-10"`, `true`, `80`, `null`...), as Kyverno's `pattern.Validate` does.

use crate::value::as_f64;
use crate::wildcard;
use kanon_core::{duration::Duration, quantity::Quantity};
use serde_json::Value;
use std::cmp::Ordering;

/// A comparison operator at the start of a string pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operator {
    Equal,
    MoreEqual,
    LessEqual,
    NotEqual,
    More,
    Less,
    InRange,
    NotInRange,
}

impl Operator {
    fn prefix_len(self) -> usize {
        match self {
            Operator::MoreEqual | Operator::LessEqual => 2,
            Operator::NotEqual | Operator::More | Operator::Less => 1,
            Operator::Equal | Operator::InRange | Operator::NotInRange => 0,
        }
    }
}

/// `^([-|+]?\d+(?:\.\d+)?[A-Za-z]*)SEP([-|+]?\d+(?:\.\d+)?[A-Za-z]*)$`: splits a range.
pub(crate) fn split_range<'a>(pattern: &'a str, separator: &str) -> Option<(&'a str, &'a str)> {
    fn number_with_unit(text: &str) -> Option<usize> {
        let bytes = text.as_bytes();
        let mut i = 0;
        if matches!(bytes.first(), Some(b'-' | b'|' | b'+')) {
            i += 1;
        }
        let digits = bytes
            .get(i..)?
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 {
            return None;
        }
        i += digits;
        if bytes.get(i) == Some(&b'.') {
            let fraction = bytes
                .get(i + 1..)?
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if fraction > 0 {
                i += 1 + fraction;
            }
        }
        i += bytes
            .get(i..)?
            .iter()
            .take_while(|b| b.is_ascii_alphabetic())
            .count();
        Some(i)
    }
    // The left operand is as long as the syntax allows (the regex is greedy), but it must be
    // followed by the separator; try each split point.
    let mut search_from = 0;
    while let Some(found) = pattern.get(search_from..)?.find(separator) {
        let at = search_from + found;
        let (left, rest) = (pattern.get(..at)?, pattern.get(at + separator.len()..)?);
        if number_with_unit(left) == Some(left.len())
            && !rest.is_empty()
            && number_with_unit(rest) == Some(rest.len())
        {
            return Some((left, rest));
        }
        search_from = at + 1;
    }
    None
}

/// The operator of a string pattern part (`GetOperatorFromStringPattern`).
pub(crate) fn operator_of(pattern: &str) -> Operator {
    if pattern.len() < 2 {
        return Operator::Equal;
    }
    if pattern.starts_with(">=") {
        Operator::MoreEqual
    } else if pattern.starts_with("<=") {
        Operator::LessEqual
    } else if pattern.starts_with('>') {
        Operator::More
    } else if pattern.starts_with('<') {
        Operator::Less
    } else if pattern.starts_with('!') {
        Operator::NotEqual
    } else if split_range(pattern, "!-").is_some() {
        Operator::NotInRange
    } else if split_range(pattern, "-").is_some() {
        Operator::InRange
    } else {
        Operator::Equal
    }
}

/// Whether `value` satisfies the scalar `pattern` (`pattern.Validate`).
pub(crate) fn validate(value: &Value, pattern: &Value) -> bool {
    match pattern {
        Value::Bool(p) => value.as_bool() == Some(*p),
        Value::Number(_) => validate_number(value, pattern),
        Value::Null => match value {
            Value::Null => true,
            Value::Number(n) => n.as_f64() == Some(0.0),
            Value::String(s) => s.is_empty(),
            Value::Bool(b) => !b,
            Value::Object(_) | Value::Array(_) => false,
        },
        Value::Object(_) => value.is_object(),
        Value::Array(_) => false,
        Value::String(p) => validate_string_patterns(value, p),
    }
}

fn validate_number(value: &Value, pattern: &Value) -> bool {
    let Some(p) = as_f64(pattern) else {
        return false;
    };
    match value {
        Value::Number(n) => n.as_f64() == Some(p),
        Value::String(s) => go_parse_float(s).is_some_and(|v| v == p),
        _ => false,
    }
}

/// Go's `strconv.ParseFloat(s, 64)` for the forms people write (decimal, exponent, `inf`,
/// `nan`; no hex floats or `_` separators).
pub(crate) fn go_parse_float(text: &str) -> Option<f64> {
    let decimal = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    let word = matches!(
        text.trim_start_matches(['+', '-'])
            .to_ascii_lowercase()
            .as_str(),
        "inf" | "infinity" | "nan"
    );
    if text.is_empty() || !(decimal || word) {
        return None;
    }
    text.parse().ok()
}

fn validate_string_patterns(value: &Value, pattern: &str) -> bool {
    if value.as_str() == Some(pattern) {
        return true;
    }
    pattern.split('|').any(|alternative| {
        alternative
            .trim_matches(' ')
            .split('&')
            .all(|part| validate_string_pattern(value, part.trim_matches(' ')))
    })
}

fn validate_string_pattern(value: &Value, pattern: &str) -> bool {
    match operator_of(pattern) {
        Operator::InRange => match split_range(pattern, "-") {
            Some((left, right)) => {
                validate_string_pattern(value, &format!(">= {left}"))
                    && validate_string_pattern(value, &format!("<= {right}"))
            }
            None => false,
        },
        Operator::NotInRange => match split_range(pattern, "!-") {
            Some((left, right)) => {
                validate_string_pattern(value, &format!("< {left}"))
                    || validate_string_pattern(value, &format!("> {right}"))
            }
            None => false,
        },
        op => {
            let operand = pattern.get(op.prefix_len()..).unwrap_or("").trim();
            validate_with_operator(value, operand, op)
        }
    }
}

fn validate_with_operator(value: &Value, pattern: &str, op: Operator) -> bool {
    if let Some(result) = compare_duration(value, pattern, op) {
        return result;
    }
    if let Some(result) = compare_quantity(value, pattern, op) {
        return result;
    }
    compare_string(value, pattern, op)
}

/// The value as text for duration and quantity comparisons: null is `"0"`, numbers as Go's `%f`.
fn number_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => Some("0".to_owned()),
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => n.as_f64().map(|f| format!("{f:.6}")),
        _ => None,
    }
}

fn apply(op: Operator, ordering: Ordering) -> Option<bool> {
    Some(match op {
        Operator::Equal => ordering == Ordering::Equal,
        Operator::NotEqual => ordering != Ordering::Equal,
        Operator::More => ordering == Ordering::Greater,
        Operator::Less => ordering == Ordering::Less,
        Operator::MoreEqual => ordering != Ordering::Less,
        Operator::LessEqual => ordering != Ordering::Greater,
        Operator::InRange | Operator::NotInRange => return None,
    })
}

fn compare_duration(value: &Value, pattern: &str, op: Operator) -> Option<bool> {
    let pattern = Duration::parse(pattern).ok()?;
    let value = Duration::parse(&number_text(value)?).ok()?;
    apply(op, value.cmp(&pattern))
}

fn compare_quantity(value: &Value, pattern: &str, op: Operator) -> Option<bool> {
    let pattern = Quantity::parse(pattern).ok()?;
    let value = Quantity::parse(&number_text(value)?).ok()?;
    apply(op, value.cmp(&pattern))
}

fn compare_string(value: &Value, pattern: &str, op: Operator) -> bool {
    if !matches!(op, Operator::Equal | Operator::NotEqual) {
        return false;
    }
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) => kanon_jmespath::format_float_e(f),
            None => return false,
        },
        Value::Bool(b) => b.to_string(),
        _ => return false,
    };
    let matched = wildcard::matches(pattern, &text);
    if op == Operator::NotEqual {
        !matched
    } else {
        matched
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(value: Value, pattern: Value) -> bool {
        validate(&value, &pattern)
    }

    #[test]
    fn wildcards_and_negation() {
        assert!(check(json!("nginx:1.0"), json!("*:*")));
        assert!(check(json!("x"), json!("?*")));
        assert!(!check(json!(""), json!("?*")));
        assert!(!check(Value::Null, json!("?*")));
        assert!(check(json!("nginx"), json!("!*:latest")));
        assert!(!check(json!("nginx:latest"), json!("!*:latest")));
        assert!(!check(Value::Null, json!("!default")));
        assert!(!check(json!("a"), json!("!*")));
        assert!(check(json!("Always"), json!("Always | IfNotPresent")));
    }

    #[test]
    fn numbers_quantities_and_durations() {
        assert!(check(json!(80), json!(80)));
        assert!(check(json!("80"), json!(80)));
        assert!(check(json!(80), json!("80")));
        assert!(check(json!("512Mi"), json!("<=1Gi")));
        assert!(check(Value::Null, json!("<=1Gi")));
        assert!(!check(Value::Null, json!(">0")));
        assert!(check(json!(32500), json!("32000-33000")));
        assert!(!check(json!(31000), json!("32000-33000")));
        assert!(check(json!(31000), json!("32000!-33000")));
        assert!(check(json!("90s"), json!(">1m")));
        assert!(!check(json!(8080), json!("80*")));
        assert!(check(json!(1), json!("1E+00")));
    }

    #[test]
    fn null_booleans_and_maps() {
        assert!(check(Value::Null, Value::Null));
        assert!(check(json!(""), Value::Null));
        assert!(check(json!(false), Value::Null));
        assert!(!check(json!({}), Value::Null));
        assert!(check(json!(true), json!("true")));
        assert!(!check(json!("true"), json!(true)));
        assert!(check(json!({"a": 1}), json!({})));
    }

    #[test]
    fn ranges_split_like_the_regex() {
        assert_eq!(split_range("1-10", "-"), Some(("1", "10")));
        assert_eq!(split_range("-5-5", "-"), Some(("-5", "5")));
        assert_eq!(split_range("1Gi-2Gi", "-"), Some(("1Gi", "2Gi")));
        assert_eq!(split_range("1!-10", "!-"), Some(("1", "10")));
        assert_eq!(split_range("a-b", "-"), None);
        assert_eq!(operator_of("!1-10"), Operator::NotEqual);
    }
}
