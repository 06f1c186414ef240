//! Kyverno's string, regex, matching and conversion functions (`pkg/engine/jmespath/functions.go`).

use std::cmp::Ordering;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::functions::{iface_to_string, number_arg, string_arg};
use crate::goregex;
use crate::runtime::{ArgSpec, Call, JpType, Runtime};
use crate::value::json_equal;
use crate::wildcard;

use JpType::{Number, Object, String as Str};

pub(crate) fn register(runtime: &mut Runtime) {
    let strings = |n: usize| vec![ArgSpec::new(&[Str]); n];
    let regex_args = |n: usize| {
        let mut args = vec![ArgSpec::new(&[Str])];
        args.extend(vec![ArgSpec::new(&[Str, Number]); n - 1]);
        args
    };
    runtime.native("compare", strings(2), compare);
    runtime.native("equal_fold", strings(2), equal_fold);
    let mut replace_args = strings(3);
    replace_args.push(ArgSpec::new(&[Number]));
    runtime.native("replace", replace_args, replace);
    runtime.native("replace_all", strings(3), replace_all);
    runtime.native("to_upper", strings(1), |c| {
        Ok(map_chars(string_arg(c, 0)?, char::to_uppercase).into())
    });
    runtime.native("to_lower", strings(1), |c| {
        Ok(map_chars(string_arg(c, 0)?, char::to_lowercase).into())
    });
    runtime.native("trim", strings(2), |c| {
        let (text, cutset) = (string_arg(c, 0)?, string_arg(c, 1)?);
        Ok(text.trim_matches(|ch| cutset.contains(ch)).into())
    });
    runtime.native("trim_prefix", strings(2), |c| {
        let (text, prefix) = (string_arg(c, 0)?, string_arg(c, 1)?);
        Ok(text.strip_prefix(prefix).unwrap_or(text).into())
    });
    runtime.native("split", strings(2), split);
    runtime.native("regex_replace_all", regex_args(3), |c| {
        regex_replace(c, true)
    });
    runtime.native("regex_replace_all_literal", regex_args(3), |c| {
        regex_replace(c, false)
    });
    runtime.native("regex_match", regex_args(2), regex_match);
    runtime.native("pattern_match", regex_args(2), pattern_match);
    runtime.native(
        "label_match",
        vec![ArgSpec::new(&[Object]), ArgSpec::new(&[Object])],
        label_match,
    );
    runtime.native("to_boolean", strings(1), to_boolean);
}

fn compare(call: &Call<'_, '_>) -> Result<Value> {
    let (a, b) = (string_arg(call, 0)?, string_arg(call, 1)?);
    Ok(Value::from(match a.cmp(b) {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }))
}

/// Go's `strings.EqualFold`: equal under simple Unicode case folding.
fn equal_fold(call: &Call<'_, '_>) -> Result<Value> {
    let (a, b) = (string_arg(call, 0)?, string_arg(call, 1)?);
    let fold = |c: char| -> char {
        let mut lower = c.to_lowercase();
        match (lower.next(), lower.next()) {
            (Some(single), None) => single,
            _ => c,
        }
    };
    let equal = a.chars().count() == b.chars().count()
        && a.chars()
            .zip(b.chars())
            .all(|(x, y)| x == y || fold(x) == fold(y) || simple_upper(x) == simple_upper(y));
    Ok(Value::Bool(equal))
}

fn simple_upper(c: char) -> char {
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(single), None) => single,
        _ => c,
    }
}

/// Go's `strings.ToUpper`/`ToLower`: per-character simple mappings (no `ß` → `SS`).
fn map_chars<I: Iterator<Item = char>>(text: &str, mapping: fn(char) -> I) -> String {
    text.chars()
        .map(|c| {
            let mut mapped = mapping(c);
            match (mapped.next(), mapped.next()) {
                (Some(single), None) => single,
                _ => c,
            }
        })
        .collect()
}

fn replace(call: &Call<'_, '_>) -> Result<Value> {
    let (text, old, new) = (
        string_arg(call, 0)?,
        string_arg(call, 1)?,
        string_arg(call, 2)?,
    );
    let count = number_arg(call, 3)?;
    // Go converts with int(n): truncation toward zero; negative means all.
    let count = count as i64;
    if count < 0 {
        return Ok(text.replace(old, new).into());
    }
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    Ok(text.replacen(old, new, count).into())
}

fn replace_all(call: &Call<'_, '_>) -> Result<Value> {
    let (text, old, new) = (
        string_arg(call, 0)?,
        string_arg(call, 1)?,
        string_arg(call, 2)?,
    );
    Ok(text.replace(old, new).into())
}

