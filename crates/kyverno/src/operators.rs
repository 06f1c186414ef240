//! Condition operators (`Equals`, `AnyIn`, `GreaterThan`...) with Kyverno's comparison rules:
//! durations, quantities, wildcards in values, JSON-encoded lists, and the type mismatches that
//! make an operator false (or, for the negated ones, true).

use crate::scalar::{self, go_parse_float, operator_of, Operator};
use crate::value::{equal, sprint};
use crate::wildcard;
use kanon_core::{duration::Duration, quantity::Quantity};
use serde_json::Value;
use std::cmp::Ordering;

/// A condition operator, case-insensitively parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConditionOperator {
    /// `Equals` / `Equal`.
    Equals,
    /// `NotEquals` / `NotEqual`.
    NotEquals,
    /// `In` (deprecated).
    In,
    /// `AnyIn`.
    AnyIn,
    /// `AllIn`.
    AllIn,
    /// `NotIn` (deprecated).
    NotIn,
    /// `AnyNotIn`.
    AnyNotIn,
    /// `AllNotIn`.
    AllNotIn,
    /// `GreaterThan`.
    GreaterThan,
    /// `GreaterThanOrEquals`.
    GreaterThanOrEquals,
    /// `LessThan`.
    LessThan,
    /// `LessThanOrEquals`.
    LessThanOrEquals,
    /// `DurationGreaterThan` (deprecated).
    DurationGreaterThan,
    /// `DurationGreaterThanOrEquals` (deprecated).
    DurationGreaterThanOrEquals,
    /// `DurationLessThan` (deprecated).
    DurationLessThan,
    /// `DurationLessThanOrEquals` (deprecated).
    DurationLessThanOrEquals,
}

impl ConditionOperator {
    /// Parses an operator name, ignoring case.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name.to_ascii_lowercase().as_str() {
            "equals" | "equal" => Self::Equals,
            "notequals" | "notequal" => Self::NotEquals,
            "in" => Self::In,
            "anyin" => Self::AnyIn,
            "allin" => Self::AllIn,
            "notin" => Self::NotIn,
            "anynotin" => Self::AnyNotIn,
            "allnotin" => Self::AllNotIn,
            "greaterthan" => Self::GreaterThan,
            "greaterthanorequals" => Self::GreaterThanOrEquals,
            "lessthan" => Self::LessThan,
            "lessthanorequals" => Self::LessThanOrEquals,
            "durationgreaterthan" => Self::DurationGreaterThan,
            "durationgreaterthanorequals" => Self::DurationGreaterThanOrEquals,
            "durationlessthan" => Self::DurationLessThan,
            "durationlessthanorequals" => Self::DurationLessThanOrEquals,
            _ => return None,
        })
    }

    /// Applies the operator to a (substituted) key and value.
    pub fn evaluate(self, key: &Value, value: &Value) -> bool {
        match self {
            Self::Equals => equals(key, value),
            Self::NotEquals => not_equals(key, value),
            Self::In
            | Self::AnyIn
            | Self::AllIn
            | Self::NotIn
            | Self::AnyNotIn
            | Self::AllNotIn => membership(self, key, value),
            Self::GreaterThan => numeric(key, value, |o| o == Ordering::Greater),
            Self::GreaterThanOrEquals => numeric(key, value, |o| o != Ordering::Less),
            Self::LessThan => numeric(key, value, |o| o == Ordering::Less),
            Self::LessThanOrEquals => numeric(key, value, |o| o != Ordering::Greater),
            Self::DurationGreaterThan => durations(key, value, |o| o == Ordering::Greater),
            Self::DurationGreaterThanOrEquals => durations(key, value, |o| o != Ordering::Less),
            Self::DurationLessThan => durations(key, value, |o| o == Ordering::Less),
            Self::DurationLessThanOrEquals => durations(key, value, |o| o != Ordering::Greater),
        }
    }
}

/// A duration in nanoseconds.
type Nanos = i128;

fn parse_duration_string(text: &str) -> Option<Nanos> {
    Duration::parse(text).ok().map(|d| i128::from(d.as_nanos()))
}

fn seconds_to_nanos(seconds: f64) -> Nanos {
    // Go: time.Duration(float) truncates to whole seconds before multiplying.
    #[allow(clippy::cast_possible_truncation)]
    let whole = seconds.trunc() as i64;
    i128::from(whole) * 1_000_000_000
}

/// Kyverno's `parseDuration(key, value)`: at least one side is a duration string (not
/// `"0"`); the other is a duration string or a number of seconds.
fn parse_durations(key: &Value, value: &Value) -> Option<(Nanos, Nanos)> {
    let as_duration = |v: &Value| match v {
        Value::String(s) if s != "0" => parse_duration_string(s),
        _ => None,
    };
    let (key_duration, value_duration) = (as_duration(key), as_duration(value));
    if key_duration.is_none() && value_duration.is_none() {
        return None;
    }
    let or_seconds = |d: Option<Nanos>, v: &Value| d.or_else(|| v.as_f64().map(seconds_to_nanos));
    Some((
        or_seconds(key_duration, key)?,
        or_seconds(value_duration, value)?,
    ))
}

