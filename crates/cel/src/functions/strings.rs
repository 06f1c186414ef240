//! cel-go's strings extension (version 2 and `reverse`), indexed by code points, plus
//! Kubernetes' `find` and `findAll`.

use super::{arg, int_arg, str_arg, Builtin};
use crate::cost::{regex as regex_cost, traversal};
use crate::error::{EvalError, EvalResult};
use crate::interp::Eval;
use crate::value::{List, Value};

pub(super) fn call<'a>(
    ev: &mut Eval<'_, 'a>,
    f: Builtin,
    args: &[Value<'a>],
) -> EvalResult<Value<'a>> {
    let receiver = arg(args, 0)?;
    if let (Builtin::Reverse, Value::List(_)) = (f, receiver) {
        return super::lists::call(ev, f, args);
    }
    if let (Builtin::IndexOf | Builtin::LastIndexOf, Value::List(_)) = (f, receiver) {
        return super::lists::call(ev, f, args);
    }
    if f == Builtin::Join {
        return join(ev, args);
    }
    if f == Builtin::Quote {
        let text = str_arg(args, 0)?;
        ev.charge(1 + traversal(receiver.cost_size()))?;
        return Ok(Value::string(quote(text)));
    }
    let text = str_arg(args, 0)?;
    let size = receiver.cost_size();
    let cost = match f {
        Builtin::Replace | Builtin::Split => traversal(size.saturating_mul(2)),
        Builtin::Find
        | Builtin::FindAll
        | Builtin::RegexReplace
        | Builtin::RegexExtract
        | Builtin::RegexExtractAll => regex_cost(size, arg(args, 1)?.cost_size()),
        Builtin::IndexOf | Builtin::LastIndexOf => traversal_bytes(text.len()),
        Builtin::CharAt => 2 + traversal(size),
        _ => traversal(size),
    };
    ev.charge(cost.max(1))?;
    let result = match f {
        Builtin::CharAt => char_at(text, int_arg(args, 1)?)?,
        Builtin::IndexOf => Value::Int(index_of(text, str_arg(args, 1)?, offset(args)?)?),
        Builtin::LastIndexOf => Value::Int(last_index_of(text, str_arg(args, 1)?, offset(args)?)?),
        Builtin::LowerAscii => Value::string(text.to_ascii_lowercase()),
        Builtin::UpperAscii => Value::string(text.to_ascii_uppercase()),
        Builtin::Replace => {
            let (old, new) = (str_arg(args, 1)?, str_arg(args, 2)?);
            let limit = match args.get(3) {
                Some(_) => int_arg(args, 3)?,
                None => -1,
            };
            // Kubernetes charges only the input; the output is bounded here so that a
            // replacement cannot allocate more than the remaining budget could traverse.
            let matches = if old.is_empty() {
                text.chars().count() + 1
            } else {
                text.matches(old).count()
            };
            let matches = usize::try_from(limit).map_or(matches, |n| n.min(matches));
            ev.charge_allocation(matches.saturating_mul(new.len()))?;
            let replaced = match usize::try_from(limit) {
                Ok(n) => text.replacen(old, new, n),
                Err(_) => text.replace(old, new),
            };
            Value::string(replaced)
        }
        Builtin::Split => {
            let limit = match args.get(2) {
                Some(_) => int_arg(args, 2)?,
                None => -1,
            };
            let result = split(text, str_arg(args, 1)?, limit);
            if let Value::List(pieces) = &result {
                ev.charge_allocation(
                    pieces
                        .len()
                        .saturating_mul(std::mem::size_of::<Value<'_>>()),
                )?;
            }
            result
        }
        Builtin::Substring => substring(text, int_arg(args, 1)?, args.get(2))?,
        Builtin::Trim => Value::string(text.trim_matches(char::is_whitespace)),
        Builtin::Reverse => Value::string(text.chars().rev().collect::<String>()),
        Builtin::Find => {
            let regex = super::standard::compile_regex(str_arg(args, 1)?)
                .map_err(|e| EvalError::msg(format!("Illegal regex: {e}")))?;
            Value::string(regex.find(text).map_or("", |m| m.as_str()))
        }
        Builtin::FindAll => {
            let regex = super::standard::compile_regex(str_arg(args, 1)?)
                .map_err(|e| EvalError::msg(format!("Illegal regex: {e}")))?;
            let limit = match args.get(2) {
                Some(_) => int_arg(args, 2)?,
                None => -1,
            };
            find_all(&regex, text, limit)
        }
        Builtin::RegexReplace => {
            let regex = super::standard::compile_regex(str_arg(args, 1)?)?;
            let limit = match args.get(3) {
                Some(_) => int_arg(args, 3)?,
                None => -1,
            };
            let replaced = regex_replace(&regex, text, str_arg(args, 2)?, limit)?;
            ev.charge_allocation(replaced.len())?;
            Value::string(replaced)
        }
        Builtin::RegexExtract | Builtin::RegexExtractAll => {
            let pattern = str_arg(args, 1)?;
            let regex = super::standard::compile_regex(pattern)?;
            if regex.captures_len() > 2 {
                return Err(EvalError::msg(format!(
                    "regular expression has more than one capturing group: {}",
                    super::go_quote(pattern)
                )));
            }
            let extracted = extracts(&regex, text);
            let grouped = regex.captures_len() == 2;
            if f == Builtin::RegexExtract {
                match extracted.into_iter().next() {
                    Some(Some(s)) if !grouped || !s.is_empty() => {
                        Value::optional_of(Value::string(s))
                    }
                    _ => Value::optional_none(),
                }
            } else {
                let items = extracted
                    .into_iter()
                    .flatten()
                    .filter(|s| !grouped || !s.is_empty())
                    .map(Value::from)
                    .collect();
                Value::list(items)
            }
        }
        _ => return Err(EvalError::NoSuchOverload),
    };
    Ok(result)
}

