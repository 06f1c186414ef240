//! Built-in functions: the specification's ([`standard`]) and Kyverno's, grouped by topic.

pub(crate) mod arithmetic;
pub(crate) mod encoding;
pub(crate) mod kyverno;
pub(crate) mod standard;
pub(crate) mod time;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::gofmt::format_float_f32;
use crate::runtime::Call;

/// Kyverno's `validateArg(…, reflect.String)`: the string argument `index` (0-based).
pub(crate) fn string_arg<'v>(call: &'v Call<'_, '_>, index: usize) -> Result<&'v str> {
    call.str(index)
        .ok_or_else(|| Error::kyverno_type(call.name, index + 1, "string"))
}

/// Kyverno's `validateArg(…, reflect.Float64)`: the number argument `index` (0-based).
pub(crate) fn number_arg(call: &Call<'_, '_>, index: usize) -> Result<f64> {
    call.value(index)
        .as_f64()
        .ok_or_else(|| Error::kyverno_type(call.name, index + 1, "float64"))
}

/// Kyverno's `ifaceToString`: strings as they are, numbers as float32 `'f'` text, booleans as
/// `true`/`false`; `None` for other types.
pub(crate) fn iface_to_string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(format_float_f32(n.as_f64().unwrap_or(0.0))),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Kyverno's `intNumber`: the number as an integer, or Go's message about why not.
pub(crate) fn int_number(value: f64) -> std::result::Result<i64, String> {
    if !value.is_finite() || value.trunc() != value {
        return Err(format!(
            "expected an integer number but got: {}",
            crate::gofmt::format_float_g(value)
        ));
    }
    if !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&value) {
        return Err(format!(
            "number is outside the range of integer numbers: {}",
            crate::gofmt::format_float_g(value)
        ));
    }
    Ok(value as i64)
}

/// Helpers the function modules' unit tests share.
#[cfg(test)]
pub(crate) mod test_support {
    use crate::{search, Runtime};
    use serde_json::Value;

    /// Evaluates `expression` against `data` with `runtime`, panicking on error.
    pub(crate) fn eval_with(runtime: &Runtime, expression: &str, data: &Value) -> Value {
        search(expression, data, runtime).unwrap_or_else(|e| panic!("{expression}: {e}"))
    }

    /// Evaluates `expression` with the Kyverno runtime, panicking on error.
    pub(crate) fn eval(expression: &str, data: Value) -> Value {
        eval_with(&Runtime::kyverno(), expression, &data)
    }

    /// The error message `expression` fails with under `runtime`; panics if it succeeds.
    pub(crate) fn error_with(runtime: &Runtime, expression: &str, data: &Value) -> String {
        match search(expression, data, runtime) {
            Err(e) => e.to_string(),
            Ok(v) => panic!("{expression}: expected an error, got {v}"),
        }
    }

    /// The error message `expression` fails with under the Kyverno runtime.
    pub(crate) fn error(expression: &str) -> String {
        error_with(&Runtime::kyverno(), expression, &Value::Null)
    }
}
