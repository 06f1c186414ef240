//! The JMESPath specification's functions, with go-jmespath's behaviour and messages.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use crate::error::Result;
use crate::gofmt::go_json;
use crate::runtime::{ArgSpec, Call, JpType, Runtime};
use crate::value::{as_f64, json_equal, number, type_name};

use JpType::{Any, Array, ArrayNumber, ArrayString, Expref, Number, Object, String as Str};

pub(crate) fn register(runtime: &mut Runtime) {
    let one = |types: &[JpType]| vec![ArgSpec::new(types)];
    runtime.native("abs", one(&[Number]), |c| num1(c, f64::abs));
    runtime.native("avg", one(&[ArrayNumber]), avg);
    runtime.native("ceil", one(&[Number]), |c| num1(c, f64::ceil));
    runtime.native(
        "contains",
        vec![ArgSpec::new(&[Array, Str]), ArgSpec::new(&[Any])],
        contains,
    );
    runtime.native("ends_with", vec![ArgSpec::new(&[Str]); 2], |c| {
        strings2(c, |a, b| a.ends_with(b))
    });
    runtime.native("floor", one(&[Number]), |c| num1(c, f64::floor));
    runtime.native(
        "join",
        vec![ArgSpec::new(&[Str]), ArgSpec::new(&[ArrayString])],
        join,
    );
    runtime.native("keys", one(&[Object]), keys);
    runtime.native("length", one(&[Str, Array, Object]), length);
    runtime.native(
        "map",
        vec![ArgSpec::new(&[Expref]), ArgSpec::new(&[Array])],
        map,
    );
    runtime.native("max", one(&[ArrayNumber, ArrayString]), |c| {
        extreme(c, Ordering::Greater)
    });
    runtime.native(
        "max_by",
        vec![ArgSpec::new(&[Array]), ArgSpec::new(&[Expref])],
        |c| extreme_by(c, Ordering::Greater),
    );
    runtime.native("merge", vec![ArgSpec::variadic(&[Object])], merge);
    runtime.native("min", one(&[ArrayNumber, ArrayString]), |c| {
        extreme(c, Ordering::Less)
    });
    runtime.native(
        "min_by",
        vec![ArgSpec::new(&[Array]), ArgSpec::new(&[Expref])],
        |c| extreme_by(c, Ordering::Less),
    );
    runtime.native("not_null", vec![ArgSpec::variadic(&[Any])], not_null);
    runtime.native("reverse", one(&[Array, Str]), reverse);
    runtime.native("sort", one(&[ArrayString, ArrayNumber]), sort);
    runtime.native(
        "sort_by",
        vec![ArgSpec::new(&[Array]), ArgSpec::new(&[Expref])],
        sort_by,
    );
    runtime.native("starts_with", vec![ArgSpec::new(&[Str]); 2], |c| {
        strings2(c, |a, b| a.starts_with(b))
    });
    runtime.native("sum", one(&[ArrayNumber]), sum);
    runtime.native("to_array", one(&[Any]), to_array);
    runtime.native("to_number", one(&[Any]), to_number);
    runtime.native("to_string", one(&[Any]), to_string);
    runtime.native("type", one(&[Any]), |c| Ok(type_name(c.value(0)).into()));
    runtime.native("values", one(&[Object]), values);
}

fn num1(call: &Call<'_, '_>, f: fn(f64) -> f64) -> Result<Value> {
    Ok(number(f(as_f64(call.value(0)).unwrap_or(0.0))))
}

fn strings2(call: &Call<'_, '_>, f: fn(&str, &str) -> bool) -> Result<Value> {
    let (a, b) = (call.str(0).unwrap_or(""), call.str(1).unwrap_or(""));
    Ok(Value::Bool(f(a, b)))
}

fn numbers(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .map(|items| items.iter().filter_map(as_f64).collect())
        .unwrap_or_default()
}

fn avg(call: &Call<'_, '_>) -> Result<Value> {
    let items = numbers(call.value(0));
    if items.is_empty() {
        // go-jmespath returns NaN here, which JSON cannot carry; the specification says null.
        return Ok(Value::Null);
    }
    Ok(number(items.iter().sum::<f64>() / items.len() as f64))
}

fn sum(call: &Call<'_, '_>) -> Result<Value> {
    Ok(number(numbers(call.value(0)).iter().sum()))
}

fn contains(call: &Call<'_, '_>) -> Result<Value> {
    let needle = call.value(1);
    Ok(Value::Bool(match call.value(0) {
        Value::String(haystack) => needle.as_str().is_some_and(|n| haystack.contains(n)),
        Value::Array(items) => items.iter().any(|item| json_equal(item, needle)),
        _ => false,
    }))
}

