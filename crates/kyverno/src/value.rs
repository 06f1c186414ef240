//! Value helpers with Kyverno's (Go's) view of JSON: every number is a float64.

use serde_json::Value;

/// The value as a float, if it is a number.
pub(crate) fn as_f64(value: &Value) -> Option<f64> {
    value.as_f64()
}

/// Go's `%T` of a decoded JSON value, for messages.
pub(crate) fn go_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(_) => "float64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

/// Go's `fmt.Sprint` of a decoded JSON value.
pub(crate) fn sprint(value: &Value) -> String {
    kanon_jmespath::go_sprint(value)
}

/// Go's `json.Marshal` of a decoded JSON value.
pub(crate) fn to_go_json(value: &Value) -> String {
    kanon_jmespath::go_json(value)
}

/// Deep equality with numbers compared as floats.
pub(crate) fn equal(a: &Value, b: &Value) -> bool {
    kanon_jmespath::json_equal(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn go_type_names() {
        assert_eq!(go_type(&json!({})), "map[string]interface {}");
        assert_eq!(go_type(&Value::Null), "<nil>");
    }
}