fn equals(key: &Value, value: &Value) -> bool {
    match key {
        Value::Bool(k) => value.as_bool() == Some(*k),
        Value::Number(k) => {
            let Some(k) = k.as_f64() else { return false };
            match value {
                Value::Number(v) => v.as_f64() == Some(k),
                Value::String(v) => go_parse_float(v) == Some(k),
                _ => false,
            }
        }
        Value::String(k) => {
            if let Some((kd, vd)) = parse_durations(key, value) {
                return kd == vd;
            }
            if let Ok(kq) = Quantity::parse(k) {
                if let Value::String(v) = value {
                    return Quantity::parse(v).is_ok_and(|vq| kq.cmp(&vq) == Ordering::Equal);
                }
            }
            match value {
                Value::String(v) => wildcard::matches(v, k),
                _ => false,
            }
        }
        Value::Object(_) => value.is_object() && equal(key, value),
        Value::Array(_) => value.is_array() && equal(key, value),
        Value::Null => false,
    }
}

fn not_equals(key: &Value, value: &Value) -> bool {
    match key {
        Value::Bool(k) => value.as_bool() != Some(*k),
        Value::Number(k) => {
            let Some(k) = k.as_f64() else { return true };
            match value {
                Value::Number(v) => v.as_f64() != Some(k),
                Value::String(v) => go_parse_float(v) != Some(k),
                _ => true,
            }
        }
        Value::String(k) => {
            if let Some((kd, vd)) = parse_durations(key, value) {
                return kd != vd;
            }
            if let Ok(kq) = Quantity::parse(k) {
                if let Value::String(v) = value {
                    if v.is_empty() {
                        return !wildcard::matches(v, k);
                    }
                    return match Quantity::parse(v) {
                        Ok(vq) => kq.cmp(&vq) != Ordering::Equal,
                        Err(_) => true,
                    };
                }
            }
            match value {
                Value::String(v) => !wildcard::matches(v, k),
                _ => true,
            }
        }
        Value::Object(_) | Value::Array(_) => {
            if std::mem::discriminant(key) == std::mem::discriminant(value) {
                !equal(key, value)
            } else {
                true
            }
        }
        Value::Null => false,
    }
}

/// Wildcard match in either direction.
fn either_way(a: &str, b: &str) -> bool {
    wildcard::matches(a, b) || wildcard::matches(b, a)
}

/// `handleRange`: the key string satisfies the range pattern `value`.
fn in_range(key: &str, range: &str) -> bool {
    scalar::validate(
        &Value::String(key.to_owned()),
        &Value::String(range.to_owned()),
    )
}

/// A JSON-encoded list of strings, or the single string, or `None` when the text is JSON but
/// not a list of strings (an invalid type for the operator).
fn string_list(text: &str) -> Option<Vec<String>> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => items
            .into_iter()
            .map(|item| match item {
                Value::String(s) => Some(s),
                _ => None,
            })
            .collect(),
        Ok(_) => None,
        Err(_) => Some(vec![text.to_owned()]),
    }
}

fn membership(op: ConditionOperator, key: &Value, value: &Value) -> bool {
    use ConditionOperator as Op;
    let negated = matches!(op, Op::NotIn | Op::AnyNotIn | Op::AllNotIn);
    match key {
        Value::String(_) | Value::Number(_) | Value::Bool(_) => {
            let key = match key {
                Value::String(s) => s.clone(),
                other => sprint(other),
            };
            match scalar_in(op, &key, value) {
                None => false,
                Some(found) => found != negated,
            }
        }
        Value::Array(items) => {
            if matches!(op, Op::In | Op::NotIn) && !items.iter().all(Value::is_string) {
                // Upstream assumes strings here and would crash; treat as an invalid type.
                return false;
            }
            let keys: Vec<String> = items
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => sprint(other),
                })
                .collect();
            list_in(op, &keys, value).unwrap_or(false)
        }
        _ => false,
    }
}

/// Whether a scalar key is "in" the value; `None` for an invalid value type.
fn scalar_in(op: ConditionOperator, key: &str, value: &Value) -> Option<bool> {
    use ConditionOperator as Op;
    match value {
        Value::Array(items) => Some(items.iter().any(|v| either_way(&sprint_item(v), key))),
        Value::String(v) => {
            if wildcard::matches(v, key) {
                return Some(true);
            }
            let deprecated = matches!(op, Op::In | Op::NotIn);
            if !deprecated && operator_of(v) == Operator::InRange {
                return Some(in_range(key, v));
            }
            if deprecated {
                return match serde_json::from_str::<Vec<String>>(v) {
                    Ok(list) => Some(list.iter().any(|item| item == key)),
                    Err(_) => None,
                };
            }
            string_list(v).map(|list| list.iter().any(|item| item == key))
        }
        _ => None,
    }
}

