//! How JMESPath (in Go) sees JSON values: numbers are all `float64`, falsy values, type names.

use serde_json::Value;

/// Deep equality with every number compared as an `f64`, as Go compares values decoded into
/// `interface{}` (`reflect.DeepEqual`): `1` equals `1.0`, object key order is ignored, array
/// order is not.
pub fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(l, r)| json_equal(l, r))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(key, l)| y.get(key).is_some_and(|r| json_equal(l, r)))
        }
        _ => false,
    }
}

/// JMESPath falsiness: null, false, and empty strings, arrays and objects. Numbers,
/// including zero, are true.
pub(crate) fn is_false(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Number(_) => false,
    }
}

/// The value of a number as Go holds it (`float64`).
pub(crate) fn as_f64(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
}

/// 2^53: integers up to this magnitude are exact in an `f64`.
const EXACT_INTEGER_LIMIT: f64 = 9_007_199_254_740_992.0;

/// A JSON number from a Go `float64` result: an integer when integral and within ±2^53 (so it
/// prints as `3`, not `3.0`), otherwise a float. NaN and infinities, which JSON cannot hold,
/// become null.
pub fn number(value: f64) -> Value {
    if !value.is_finite() {
        return Value::Null;
    }
    if value.fract() == 0.0 && value.abs() <= EXACT_INTEGER_LIMIT {
        return Value::from(value as i64);
    }
    serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number)
}

/// The JMESPath type name of a value (`type()`).
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn equality_treats_numbers_as_floats() {
        assert!(json_equal(&json!(1), &json!(1.0)));
        assert!(json_equal(&json!({"a": [1, 2.0]}), &json!({"a": [1.0, 2]})));
        assert!(json_equal(
            &json!({"a": 1, "b": 2}),
            &json!({"b": 2, "a": 1})
        ));
        assert!(!json_equal(&json!([1, 2]), &json!([2, 1])));
        assert!(!json_equal(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
        assert!(!json_equal(&json!("1"), &json!(1)));
        assert!(!json_equal(&json!(null), &json!(false)));
        assert!(json_equal(
            &json!(9007199254740993u64),
            &json!(9007199254740992u64)
        ));
    }

    #[test]
    fn falsiness() {
        for falsy in [json!(null), json!(false), json!(""), json!([]), json!({})] {
            assert!(is_false(&falsy), "{falsy}");
        }
        for truthy in [
            json!(0),
            json!(true),
            json!(" "),
            json!([null]),
            json!({"a": null}),
        ] {
            assert!(!is_false(&truthy), "{truthy}");
        }
    }

    #[test]
    fn numbers_from_floats() {
        assert_eq!(number(3.0).to_string(), "3");
        assert_eq!(number(-0.0).to_string(), "0");
        assert_eq!(number(1.5).to_string(), "1.5");
        assert_eq!(number(1e300), serde_json::json!(1e300));
        assert_eq!(number(9007199254740992.0).to_string(), "9007199254740992");
        assert_eq!(number(f64::NAN), Value::Null);
        assert_eq!(number(f64::INFINITY), Value::Null);
    }
}
