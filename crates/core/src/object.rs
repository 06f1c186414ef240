//! Small typed accessors over untyped Kubernetes objects (`serde_json::Value`).
//!
//! Policies read objects through these so that a wrong type (`privileged: "yes"` as a string)
//! becomes a [`FieldError`] naming the JSON path, never a silent default.

use serde_json::{Map, Value};
use std::fmt;

/// A field of an object has the wrong type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the field, e.g. `spec.containers[0].securityContext.privileged`.
    pub path: String,
    /// What the field should be (`boolean`, `string`, `integer`, `object`, `array`).
    pub expected: &'static str,
    /// A short description of what was found.
    pub found: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: expected {}, found {}",
            self.path, self.expected, self.found
        )
    }
}

impl std::error::Error for FieldError {}

/// Describes a value for error messages: its JSON type and a short rendering.
pub fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) => {
            let shown: String = s.chars().take(40).collect();
            if shown.len() < s.len() {
                format!("string {shown:?}...")
            } else {
                format!("string {shown:?}")
            }
        }
        Value::Array(_) => "array".to_owned(),
        Value::Object(_) => "object".to_owned(),
    }
}

fn mismatch(path: &dyn Fn() -> String, expected: &'static str, found: &Value) -> FieldError {
    FieldError {
        path: path(),
        expected,
        found: describe(found),
    }
}

/// Reads `key` of `map` as an optional object. Missing or `null` is `None`.
pub fn get_object<'a>(
    map: &'a Map<String, Value>,
    key: &str,
    path: &dyn Fn() -> String,
) -> Result<Option<&'a Map<String, Value>>, FieldError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(other) => Err(mismatch(path, "object", other)),
    }
}

/// Reads `key` of `map` as an optional array. Missing or `null` is `None`.
pub fn get_array<'a>(
    map: &'a Map<String, Value>,
    key: &str,
    path: &dyn Fn() -> String,
) -> Result<Option<&'a Vec<Value>>, FieldError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a)),
        Some(other) => Err(mismatch(path, "array", other)),
    }
}

/// Reads `key` of `map` as an optional string. Missing or `null` is `None`.
pub fn get_str<'a>(
    map: &'a Map<String, Value>,
    key: &str,
    path: &dyn Fn() -> String,
) -> Result<Option<&'a str>, FieldError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(mismatch(path, "string", other)),
    }
}

/// Reads `key` of `map` as an optional boolean. Missing or `null` is `None`.
pub fn get_bool(
    map: &Map<String, Value>,
    key: &str,
    path: &dyn Fn() -> String,
) -> Result<Option<bool>, FieldError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(mismatch(path, "boolean", other)),
    }
}

/// Reads `key` of `map` as an optional integer. Missing or `null` is `None`; a float with an
/// integral value (`0.0`) is accepted as JSON decoders do.
pub fn get_i64(
    map: &Map<String, Value>,
    key: &str,
    path: &dyn Fn() -> String,
) -> Result<Option<i64>, FieldError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => {
            if let Some(i) = n.as_i64() {
                Ok(Some(i))
            } else if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e18) {
                #[allow(clippy::cast_possible_truncation)]
                Ok(Some(f as i64))
            } else {
                Err(mismatch(path, "integer", &Value::Number(n.clone())))
            }
        }
        Some(other) => Err(mismatch(path, "integer", other)),
    }
}

/// `metadata` of an object, if it is a mapping.
pub fn metadata(object: &Value) -> Option<&Map<String, Value>> {
    object.get("metadata").and_then(Value::as_object)
}

/// `metadata.name`, or the empty string.
pub fn name(object: &Value) -> &str {
    metadata(object)
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// `metadata.namespace`, if set and not empty.
pub fn namespace(object: &Value) -> Option<&str> {
    metadata(object)
        .and_then(|m| m.get("namespace"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// `metadata.uid`, if set.
pub fn uid(object: &Value) -> Option<&str> {
    metadata(object)
        .and_then(|m| m.get("uid"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// `apiVersion`, or the empty string.
pub fn api_version(object: &Value) -> &str {
    object
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// `kind`, or the empty string.
pub fn kind(object: &Value) -> &str {
    object.get("kind").and_then(Value::as_str).unwrap_or("")
}

/// An annotation's value, if the object has it as a string.
pub fn annotation<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    metadata(object)
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get(key))
        .and_then(Value::as_str)
}

/// The labels of an object as string pairs (non-string values are skipped).
pub fn labels(object: &Value) -> impl Iterator<Item = (&str, &str)> {
    metadata(object)
        .and_then(|m| m.get("labels"))
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.iter())
        .filter_map(|(k, v)| v.as_str().map(|v| (k.as_str(), v)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wrong_types_name_the_path() {
        let v = json!({"privileged": "true"});
        let map = v.as_object().unwrap();
        let err = get_bool(map, "privileged", &|| "spec.x.privileged".into()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "spec.x.privileged: expected boolean, found string \"true\""
        );
    }

    #[test]
    fn null_is_unset_and_integral_floats_are_integers() {
        let v = json!({"a": null, "b": 0.0, "c": 1.5});
        let map = v.as_object().unwrap();
        assert_eq!(get_bool(map, "a", &String::new).unwrap(), None);
        assert_eq!(get_i64(map, "b", &String::new).unwrap(), Some(0));
        assert!(get_i64(map, "c", &String::new).is_err());
    }
}