fn sprint_item(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => sprint(other),
    }
}

/// Whether a list key is "in" the value for the operator (the negation already applied);
/// `None` for an invalid value type.
fn list_in(op: ConditionOperator, keys: &[String], value: &Value) -> Option<bool> {
    use ConditionOperator as Op;
    let values: Vec<String> = match value {
        Value::Array(items) => {
            if matches!(op, Op::In | Op::NotIn) {
                items
                    .iter()
                    .map(|v| v.as_str().map(str::to_owned))
                    .collect::<Option<_>>()?
            } else {
                items.iter().map(sprint_item).collect()
            }
        }
        Value::Number(_) | Value::Bool(_) => match op {
            Op::AnyIn | Op::AnyNotIn => vec![sprint(value)],
            _ => return None,
        },
        Value::String(v) => {
            if keys.len() == 1 && keys.first().is_some_and(|k| k == v) {
                return Some(!matches!(op, Op::AnyNotIn | Op::AllNotIn));
            }
            let deprecated = matches!(op, Op::In | Op::NotIn);
            if !deprecated && operator_of(v) == Operator::InRange {
                return Some(match op {
                    Op::AnyIn => keys.iter().any(|k| in_range(k, v)),
                    Op::AllIn => keys.iter().all(|k| in_range(k, v)),
                    Op::AnyNotIn => {
                        let outside = v.replacen('-', "!-", 1);
                        keys.iter().any(|k| in_range(k, &outside))
                    }
                    Op::AllNotIn => !keys.iter().any(|k| in_range(k, v)),
                    _ => false,
                });
            }
            if deprecated {
                serde_json::from_str::<Vec<String>>(v).ok()?
            } else {
                string_list(v)?
            }
        }
        _ => return None,
    };
    let matches_any = |k: &String| values.iter().any(|v| either_way(k, v));
    Some(match op {
        Op::AnyIn => keys.iter().any(matches_any),
        Op::AllIn => keys.iter().all(matches_any),
        Op::AnyNotIn => keys.iter().any(|k| !matches_any(k)),
        Op::AllNotIn => !keys.iter().any(matches_any),
        Op::In => keys.iter().all(|k| values.contains(k)),
        Op::NotIn => keys.iter().any(|k| !values.contains(k)),
        _ => false,
    })
}

fn compare_f64(a: f64, b: f64, accept: impl Fn(Ordering) -> bool) -> bool {
    a.partial_cmp(&b).is_some_and(accept)
}

fn numeric(key: &Value, value: &Value, accept: impl Fn(Ordering) -> bool + Copy) -> bool {
    match key {
        Value::Number(k) => match k.as_f64() {
            Some(k) => numeric_number_key(k, key, value, accept),
            None => false,
        },
        Value::String(k) => {
            if let Some((kd, vd)) = parse_durations(key, value) {
                return accept(kd.cmp(&vd));
            }
            if let (Ok(kq), Value::String(v)) = (Quantity::parse(k), value) {
                if let Ok(vq) = Quantity::parse(v) {
                    return accept(kq.cmp(&vq));
                }
            }
            if let Some(kf) = go_parse_float(k) {
                return numeric_number_key(kf, key, value, accept);
            }
            if let Some(kv) = semver(k) {
                return match value {
                    Value::String(v) => semver(v).is_some_and(|vv| accept(kv.cmp(&vv))),
                    _ => false,
                };
            }
            false
        }
        _ => false,
    }
}

fn numeric_number_key(
    k: f64,
    key: &Value,
    value: &Value,
    accept: impl Fn(Ordering) -> bool + Copy,
) -> bool {
    match value {
        Value::Number(v) => v.as_f64().is_some_and(|v| compare_f64(k, v, accept)),
        Value::String(v) => {
            if let Some((kd, vd)) = parse_durations(key, value) {
                return accept(kd.cmp(&vd));
            }
            go_parse_float(v).is_some_and(|v| compare_f64(k, v, accept))
        }
        _ => false,
    }
}

fn durations(key: &Value, value: &Value, accept: impl Fn(Ordering) -> bool) -> bool {
    let as_nanos = |v: &Value| match v {
        Value::String(s) => parse_duration_string(s),
        other => other.as_f64().map(seconds_to_nanos),
    };
    match (as_nanos(key), as_nanos(value)) {
        (Some(k), Some(v)) => accept(k.cmp(&v)),
        _ => false,
    }
}