fn join(call: &Call<'_, '_>) -> Result<Value> {
    let separator = call.str(0).unwrap_or("");
    let parts: Vec<&str> = call
        .value(1)
        .as_array()
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    Ok(parts.join(separator).into())
}

fn keys(call: &Call<'_, '_>) -> Result<Value> {
    let keys = call
        .value(0)
        .as_object()
        .map(|map| map.keys().cloned().map(Value::String).collect())
        .unwrap_or_default();
    Ok(Value::Array(keys))
}

fn values(call: &Call<'_, '_>) -> Result<Value> {
    let values = call
        .value(0)
        .as_object()
        .map(|map| map.values().cloned().collect())
        .unwrap_or_default();
    Ok(Value::Array(values))
}

fn length(call: &Call<'_, '_>) -> Result<Value> {
    let length = match call.value(0) {
        Value::String(s) => s.chars().count(),
        Value::Array(items) => items.len(),
        Value::Object(map) => map.len(),
        _ => return Err(call.error("could not compute length()")),
    };
    Ok(Value::from(length))
}

fn map(call: &Call<'_, '_>) -> Result<Value> {
    let (Some(node), Some(items)) = (call.expref(0), call.value(1).as_array()) else {
        return Ok(Value::Array(Vec::new()));
    };
    let mut mapped = Vec::with_capacity(items.len());
    for item in items {
        let result = match call.interpreter.eval(node, item) {
            Err(error) if error.is_not_found() => Value::Null,
            other => other?.into_owned(),
        };
        mapped.push(result);
    }
    Ok(Value::Array(mapped))
}

/// `max`/`min` of numbers or strings; null for an empty array.
fn extreme(call: &Call<'_, '_>, wanted: Ordering) -> Result<Value> {
    let Some(items) = call.value(0).as_array() else {
        return Ok(Value::Null);
    };
    let mut best: Option<&Value> = None;
    for item in items {
        best = match best {
            Some(current) if compare_scalars(item, current) != Some(wanted) => Some(current),
            _ => Some(item),
        };
    }
    Ok(best.cloned().unwrap_or(Value::Null))
}

/// Orders two numbers or two strings.
fn compare_scalars(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => as_f64(a)?.partial_cmp(&as_f64(b)?),
    }
}

/// Evaluates a key expression, with missing keys as null.
fn key_of(call: &Call<'_, '_>, node: &crate::parser::Node, item: &Value) -> Result<Value> {
    match call.interpreter.eval(node, item) {
        Err(error) if error.is_not_found() => Ok(Value::Null),
        other => Ok(other?.into_owned()),
    }
}

/// `max_by`/`min_by`, following go-jmespath: the first key decides whether all keys must be
/// numbers or strings.
fn extreme_by(call: &Call<'_, '_>, wanted: Ordering) -> Result<Value> {
    let (Some(items), Some(node)) = (call.value(0).as_array(), call.expref(1)) else {
        return Ok(Value::Null);
    };
    let Some(first) = items.first() else {
        return Ok(Value::Null);
    };
    if items.len() == 1 {
        return Ok(first.clone());
    }
    let first_key = key_of(call, node, first)?;
    let want_number = match first_key {
        Value::Number(_) => true,
        Value::String(_) => false,
        _ => return Err(call.error("invalid type, must be number of string")),
    };
    let mut best_key = first_key;
    let mut best = first;
    for item in items.iter().skip(1) {
        let key = key_of(call, node, item)?;
        if key.is_number() != want_number || !(key.is_number() || key.is_string()) {
            let expected = if want_number { "number" } else { "string" };
            return Err(call.error(format!("invalid type, must be {expected}")));
        }
        if compare_scalars(&key, &best_key) == Some(wanted) {
            best_key = key;
            best = item;
        }
    }
    Ok(best.clone())
}

fn merge(call: &Call<'_, '_>) -> Result<Value> {
    let mut merged = Map::new();
    for arg in &call.args {
        if let crate::runtime::Arg::Value(value) = arg {
            if let Value::Object(map) = value.as_ref() {
                for (key, value) in map {
                    merged.insert(key.clone(), value.clone());
                }
            }
        }
    }
    Ok(Value::Object(merged))
}

fn not_null(call: &Call<'_, '_>) -> Result<Value> {
    for index in 0..call.args.len() {
        let value = call.value(index);
        if !value.is_null() {
            return Ok(value.clone());
        }
    }
    Ok(Value::Null)
}