/// Kubernetes charges `indexOf` on strings by byte length (`traversalCost`).
fn traversal_bytes(len: usize) -> u64 {
    (len as f64 * 0.1) as u64
}

fn offset(args: &[Value<'_>]) -> EvalResult<Option<i64>> {
    match args.get(2) {
        None => Ok(None),
        Some(Value::Int(i)) => Ok(Some(*i)),
        Some(_) => Err(EvalError::NoSuchOverload),
    }
}

fn out_of_range(i: i64) -> EvalError {
    EvalError::msg(format!("index out of range: {i}"))
}

fn char_at(text: &str, index: i64) -> EvalResult<Value<'static>> {
    let count = text.chars().count() as i64;
    if index < 0 || index > count {
        return Err(out_of_range(index));
    }
    let c = usize::try_from(index)
        .ok()
        .and_then(|i| text.chars().nth(i));
    Ok(Value::string(c.map(String::from).unwrap_or_default()))
}

fn find_runes(runes: &[char], sub: &[char], at: usize) -> bool {
    runes
        .get(at..at + sub.len())
        .is_some_and(|window| window == sub)
}

/// `indexOf` as the cel-go releases Kubernetes uses define it: an offset past the end is an
/// error unless the searched string is empty.
fn index_of(text: &str, sub: &str, offset: Option<i64>) -> EvalResult<i64> {
    let off = offset.unwrap_or(0);
    if sub.is_empty() {
        return Ok(off);
    }
    let runes: Vec<char> = text.chars().collect();
    let len = runes.len() as i64;
    if off < 0 || off >= len {
        return Err(out_of_range(off));
    }
    let sub: Vec<char> = sub.chars().collect();
    let start = off as usize;
    let end = runes.len().saturating_sub(sub.len().saturating_sub(1));
    Ok((start..end)
        .find(|i| find_runes(&runes, &sub, *i))
        .map_or(-1, |i| i as i64))
}

fn last_index_of(text: &str, sub: &str, offset: Option<i64>) -> EvalResult<i64> {
    let runes: Vec<char> = text.chars().collect();
    let len = runes.len() as i64;
    let off = match offset {
        None => {
            if sub.is_empty() {
                return Ok(len);
            }
            if text.len() < sub.len() {
                return Ok(-1);
            }
            len - 1
        }
        Some(off) => off,
    };
    if sub.is_empty() {
        return Ok(off);
    }
    if off < 0 || off >= len {
        return Err(out_of_range(off));
    }
    let sub: Vec<char> = sub.chars().collect();
    let last_start = len - sub.len() as i64;
    let mut i = off.min(last_start);
    while i >= 0 {
        if find_runes(&runes, &sub, i as usize) {
            return Ok(i);
        }
        i -= 1;
    }
    Ok(-1)
}

