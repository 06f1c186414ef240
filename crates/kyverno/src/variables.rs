//! `{{ }}` variable substitution over documents, as Kyverno does it: every string leaf and
//! every map key; a string that is exactly one variable takes the variable's typed value;
//! variables inside longer strings are spliced in as text (JSON for non-strings); nested
//! variables resolve from the inside out; `\{{` escapes.

use crate::context::{Context, EntryLoader};
use crate::value::to_go_json;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Passes over one string before giving up (a variable whose value holds itself).
const MAX_PASSES: usize = 64;

/// A variable token found in a string.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    /// The character before `{{`, when the match included one (Go's `[^\\]` prefix).
    prefix: Option<char>,
    /// `{{ ... }}`.
    text: String,
}

/// Finds the variable tokens Kyverno's `RegexVariables` finds, left to right, without overlap.
fn find_tokens(s: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    // A token at the very start has no prefix character.
    let mut search_from = 0usize;
    if let Some(end) = token_end(s, 0) {
        tokens.push(Token {
            prefix: None,
            text: s.get(..end).unwrap_or_default().to_owned(),
        });
        search_from = end;
    }
    // Elsewhere a token follows one character other than a backslash, and that character
    // lies at or after the end of the previous token.
    let mut at = search_from;
    while let Some(offset) = s.get(at..).and_then(token_start) {
        let start = at + offset;
        let prefix = s
            .get(search_from..start)
            .and_then(|before| before.chars().next_back());
        match (prefix, token_end(s, start)) {
            (Some(c), Some(end)) if c != '\\' => {
                tokens.push(Token {
                    prefix: Some(c),
                    text: s.get(start..end).unwrap_or_default().to_owned(),
                });
                search_from = end;
                at = end;
            }
            _ => at = start + 1,
        }
    }
    tokens
}

/// The byte offset of the first `{{` (a byte scan: `str::find` sets up a two-way searcher
/// per call, which costs more than the short strings it scans).
fn token_start(s: &str) -> Option<usize> {
    s.as_bytes().windows(2).position(|w| w == b"{{")
}

fn token_end(s: &str, start: usize) -> Option<usize> {
    let bytes = s.as_bytes();
    if bytes.get(start..start + 2) != Some(b"{{") {
        return None;
    }
    let mut i = start + 2;
    loop {
        match bytes.get(i)? {
            b'}' => break,
            b'{' => {
                let mut j = i + 1;
                loop {
                    match bytes.get(j)? {
                        b'}' => break,
                        b'{' => return None,
                        _ => j += 1,
                    }
                }
                i = j + 1;
            }
            _ => i += 1,
        }
    }
    (bytes.get(i..i + 2) == Some(b"}}")).then_some(i + 2)
}

/// The expression inside a token and whether it is a shallow (`{{- ...}}`) substitution.
fn expression_of(token: &str) -> (String, bool) {
    let inner = token.replace("{{", "").replace("}}", "");
    let inner = inner.trim();
    match inner.strip_prefix('-') {
        Some(rest) => (rest.trim().to_owned(), true),
        None => (inner.to_owned(), false),
    }
}

/// Like [`substitute_all`], but borrows `document` when it holds no variables, which is
/// the common case on the hot path (patterns and condition operands).
pub(crate) fn substitute_cow<'d>(
    document: &'d Value,
    context: &mut Context,
    loader: &dyn EntryLoader,
) -> Result<Cow<'d, Value>, String> {
    if has_variables(document) {
        substitute_at(document, "", context, loader).map(Cow::Owned)
    } else {
        Ok(Cow::Borrowed(document))
    }
}

/// Substitutes variables in a whole document (keys and string leaves).
pub(crate) fn substitute_all(
    document: &Value,
    context: &mut Context,
    loader: &dyn EntryLoader,
) -> Result<Value, String> {
    if !has_variables(document) {
        return Ok(document.clone());
    }
    substitute_at(document, "", context, loader)
}