fn reverse(call: &Call<'_, '_>) -> Result<Value> {
    Ok(match call.value(0) {
        Value::String(s) => Value::String(s.chars().rev().collect()),
        Value::Array(items) => Value::Array(items.iter().rev().cloned().collect()),
        _ => Value::Null,
    })
}

fn sort(call: &Call<'_, '_>) -> Result<Value> {
    let mut items = call.value(0).as_array().cloned().unwrap_or_default();
    items.sort_by(|a, b| compare_scalars(a, b).unwrap_or(Ordering::Equal));
    Ok(Value::Array(items))
}

fn sort_by(call: &Call<'_, '_>) -> Result<Value> {
    let (Some(items), Some(node)) = (call.value(0).as_array(), call.expref(1)) else {
        return Ok(Value::Null);
    };
    if items.len() < 2 {
        return Ok(Value::Array(items.clone()));
    }
    let mut keyed = Vec::with_capacity(items.len());
    for item in items {
        // go-jmespath reports any failure while comparing as one error.
        let key = call
            .interpreter
            .eval(node, item)
            .map(|key| key.into_owned());
        keyed.push((key, item));
    }
    let want_number = match keyed.first().map(|(key, _)| key) {
        Some(Ok(Value::Number(_))) => true,
        Some(Ok(Value::String(_))) => false,
        Some(Err(error)) if !error.is_not_found() => return Err(error.clone()),
        _ => return Err(call.error("invalid type, must be number of string")),
    };
    let mut keys = Vec::with_capacity(keyed.len());
    for (key, item) in keyed {
        match key {
            Ok(key) if key.is_number() == want_number && (key.is_number() || key.is_string()) => {
                keys.push((key, item));
            }
            _ => return Err(call.error("error in sort_by comparison")),
        }
    }
    keys.sort_by(|a, b| compare_scalars(&a.0, &b.0).unwrap_or(Ordering::Equal));
    Ok(Value::Array(
        keys.into_iter().map(|(_, item)| item.clone()).collect(),
    ))
}

fn to_array(call: &Call<'_, '_>) -> Result<Value> {
    Ok(match call.value(0) {
        Value::Array(items) => Value::Array(items.clone()),
        other => Value::Array(vec![other.clone()]),
    })
}

fn to_string(call: &Call<'_, '_>) -> Result<Value> {
    Ok(match call.value(0) {
        Value::String(s) => Value::String(s.clone()),
        other => Value::String(go_json(other)),
    })
}

fn to_number(call: &Call<'_, '_>) -> Result<Value> {
    Ok(match call.value(0) {
        Value::Number(n) => Value::Number(n.clone()),
        Value::String(s) => parse_go_float(s).map_or(Value::Null, number),
        _ => Value::Null,
    })
}

