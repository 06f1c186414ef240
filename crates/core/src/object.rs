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

/// A lazily built JSON path, formatted only when an error needs it.
pub type Path<'p> = &'p dyn Fn() -> String;

/// A [`FieldError`] for a value of the wrong type.
pub fn mismatch(path: String, expected: &'static str, found: &Value) -> FieldError {
    FieldError {
        path,
        expected,
        found: describe(found),
    }
}

/// A required object.
pub fn as_object<'a>(
    value: &'a Value,
    path: Path<'_>,
) -> Result<&'a Map<String, Value>, FieldError> {
    value
        .as_object()
        .ok_or_else(|| mismatch(path(), "object", value))
}

/// An optional object: `null` is unset.
pub fn opt_object<'a>(
    value: &'a Value,
    path: Path<'_>,
) -> Result<Option<&'a Map<String, Value>>, FieldError> {
    match value {
        Value::Null => Ok(None),
        Value::Object(map) => Ok(Some(map)),
        other => Err(mismatch(path(), "object", other)),
    }
}

/// An optional array: `null` is unset.
pub fn opt_array<'a>(
    value: &'a Value,
    path: Path<'_>,
) -> Result<Option<&'a Vec<Value>>, FieldError> {
    match value {
        Value::Null => Ok(None),
        Value::Array(list) => Ok(Some(list)),
        other => Err(mismatch(path(), "array", other)),
    }
}

/// An optional boolean: `null` is unset.
pub fn opt_bool(value: &Value, path: Path<'_>) -> Result<Option<bool>, FieldError> {
    match value {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        other => Err(mismatch(path(), "boolean", other)),
    }
}

/// An optional string; a missing field (`None`) or `null` is unset.
pub fn opt_str<'a>(
    value: Option<&'a Value>,
    path: Path<'_>,
) -> Result<Option<&'a str>, FieldError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(mismatch(path(), "string", other)),
    }
}

/// An optional integer; an integral float (`0.0`) is accepted as JSON decoders do.
pub fn opt_i64(value: &Value, path: Path<'_>) -> Result<Option<i64>, FieldError> {
    match value {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e18)
                    .map(|f| {
                        #[allow(clippy::cast_possible_truncation)]
                        let i = f as i64;
                        i
                    })
            })
            .map(Some)
            .ok_or_else(|| mismatch(path(), "integer", value)),
        other => Err(mismatch(path(), "integer", other)),
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
        let err = opt_bool(&json!("true"), &|| "spec.x.privileged".into()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "spec.x.privileged: expected boolean, found string \"true\""
        );
    }

    #[test]
    fn null_is_unset_and_integral_floats_are_integers() {
        assert_eq!(opt_bool(&Value::Null, &String::new).unwrap(), None);
        assert_eq!(opt_str(None, &String::new).unwrap(), None);
        assert_eq!(opt_i64(&json!(0.0), &String::new).unwrap(), Some(0));
        assert!(opt_i64(&json!(1.5), &String::new).is_err());
    }
}