/// Go's `strings.Split`: an empty separator splits into characters.
fn split(call: &Call<'_, '_>) -> Result<Value> {
    let (text, separator) = (string_arg(call, 0)?, string_arg(call, 1)?);
    let parts: Vec<Value> = if separator.is_empty() {
        text.chars().map(|c| Value::String(c.to_string())).collect()
    } else {
        text.split(separator).map(Value::from).collect()
    };
    Ok(Value::Array(parts))
}

fn string_or_real(call: &Call<'_, '_>, index: usize) -> Result<String> {
    iface_to_string(call.value(index))
        .ok_or_else(|| Error::kyverno_type(call.name, index + 1, "String or Real"))
}

fn regex_replace(call: &Call<'_, '_>, expand: bool) -> Result<Value> {
    let pattern = string_arg(call, 0)?;
    let source = string_or_real(call, 1)?;
    let replacement = string_or_real(call, 2)?;
    let regex = goregex::compile(pattern).map_err(|e| Error::kyverno(call.name, e))?;
    let result = if expand {
        regex.replace_all(&source, replacement.as_str())
    } else {
        regex.replace_all(&source, regex::NoExpand(&replacement))
    };
    Ok(result.into_owned().into())
}

fn regex_match(call: &Call<'_, '_>) -> Result<Value> {
    let pattern = string_arg(call, 0)?;
    let source = string_or_real(call, 1)?;
    // Kyverno returns regexp's own error here, without its prefix.
    let regex = goregex::compile(pattern).map_err(|e| call.error(e))?;
    Ok(Value::Bool(regex.is_match(&source)))
}

fn pattern_match(call: &Call<'_, '_>) -> Result<Value> {
    let pattern = string_arg(call, 0)?;
    let source = string_or_real(call, 1)?;
    Ok(Value::Bool(wildcard::matches(pattern, &source)))
}

fn label_match(call: &Call<'_, '_>) -> Result<Value> {
    let labels = call
        .value(0)
        .as_object()
        .ok_or_else(|| Error::kyverno_type(call.name, 0, "Object"))?;
    let target = call
        .value(1)
        .as_object()
        .ok_or_else(|| Error::kyverno_type(call.name, 1, "Object"))?;
    let matched = labels.iter().all(|(key, value)| {
        target
            .get(key)
            .is_some_and(|found| json_equal(found, value))
    });
    Ok(Value::Bool(matched))
}