/// Go's `strconv.ParseFloat(s, 64)` for decimal input; `None` where Go reports an error
/// (including out-of-range values).
pub(crate) fn parse_go_float(text: &str) -> Option<f64> {
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    let lower = body.to_ascii_lowercase();
    if lower.starts_with("0x") || lower.contains('_') {
        return None;
    }
    let value: f64 = text.parse().ok()?;
    if value.is_infinite() && !matches!(lower.as_str(), "inf" | "infinity") {
        return None;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use crate::functions::test_support::{error_with, eval_with};
    use crate::Runtime;
    use serde_json::{json, Value};

    fn eval(expression: &str, data: Value) -> Value {
        eval_with(&Runtime::standard(), expression, &data)
    }

    fn error(expression: &str, data: Value) -> String {
        error_with(&Runtime::standard(), expression, &data)
    }

    #[test]
    fn numeric_functions() {
        assert_eq!(eval("abs(`-1.5`)", json!(null)), json!(1.5));
        assert_eq!(eval("ceil(`1.2`)", json!(null)), json!(2));
        assert_eq!(eval("floor(`-1.2`)", json!(null)), json!(-2));
        assert_eq!(eval("avg(`[1, 2, 3, 4]`)", json!(null)), json!(2.5));
        assert_eq!(eval("avg(`[]`)", json!(null)), json!(null));
        assert_eq!(eval("sum(`[1, 2.5]`)", json!(null)), json!(3.5));
        assert_eq!(eval("sum(`[]`)", json!(null)), json!(0));
        assert_eq!(eval("max(`[1, 3, 2]`)", json!(null)), json!(3));
        assert_eq!(eval("min(`[\"b\", \"a\"]`)", json!(null)), json!("a"));
        assert_eq!(eval("max(`[]`)", json!(null)), json!(null));
    }

    #[test]
    fn collection_functions() {
        let data = json!({"people": [{"name": "b", "age": 30}, {"name": "a", "age": 20}, {"name": "c", "age": 25}]});
        assert_eq!(
            eval("sort_by(people, &age)[].name", data.clone()),
            json!(["a", "c", "b"])
        );
        assert_eq!(
            eval("sort_by(people, &name)[].name", data.clone()),
            json!(["a", "b", "c"])
        );
        assert_eq!(eval("max_by(people, &age).name", data.clone()), json!("b"));
        assert_eq!(eval("min_by(people, &age).name", data.clone()), json!("a"));
        assert_eq!(
            eval("map(&name, people)", data.clone()),
            json!(["b", "a", "c"])
        );
        assert_eq!(
            eval("map(&missing, people)", data.clone()),
            json!([null, null, null])
        );
        assert_eq!(eval("length(people)", data.clone()), json!(3));
        assert_eq!(eval("length('héllo')", json!(null)), json!(5));
        assert_eq!(eval("keys(@)", json!({"a": 1, "b": 2})), json!(["a", "b"]));
        assert_eq!(eval("values(@)", json!({"a": 1, "b": 2})), json!([1, 2]));
        assert_eq!(
            eval("merge(`{\"a\": 1}`, `{\"a\": 2, \"b\": 3}`)", json!(null)),
            json!({"a": 2, "b": 3})
        );
        assert_eq!(eval("not_null(a, b, `3`)", json!({"a": null})), json!(3));
        assert_eq!(eval("reverse('abc')", json!(null)), json!("cba"));
        assert_eq!(eval("reverse(`[1, 2]`)", json!(null)), json!([2, 1]));
        assert_eq!(eval("sort(`[3, 1, 2]`)", json!(null)), json!([1, 2, 3]));
        assert_eq!(
            eval("join(', ', `[\"a\", \"b\"]`)", json!(null)),
            json!("a, b")
        );
        assert_eq!(
            eval("contains(`[1, \"a\"]`, `1.0`)", json!(null)),
            json!(true)
        );
        assert_eq!(eval("contains('foobar', 'oba')", json!(null)), json!(true));
        assert_eq!(eval("contains('foobar', `1`)", json!(null)), json!(false));
        assert_eq!(
            eval("starts_with('foobar', 'foo')", json!(null)),
            json!(true)
        );
        assert_eq!(eval("ends_with('foobar', 'bar')", json!(null)), json!(true));
    }

    #[test]
    fn conversion_functions() {
        assert_eq!(eval("to_array(`1`)", json!(null)), json!([1]));
        assert_eq!(eval("to_array(`[1]`)", json!(null)), json!([1]));
        assert_eq!(
            eval("to_string(`{\"b\": 1, \"a\": \"<\"}`)", json!(null)),
            json!(r#"{"a":"\u003c","b":1}"#)
        );
        assert_eq!(eval("to_string('x')", json!(null)), json!("x"));
        assert_eq!(eval("to_string(missing)", json!({})), json!("null"));
        assert_eq!(eval("to_number('1.5')", json!(null)), json!(1.5));
        assert_eq!(eval("to_number('12')", json!(null)), json!(12));
        assert_eq!(eval("to_number('abc')", json!(null)), json!(null));
        assert_eq!(eval("to_number('1e400')", json!(null)), json!(null));
        assert_eq!(eval("to_number(`true`)", json!(null)), json!(null));
        assert_eq!(eval("type(@)", json!({})), json!("object"));
        assert_eq!(eval("type(`null`)", json!(null)), json!("null"));
    }

    #[test]
    fn type_and_arity_errors() {
        assert_eq!(
            error("length(`1`)", json!(null)),
            r#"Invalid type for: 1, expected: []jmespath.JpType{"string", "array", "object"}"#
        );
        assert_eq!(
            error("length(missing)", json!({})),
            r#"Invalid type for: <nil>, expected: []jmespath.JpType{"string", "array", "object"}"#
        );
        assert_eq!(
            error("length('a', 'b')", json!(null)),
            "incorrect number of args"
        );
        assert_eq!(error("not_null()", json!(null)), "Invalid arity.");
        assert_eq!(error("nope()", json!(null)), "unknown function: nope");
        assert_eq!(
            error("sort_by(`[1, \"a\"]`, &@)", json!(null)),
            "error in sort_by comparison"
        );
        assert_eq!(
            error("sort_by(`[true, false]`, &@)", json!(null)),
            "invalid type, must be number of string"
        );
        assert_eq!(
            error("max_by(`[1, \"a\"]`, &@)", json!(null)),
            "invalid type, must be number"
        );
    }
}
