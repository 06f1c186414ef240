//! The OpenAPI v3 schema a ConstraintTemplate declares for its Constraints' `spec.parameters`:
//! structural validation (types, `enum`, `properties`, `items`, `additionalProperties`,
//! `required`, `pattern`, numeric and size bounds, `uniqueItems`, `allOf`/`anyOf`/`oneOf`/`not`)
//! and defaulting (`default`), as the API server applies them to a custom resource.

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
    bounds(schema, value, path)?;
    for sub in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        validate(sub, value, path)?;
    }
    if let Some(any) = schema.get("anyOf").and_then(Value::as_array) {
        if !any.iter().any(|sub| validate(sub, value, path).is_ok()) {
            return Err(format!(
                "{path}: Invalid value: {}: must match a schema in anyOf",
                short(value)
            ));
        }
    }
    if let Some(one) = schema.get("oneOf").and_then(Value::as_array) {
        if one
            .iter()
            .filter(|sub| validate(sub, value, path).is_ok())
            .count()
            != 1
        {
            return Err(format!(
                "{path}: Invalid value: {}: must match exactly one schema in oneOf",
                short(value)
            ));
        }
    }
    if let Some(not) = schema.get("not") {
        if validate(not, value, path).is_ok() {
            return Err(format!(
                "{path}: Invalid value: {}: must not match the schema in not",
                short(value)
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

/// `pattern`, `minimum`/`maximum` (with `exclusive*`), `minLength`/`maxLength`,
/// `minItems`/`maxItems`, `uniqueItems`, `minProperties`/`maxProperties`.
fn bounds(schema: &Map<String, Value>, value: &Value, path: &str) -> Result<(), String> {
    let number = |key: &str| schema.get(key).and_then(Value::as_f64);
    let flag = |key: &str| schema.get(key).and_then(Value::as_bool) == Some(true);
    let fail = |what: String| {
        Err(format!(
            "{path}: Invalid value: {}: {path} in body {what}",
            short(value)
        ))
    };
    match value {
        Value::String(text) => {
            if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
                let regex = regex::Regex::new(pattern).map_err(|e| {
                    format!("{path}: the schema's pattern {pattern:?} is invalid: {e}")
                })?;
                if !regex.is_match(text) {
                    return fail(format!("should match '{pattern}'"));
                }
            }
            let len = text.chars().count() as f64;
            if number("minLength").is_some_and(|m| len < m) {
                return fail(format!(
                    "should be at least {} chars long",
                    number("minLength").unwrap_or(0.0)
                ));
            }
            if number("maxLength").is_some_and(|m| len > m) {
                return fail(format!(
                    "may not be longer than {}",
                    number("maxLength").unwrap_or(0.0)
                ));
            }
        }
        Value::Number(n) => {
            let n = n.as_f64().unwrap_or(0.0);
            if let Some(min) = number("minimum") {
                if n < min || (flag("exclusiveMinimum") && n <= min) {
                    return fail(format!("should be greater than or equal to {min}"));
                }
            }
            if let Some(max) = number("maximum") {
                if n > max || (flag("exclusiveMaximum") && n >= max) {
                    return fail(format!("should be less than or equal to {max}"));
                }
            }
        }
        Value::Array(items) => {
            let len = items.len() as f64;
            if number("minItems").is_some_and(|m| len < m) {
                return fail("should have at least the minimum number of items".into());
            }
            if number("maxItems").is_some_and(|m| len > m) {
                return fail("must have at most the maximum number of items".into());
            }
            if flag("uniqueItems") {
                for (i, item) in items.iter().enumerate() {
                    if items.iter().skip(i + 1).any(|other| other == item) {
                        return Err(format!("{path}[{i}]: Duplicate value: {}", short(item)));
                    }
                }
            }
        }
        Value::Object(map) => {
            let len = map.len() as f64;
            if number("minProperties").is_some_and(|m| len < m)
                || number("maxProperties").is_some_and(|m| len > m)
            {
                return fail("has the wrong number of properties".into());
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
        let bounded = json!({"type": "object", "properties": {
            "name": {"type": "string", "pattern": "^[a-z]+$", "maxLength": 5},
            "n": {"type": "integer", "minimum": 1},
            "tags": {"type": "array", "uniqueItems": true, "items": {"type": "string"}}}});
        assert!(validate(
            &bounded,
            &json!({"name": "abc", "n": 1, "tags": ["a", "b"]}),
            "p"
        )
        .is_ok());
        for bad in [
            json!({"name": "ABC"}),
            json!({"name": "abcdef"}),
            json!({"n": 0}),
            json!({"tags": ["a", "a"]}),
        ] {
            assert!(validate(&bounded, &bad, "p").is_err(), "{bad}");
        }
    }

    #[test]
    fn defaults_fill_missing_properties() {
        let mut v = json!({"limit": 1});
        apply_defaults(&schema(), &mut v);
        assert_eq!(v, json!({"limit": 1, "mode": "a"}));
    }
}