/// Go's `strings.SplitN`.
fn split(text: &str, sep: &str, limit: i64) -> Value<'static> {
    if limit == 0 {
        return Value::list(Vec::new());
    }
    let parts: Vec<Value<'static>> = if sep.is_empty() {
        let chars: Vec<char> = text.chars().collect();
        let n = if limit < 0 {
            chars.len()
        } else {
            chars.len().min(limit as usize)
        };
        let mut parts: Vec<Value<'static>> = chars
            .iter()
            .take(n.saturating_sub(1))
            .map(|c| Value::string(c.to_string()))
            .collect();
        if n > 0 {
            let rest: String = chars.iter().skip(n - 1).collect();
            parts.push(Value::string(rest));
        }
        parts
    } else if limit < 0 {
        text.split(sep).map(Value::from).collect()
    } else {
        text.splitn(limit as usize, sep).map(Value::from).collect()
    };
    Value::list(parts)
}

fn substring(text: &str, start: i64, end: Option<&Value<'_>>) -> EvalResult<Value<'static>> {
    let runes: Vec<char> = text.chars().collect();
    let len = runes.len() as i64;
    let end = match end {
        None => len,
        Some(Value::Int(e)) => *e,
        Some(_) => return Err(EvalError::NoSuchOverload),
    };
    if start > end {
        return Err(EvalError::msg(format!(
            "invalid substring range. start: {start}, end: {end}"
        )));
    }
    if start < 0 || start > len {
        return Err(out_of_range(start));
    }
    if end < 0 || end > len {
        return Err(out_of_range(end));
    }
    let part: String = runes
        .get(start as usize..end as usize)
        .unwrap_or(&[])
        .iter()
        .collect();
    Ok(Value::string(part))
}

fn join<'a>(ev: &mut Eval<'_, 'a>, args: &[Value<'a>]) -> EvalResult<Value<'a>> {
    let Value::List(items) = arg(args, 0)? else {
        return Err(EvalError::NoSuchOverload);
    };
    let sep = match args.get(1) {
        None => "",
        Some(_) => str_arg(args, 1)?,
    };
    let mut total = 0usize;
    for item in items.iter() {
        if let Value::String(s) = &item {
            total = total
                .saturating_add(s.as_str().len())
                .saturating_add(sep.len());
        }
    }
    ev.ensure_budget(traversal((total as u64).saturating_mul(2)))?;
    let mut out = String::with_capacity(total);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        match &item {
            Value::String(s) => out.push_str(s.as_str()),
            other => {
                return Err(EvalError::msg(format!(
                    "join: invalid input: {}",
                    super::debug_string(other)
                )))
            }
        }
    }
    ev.charge(traversal((out.chars().count() as u64).saturating_mul(2)).max(1))?;
    Ok(Value::string(out))
}

/// The escape of a character both `strings.quote` and Go's `%q` write as a letter escape
/// (`\n`, `\"`...).
pub(crate) fn letter_escape(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{7}' => "\\a",
        '\u{8}' => "\\b",
        '\u{c}' => "\\f",
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        '\u{b}' => "\\v",
        '\\' => "\\\\",
        '"' => "\\\"",
        _ => return None,
    })
}

/// `strings.quote`: a double-quoted string with escapes.
pub(crate) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match letter_escape(c) {
            Some(escape) => out.push_str(escape),
            None => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The match spans of `regex` in `text`, Go style: empty matches right after a previous match
/// are skipped.
fn go_matches<'t>(regex: &regex::Regex, text: &'t str) -> Vec<regex::Captures<'t>> {
    let mut out: Vec<regex::Captures<'t>> = Vec::new();
    let mut previous_end = None;
    for caps in regex.captures_iter(text) {
        let Some(whole) = caps.get(0) else { continue };
        if whole.is_empty() && previous_end == Some(whole.start()) {
            continue;
        }
        previous_end = Some(whole.end());
        out.push(caps);
    }
    out
}

/// For each match: the first group's text if the pattern has a group (`None` when it did not
/// participate), else the whole match.
fn extracts(regex: &regex::Regex, text: &str) -> Vec<Option<String>> {
    let group = usize::from(regex.captures_len() > 1);
    go_matches(regex, text)
        .iter()
        .map(|caps| caps.get(group).map(|m| m.as_str().to_string()))
        .collect()
}

