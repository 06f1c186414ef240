//! Conversions between JSON and CEL values.

use std::sync::Arc;

use base64::Engine as _;

use super::{Key, List, Map, Str, Value};
use crate::error::EvalError;

/// A JSON number as Kubernetes' unstructured objects hold it: `int` when integral and in
/// range, `double` otherwise.
fn number(n: &serde_json::Number) -> Value<'static> {
    if let Some(i) = n.as_i64() {
        Value::Int(i)
    } else {
        Value::Double(n.as_f64().unwrap_or(f64::NAN))
    }
}

/// Wraps JSON without copying: arrays, objects and strings stay borrowed.
pub(crate) fn borrow_json(value: &serde_json::Value) -> Value<'_> {
    match value {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => number(n),
        serde_json::Value::String(s) => Value::String(Str::borrowed(s)),
        serde_json::Value::Array(items) => Value::List(List::json(items)),
        serde_json::Value::Object(object) => Value::Map(Map::json(object)),
    }
}

/// Converts JSON into an owned value.
pub(crate) fn owned_from_json(value: &serde_json::Value) -> Value<'static> {
    match value {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => number(n),
        serde_json::Value::String(s) => Value::string(s.as_str()),
        serde_json::Value::Array(items) => {
            Value::List(List::from_vec(items.iter().map(owned_from_json).collect()))
        }
        serde_json::Value::Object(object) => Value::Map(Map::from_entries_unchecked(
            object
                .iter()
                .map(|(k, v)| {
                    (
                        Key::String(Str::from(Arc::<str>::from(k.as_str()))),
                        owned_from_json(v),
                    )
                })
                .collect(),
        )),
    }
}

fn double_to_json(d: f64) -> serde_json::Value {
    if d.is_nan() {
        serde_json::Value::String("NaN".into())
    } else if d.is_infinite() {
        serde_json::Value::String(if d > 0.0 { "Infinity" } else { "-Infinity" }.into())
    } else {
        serde_json::Number::from_f64(d).map_or(serde_json::Value::Null, serde_json::Value::Number)
    }
}

/// Converts a value to JSON (see [`Value::to_json`]).
pub(crate) fn to_json(value: &Value<'_>) -> Result<serde_json::Value, EvalError> {
    Ok(match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Int(i) => serde_json::Value::from(*i),
        Value::Uint(u) => serde_json::Value::from(*u),
        Value::Double(d) => double_to_json(*d),
        Value::String(s) => serde_json::Value::String(s.as_str().to_string()),
        Value::Bytes(b) => {
            serde_json::Value::String(base64::engine::general_purpose::STANDARD.encode(b))
        }
        Value::List(items) => serde_json::Value::Array(
            items
                .iter()
                .map(|v| to_json(&v))
                .collect::<Result<_, _>>()?,
        ),
        Value::Map(map) => {
            let mut object = serde_json::Map::with_capacity(map.len());
            for (key, item) in map.iter() {
                let Key::String(key) = key else {
                    return Err(EvalError::msg(
                        "map with a non-string key has no JSON representation",
                    ));
                };
                object.insert(key.as_str().to_string(), to_json(&item)?);
            }
            serde_json::Value::Object(object)
        }
        Value::Timestamp(t) => serde_json::Value::String(t.to_string()),
        Value::Duration(d) => serde_json::Value::String(crate::time::duration_string(*d)),
        Value::Type(t) => {
            return Err(EvalError::msg(format!(
                "type conversion error from type '{t}' to JSON"
            )))
        }
        Value::Optional(Some(v)) => to_json(v)?,
        Value::Optional(None) => serde_json::Value::Null,
        Value::Object(o) => serde_json::Value::String(o.to_string()),
    })
}
