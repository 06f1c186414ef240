//! The OpenAPI v3 schema a ConstraintTemplate declares for its Constraints' `spec.parameters`:
//! structural validation (types, `enum`, `properties`, `items`, `additionalProperties`,
//! `required`) and defaulting (`default`), as the API server applies them to a custom resource.

use serde_json::{Map, Value};

/// Validates `value` against `schema`; the error names the field (`parameters.labels[0].key`).
pub(crate) fn validate(schema: &Value, value: &Value, path: &str) -> Result<(), String> {
    let Some(schema) = schema.as_object() else {
        return Ok(());
    };
    if value.is_null() && schema.get("nullable").and_then(Value::as_bool) == Some(true) {
        return Ok(());
    }
    if let Some(expected) = schema.get("type").and_then(Value::as_str) {
        let fits = match expected {
            "string" => value.is_string(),
            "integer" => value.as_f64().is_some_and(|f| f.fract() == 0.0),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            _ => true,
        };
        if !fits {
            return Err(format!(
                "{path}: Invalid value: {}: {path} in body must be of type {expected}: \"{}\"",
                short(value),
                json_type(value)
            ));
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.contains(value) {
            let list: Vec<String> = allowed.iter().map(short).collect();
            return Err(format!(
                "{path}: Unsupported value: {}: supported values: {}",
                short(value),
                list.join(", ")
            ));
        }
    }
    match value {
        Value::Object(map) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            for required in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !map.contains_key(required) {
                    return Err(format!("{path}.{required}: Required value"));
                }
            }
            for (key, item) in map {
                let child = format!("{path}.{key}");
                if let Some(property) = properties.and_then(|p| p.get(key)) {
                    validate(property, item, &child)?;
                } else if let Some(additional) = schema.get("additionalProperties") {
                    if additional.is_object() {
                        validate(additional, item, &child)?;
                    }
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    validate(item_schema, item, &format!("{path}[{i}]"))?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// Applies `default`s of `schema` to missing properties of objects that exist in `value`.
pub(crate) fn apply_defaults(schema: &Value, value: &mut Value) {
    let Some(schema) = schema.as_object() else {
        return;
    };
    match value {
        Value::Object(map) => {
            if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                for (key, property) in properties {
                    if !map.contains_key(key) {
                        if let Some(default) = property.get("default") {
                            map.insert(key.clone(), default.clone());
                        }
                    }
                    if let Some(child) = map.get_mut(key) {
                        apply_defaults(property, child);
                    }
                }
            }
            if let Some(additional) = schema.get("additionalProperties").filter(|a| a.is_object()) {
                let known: Map<String, Value> = schema
                    .get("properties")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                for (key, child) in map.iter_mut() {
                    if !known.contains_key(key) {
                        apply_defaults(additional, child);
                    }
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for item in items {
                    apply_defaults(item_schema, item);
                }
            }
        }
        _ => {}
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.len() > 80 {
        let cut = (0..=77)
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        format!("{}...", &text[..cut])
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({"type": "object", "properties": {
            "labels": {"type": "array", "items": {"type": "object", "properties": {
                "key": {"type": "string"}, "allowedRegex": {"type": "string"}}}},
            "mode": {"type": "string", "enum": ["a", "b"], "default": "a"},
            "limit": {"type": "integer"}
        }})
    }

    #[test]
    fn wrong_types_name_the_field() {
        let err = validate(&schema(), &json!({"labels": [{"key": 5}]}), "parameters").unwrap_err();
        assert!(
            err.starts_with("parameters.labels[0].key: Invalid value: 5"),
            "{err}"
        );
        assert!(validate(&schema(), &json!({"mode": "c"}), "parameters").is_err());
        assert!(validate(&schema(), &json!({"limit": 2.5}), "parameters").is_err());
        assert!(validate(&schema(), &json!({"limit": 2, "other": true}), "parameters").is_ok());
    }

    #[test]
    fn defaults_fill_missing_properties() {
        let mut v = json!({"limit": 1});
        apply_defaults(&schema(), &mut v);
        assert_eq!(v, json!({"limit": 1, "mode": "a"}));
    }
}