fn substitute_at(
    element: &Value,
    path: &str,
    context: &mut Context,
    loader: &dyn EntryLoader,
) -> Result<Value, String> {
    match element {
        Value::String(s) => {
            let substituted = substitute_string(s, path, context, loader)?;
            match substituted {
                // A variable that produced a collection: substitute inside it too.
                Value::Object(_) | Value::Array(_) => {
                    substitute_at(&substituted, path, context, loader)
                }
                other => Ok(other),
            }
        }
        Value::Object(map) => {
            let mut out = Map::with_capacity(map.len());
            for (key, value) in map {
                let new_key = match substitute_string(key, path, context, loader)? {
                    Value::String(s) => s,
                    Value::Null => key.clone(),
                    _ => {
                        return Err(format!(
                            "expected string after substituting variables in key \"{key}\""
                        ))
                    }
                };
                let child_path = format!("{path}/{}", key.replace('/', "\\/"));
                let new_value = substitute_at(value, &child_path, context, loader)?;
                out.insert(new_key, new_value);
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(index, item)| substitute_at(item, &format!("{path}/{index}"), context, loader))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        other => Ok(other.clone()),
    }
}

/// Substitutes the variables of one string. Returns the typed value when the string is a
/// single variable.
pub(crate) fn substitute_string(
    s: &str,
    path: &str,
    context: &mut Context,
    loader: &dyn EntryLoader,
) -> Result<Value, String> {
    if token_start(s).is_none() {
        return Ok(Value::String(s.to_owned()));
    }
    let mut value = s.to_owned();
    let mut tokens = find_tokens(&value);
    let mut passes = 0;
    while !tokens.is_empty() {
        passes += 1;
        if passes > MAX_PASSES {
            return Err(format!("variable substitution in {s:?} does not terminate"));
        }
        let original = value.clone();
        let mut shallow = false;
        for token in &tokens {
            let (mut variable, is_shallow) = expression_of(&token.text);
            shallow = is_shallow;
            if variable == "@" {
                return Err(format!(
                    "failed to resolve {variable} at path {path}: the {{{{@}}}} variable is only supported in mutate rules"
                ));
            }
            if context.operation() == "DELETE" {
                variable = variable.replace("request.object", "request.oldObject");
            }
            let resolved = context
                .query(&variable, loader)
                .map_err(|e| format!("failed to resolve {variable} at path {path}: {e}"))?;
            if original == token.text {
                return Ok(resolved);
            }
            let text = match &resolved {
                Value::String(text) if shallow => text.replace("{{", "\\{{"),
                Value::String(text) => text.clone(),
                other => to_go_json(other),
            };
            let prefix: String = token.prefix.map(String::from).unwrap_or_default();
            let needle = format!("{prefix}{}", token.text);
            let replacement = format!("{prefix}{text}");
            value = value.replacen(&needle, &replacement, 1);
        }
        tokens = if shallow {
            Vec::new()
        } else {
            find_tokens(&value)
        };
    }
    Ok(Value::String(value.replace("\\{{", "{{")))
}

/// Whether a document has any `{{` in a string or key (else substitution is a no-op).
pub(crate) fn has_variables(value: &Value) -> bool {
    match value {
        Value::String(s) => token_start(s).is_some(),
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| token_start(k).is_some() || has_variables(v)),
        Value::Array(items) => items.iter().any(has_variables),
        _ => false,
    }
}

/// Every variable expression in a string (for validity checks).
pub(crate) fn variables_in(s: &str) -> Vec<String> {
    find_tokens(s)
        .into_iter()
        .map(|t| expression_of(&t.text).0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::NoEntries;
    use serde_json::json;

    fn context() -> Context {
        let root = json!({
            "request": {"operation": "CREATE", "object": {"metadata": {"name": "web", "labels": {"app": "x"}}, "spec": {"replicas": 3}}},
            "list": ["a", "b"],
        });
        Context::new(root.as_object().unwrap().clone())
    }

    fn sub(s: &str) -> Result<Value, String> {
        substitute_string(s, "/x", &mut context(), &NoEntries)
    }

    #[test]
    fn tokens_are_found_like_the_regex() {
        let texts: Vec<String> = find_tokens("a {{b}} \\{{c}} {{d}}{{e}}")
            .into_iter()
            .map(|t| t.text)
            .collect();
        assert_eq!(texts, ["{{b}}", "{{d}}"]);
        assert_eq!(
            find_tokens("{{ regex_match('^[a-z]{3}$', 'abc') }}").len(),
            1
        );
        assert!(find_tokens("{{ a {{b}} }}")
            .iter()
            .all(|t| t.text == "{{b}}"));
    }

    #[test]
    fn whole_values_keep_their_type() {
        assert_eq!(sub("{{request.object.spec.replicas}}").unwrap(), json!(3));
        assert_eq!(sub("{{ list }}").unwrap(), json!(["a", "b"]));
        assert_eq!(
            sub("n={{request.object.spec.replicas}}").unwrap(),
            json!("n=3")
        );
        assert_eq!(sub("{{list}}!").unwrap(), json!("[\"a\",\"b\"]!"));
        assert_eq!(
            sub("{{request.object.metadata.name}}{{request.operation}}").unwrap(),
            json!("webCREATE")
        );
        assert_eq!(
            sub("\\{{request.operation}}").unwrap(),
            json!("{{request.operation}}")
        );
    }

    #[test]
    fn missing_keys_are_errors_and_defaults_rescue_them() {
        let err = sub("{{request.object.metadata.labels.team}}").unwrap_err();
        assert!(err.starts_with("failed to resolve request.object.metadata.labels.team at path /x: JMESPath query failed:"), "{err}");
        assert_eq!(
            sub("{{request.object.metadata.labels.team || 'none'}}").unwrap(),
            json!("none")
        );
    }

    #[test]
    fn keys_are_substituted_too() {
        let doc = json!({"{{request.object.metadata.name}}": "{{request.operation}}"});
        assert_eq!(
            substitute_all(&doc, &mut context(), &NoEntries).unwrap(),
            json!({"web": "CREATE"})
        );
    }
}