fn to_boolean(call: &Call<'_, '_>) -> Result<Value> {
    let text = string_arg(call, 0)?;
    match text.to_lowercase().as_str() {
        "true" => Ok(Value::Bool(true)),
        "false" => Ok(Value::Bool(false)),
        _ => Err(Error::kyverno(
            call.name,
            format!("lowercase argument must be 'true' or 'false' (provided: '{text}')"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use crate::functions::test_support::{error, eval};
    use serde_json::json;

    #[test]
    fn string_functions() {
        assert_eq!(eval("compare('a', 'a')", json!(null)), json!(0));
        assert_eq!(eval("compare('a', 'b')", json!(null)), json!(-1));
        assert_eq!(eval("compare('b', 'a')", json!(null)), json!(1));
        assert_eq!(eval("equal_fold('Go', 'GO')", json!(null)), json!(true));
        assert_eq!(eval("equal_fold('a', 'b')", json!(null)), json!(false));
        assert_eq!(eval("equal_fold('1', 'b')", json!(null)), json!(false));
        assert_eq!(
            eval(
                "replace('Lorem ipsum ipsum ipsum dolor sit amet', 'ipsum', 'muspi', `-1`)",
                json!(null)
            ),
            json!("Lorem muspi muspi muspi dolor sit amet")
        );
        assert_eq!(
            eval(
                "replace('Lorem ipsum ipsum ipsum dolor sit amet', 'ipsum', 'muspi', `1`)",
                json!(null)
            ),
            json!("Lorem muspi ipsum ipsum dolor sit amet")
        );
        assert_eq!(
            eval("replace('abc', '', '-', `2`)", json!(null)),
            json!("-a-bc")
        );
        assert_eq!(
            eval(
                "replace_all('Lorem ipsum dolor sit amet', 'ipsum', 'muspi')",
                json!(null)
            ),
            json!("Lorem muspi dolor sit amet")
        );
        assert_eq!(
            eval("to_upper('a#%&123Bc')", json!(null)),
            json!("A#%&123BC")
        );
        assert_eq!(
            eval("to_lower('A#%&123BC')", json!(null)),
            json!("a#%&123bc")
        );
        assert_eq!(eval("to_upper('straße')", json!(null)), json!("STRAßE"));
        assert_eq!(
            eval("trim('¡¡¡Hello, Gophers!!!', '!¡')", json!(null)),
            json!("Hello, Gophers")
        );
        assert_eq!(
            eval(
                "trim_prefix('¡¡¡Hello, Gophers!!!', '¡¡¡Hello, ')",
                json!(null)
            ),
            json!("Gophers!!!")
        );
        assert_eq!(
            eval(
                "trim_prefix('¡¡¡Hello, Gophers!!!', '¡¡¡Hola, ')",
                json!(null)
            ),
            json!("¡¡¡Hello, Gophers!!!")
        );
        assert_eq!(
            eval("split('Hello, Gophers', ', ')", json!(null)),
            json!(["Hello", "Gophers"])
        );
        assert_eq!(
            eval("split('abc', '')", json!(null)),
            json!(["a", "b", "c"])
        );
        assert_eq!(eval("split('', ',')", json!(null)), json!([""]));
        assert_eq!(
            eval("split('a,b,', ',')", json!(null)),
            json!(["a", "b", ""])
        );
    }

    #[test]
    fn regex_functions() {
        let data = json!({"foo": "hgf'b1a2r'b12g", "num": -12.0, "spec": {"field": "Hello world, helworldlo"}});
        assert_eq!(eval("regex_match('12.*', foo)", data.clone()), json!(true));
        assert_eq!(
            eval("regex_match('12.*', abs(num))", data.clone()),
            json!(true)
        );
        assert_eq!(
            eval("regex_match('^[0-9]+$', `123456789`)", data.clone()),
            json!(true)
        );
        assert_eq!(
            eval("regex_match('^123456790$', `123456789`)", data.clone()),
            json!(true)
        );
        assert_eq!(eval("regex_match('\\d', '٣')", data.clone()), json!(false));
        assert_eq!(
            eval(
                "regex_replace_all('([Hh]e|G)l', spec.field, '${2}G')",
                data.clone()
            ),
            json!("Glo world, Gworldlo")
        );
        assert_eq!(
            eval(
                "regex_replace_all_literal('[Hh]el?', spec.field, 'G')",
                data.clone()
            ),
            json!("Glo world, Gworldlo")
        );
        assert_eq!(
            eval("regex_replace_all('(a)(b)', 'ab', '$2$1')", data.clone()),
            json!("ba")
        );
        assert_eq!(
            eval("regex_replace_all_literal('a', 'aa', '$1')", data.clone()),
            json!("$1$1")
        );
        assert!(error("regex_match('(', 'x')").starts_with("error parsing regexp: "));
        assert!(error("regex_replace_all('(', 'x', 'y')")
            .starts_with("JMESPath function 'regex_replace_all': error parsing regexp: "));
        assert_eq!(
            error("regex_match('a', `true`)"),
            r#"Invalid type for: true, expected: []jmespath.JpType{"string", "number"}"#
        );
    }

    #[test]
    fn matching_functions() {
        assert_eq!(
            eval("pattern_match('prefix-*', 'prefix-foo')", json!(null)),
            json!(true)
        );
        assert_eq!(
            eval("pattern_match('12*', abs(`-12`))", json!(null)),
            json!(true)
        );
        assert_eq!(
            eval("pattern_match('a?c', 'abc')", json!(null)),
            json!(true)
        );
        assert_eq!(
            eval("pattern_match('a?c', 'ac')", json!(null)),
            json!(false)
        );
        let labels = json!({"metadata": {"labels": {"app": "test-app", "controller-name": "test-controller"}}});
        for (test, expected) in [
            (r#"{ "app": "test-app" }"#, true),
            (
                r#"{ "app": "test-app", "controller-name": "test-controller" }"#,
                true,
            ),
            (r#"{ "app": "test-app2" }"#, false),
            (r#"{ "app.kubernetes.io/name": "test-app" }"#, false),
        ] {
            let expression = format!("label_match(`{test}`, metadata.labels)");
            assert_eq!(eval(&expression, labels.clone()), json!(expected), "{test}");
        }
    }

    #[test]
    fn to_boolean() {
        for (text, expected) in [
            ("true", true),
            ("TRue", true),
            ("FaLse", false),
            ("false", false),
        ] {
            assert_eq!(
                eval(&format!("to_boolean('{text}')"), json!(null)),
                json!(expected)
            );
        }
        assert_eq!(
            error("to_boolean('foo')"),
            "JMESPath function 'to_boolean': lowercase argument must be 'true' or 'false' (provided: 'foo')"
        );
        assert!(error("to_boolean(`1`)").starts_with("Invalid type for: 1"));
    }
}