/// `regex.replace`: replacements may refer to groups as `\1`...`\9`; `\\` is a backslash.
fn regex_replace(
    regex: &regex::Regex,
    text: &str,
    replacement: &str,
    limit: i64,
) -> EvalResult<String> {
    if limit == 0 {
        return Ok(text.to_string());
    }
    let groups = regex.captures_len() - 1;
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (n, caps) in go_matches(regex, text).iter().enumerate() {
        if limit > 0 && n as i64 >= limit {
            break;
        }
        let Some(whole) = caps.get(0) else { continue };
        out.push_str(text.get(last..whole.start()).unwrap_or(""));
        let mut chars = replacement.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                None => {
                    return Err(EvalError::msg(format!(
                        "invalid replacement string: '{replacement}' \\ not allowed at end"
                    )))
                }
                Some('\\') => out.push('\\'),
                Some(d) => {
                    let index = d.to_digit(10).ok_or_else(|| {
                        EvalError::msg(format!(
                            "invalid replacement string: '{replacement}' \\ must be followed by a digit or \\"
                        ))
                    })? as usize;
                    if index > groups {
                        return Err(EvalError::msg(format!(
                            "replacement string references group {index} but regex has only {groups} group(s)"
                        )));
                    }
                    if let Some(m) = caps.get(index) {
                        out.push_str(m.as_str());
                    }
                }
            }
        }
        last = whole.end();
    }
    out.push_str(text.get(last..).unwrap_or(""));
    Ok(out)
}

/// Go's `regexp.FindAllString(text, limit)`: a negative limit means all matches; empty
/// matches directly after a previous match are skipped.
pub(crate) fn find_all(regex: &regex::Regex, text: &str, limit: i64) -> Value<'static> {
    let mut out = Vec::new();
    let mut previous_end = None;
    for m in regex.find_iter(text) {
        if limit >= 0 && out.len() as i64 >= limit {
            break;
        }
        if m.is_empty() && previous_end == Some(m.start()) {
            continue;
        }
        previous_end = Some(m.end());
        out.push(Value::string(m.as_str()));
    }
    Value::List(List::from_vec(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_functions() {
        assert_eq!(index_of("hello mellow", "", None).unwrap(), 0);
        assert_eq!(index_of("hello mellow", "ello", None).unwrap(), 1);
        assert_eq!(index_of("hello mellow", "jello", None).unwrap(), -1);
        assert_eq!(index_of("hello mellow", "", Some(2)).unwrap(), 2);
        assert_eq!(index_of("hello mellow", "ello", Some(2)).unwrap(), 7);
        assert!(index_of("hello mellow", "ello", Some(20)).is_err());
        assert!(index_of("hello mellow", "ello", Some(-1)).is_err());
        assert_eq!(last_index_of("hello mellow", "", None).unwrap(), 12);
        assert_eq!(last_index_of("hello mellow", "ello", None).unwrap(), 7);
        assert_eq!(last_index_of("hello mellow", "jello", None).unwrap(), -1);
        assert_eq!(last_index_of("hello mellow", "ello", Some(6)).unwrap(), 1);
        assert!(last_index_of("hello mellow", "ello", Some(20)).is_err());
        assert!(last_index_of("hello mellow", "ello", Some(-1)).is_err());
        assert_eq!(index_of("ta©o©αT", "©", Some(3)).unwrap(), 4);
    }

    #[test]
    fn split_like_go() {
        let strings = |v: Value<'_>| -> Vec<String> {
            match v {
                Value::List(l) => l.iter().map(|s| s.as_str().unwrap().to_string()).collect(),
                _ => panic!(),
            }
        };
        assert_eq!(strings(split("a b c", " ", -1)), ["a", "b", "c"]);
        assert_eq!(strings(split("a b c", " ", 0)), Vec::<String>::new());
        assert_eq!(strings(split("a b c", " ", 2)), ["a", "b c"]);
        assert_eq!(strings(split("abc", "", -1)), ["a", "b", "c"]);
        assert_eq!(strings(split("abc", "", 2)), ["a", "bc"]);
        assert_eq!(strings(split("", ",", -1)), [""]);
    }

    #[test]
    fn find_all_like_go() {
        let regex = regex::Regex::new("[0-9]*").unwrap();
        let found = find_all(&regex, "123 abc 456", -1);
        let Value::List(items) = found else { panic!() };
        let items: Vec<String> = items
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert_eq!(items, ["123", "", "", "", "", "456"]);
    }
}