/// A strict `MAJOR.MINOR.PATCH[-pre][+build]` version, ordered as semver orders it.
#[derive(Debug, PartialEq, Eq)]
struct Semver {
    core: (u64, u64, u64),
    pre: Vec<String>,
}

impl Ord for Semver {
    fn cmp(&self, other: &Self) -> Ordering {
        self.core
            .cmp(&other.core)
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => {
                    for (a, b) in self.pre.iter().zip(&other.pre) {
                        let ordering = match (a.parse::<u64>(), b.parse::<u64>()) {
                            (Ok(x), Ok(y)) => x.cmp(&y),
                            (Ok(_), Err(_)) => Ordering::Less,
                            (Err(_), Ok(_)) => Ordering::Greater,
                            (Err(_), Err(_)) => a.cmp(b),
                        };
                        if ordering != Ordering::Equal {
                            return ordering;
                        }
                    }
                    self.pre.len().cmp(&other.pre.len())
                }
            })
    }
}

impl PartialOrd for Semver {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

fn semver(text: &str) -> Option<Semver> {
    let text = text.split('+').next()?;
    let (core, pre) = match text.split_once('-') {
        Some((core, pre)) => (core, pre.split('.').map(str::to_owned).collect()),
        None => (text, Vec::new()),
    };
    let mut parts = core.split('.');
    let mut number = || -> Option<u64> {
        let part = parts.next()?;
        if part.is_empty() || (part.len() > 1 && part.starts_with('0')) {
            return None;
        }
        part.parse().ok()
    };
    let core = (number()?, number()?, number()?);
    if parts.next().is_some() {
        return None;
    }
    Some(Semver { core, pre })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn op(name: &str, key: Value, value: Value) -> bool {
        ConditionOperator::parse(name)
            .unwrap()
            .evaluate(&key, &value)
    }

    #[test]
    fn equals_follows_the_key_type() {
        assert!(op("Equals", json!(3), json!("3")));
        assert!(!op("Equals", json!("3"), json!(3)));
        assert!(op("Equals", json!("1Gi"), json!("1024Mi")));
        assert!(op("Equals", json!("1h"), json!("60m")));
        assert!(op("Equals", json!("30s"), json!(30)));
        assert!(op("Equals", json!("nginx:latest"), json!("*:latest")));
        assert!(!op("Equals", json!("100"), json!("1*")));
        assert!(!op("Equals", Value::Null, Value::Null));
        assert!(!op("NotEquals", Value::Null, json!("x")));
        assert!(op("NotEquals", json!(true), json!("true")));
        assert!(op("equal", json!({"a": 1}), json!({"a": 1.0})));
    }

    #[test]
    fn membership_operators() {
        assert!(op("AnyIn", json!("UPDATE"), json!(["CREATE", "UPDATE"])));
        assert!(op("AnyIn", json!(["a", "b"]), json!(["b*"])));
        assert!(!op("AllIn", json!(["a", "b"]), json!(["b*"])));
        assert!(op(
            "AnyNotIn",
            json!("vivek"),
            json!("[\"default\",\"test\"]")
        ));
        assert!(!op(
            "AnyNotIn",
            json!(["A=*"]),
            json!(["A=ATest", "B=BTest"])
        ));
        assert!(op("AllNotIn", json!(["x"]), json!(["a", "b"])));
        assert!(op("AnyIn", json!(5), json!("1-10")));
        assert!(op("AnyIn", json!([5, 20]), json!("1-10")));
        assert!(!op("AllIn", json!([5, 20]), json!("1-10")));
        assert!(op("AnyNotIn", json!([5, 20]), json!("1-10")));
        assert!(!op("AnyIn", Value::Null, json!(["a"])));
        assert!(!op("AnyNotIn", json!({"a": 1}), json!(["a"])));
        assert!(op("In", json!("UPDATE"), json!(["UPDATE", "CREATE"])));
        assert!(op("NotIn", json!(["a"]), json!("a")));
        assert!(op("AnyIn", json!(1000000), json!(["1e+06"])));
    }

    #[test]
    fn numeric_operators() {
        assert!(op("GreaterThan", json!(5), json!(3)));
        assert!(op("GreaterThan", json!("10h"), json!("8h")));
        assert!(op("LessThan", json!("500m"), json!("1")));
        assert!(op("GreaterThanOrEquals", json!("1.2.3"), json!("1.2.3")));
        assert!(op("LessThan", json!("1.2.3-alpha"), json!("1.2.3")));
        assert!(!op("GreaterThan", json!(2), json!("1Gi")));
        assert!(op("GreaterThan", json!(120), json!("1m")));
        assert!(op("DurationGreaterThan", json!("2h"), json!(3600)));
        assert!(ConditionOperator::parse("Bogus").is_none());
    }
}
