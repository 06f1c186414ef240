//! `url()`: Go's `net/url` parsing as Kubernetes uses it (`url.ParseRequestURI` to validate,
//! `url.Parse` for the parts).

use std::fmt;

use super::{object, object_arg, Function};
use crate::error::{EvalError, EvalResult};
use crate::functions::str_arg;
use crate::objects::ObjectKind;
use crate::value::{Key, List, Map, Value};

/// The parts of a parsed URL.
#[derive(Debug, Clone)]
pub(crate) struct Url {
    scheme: String,
    opaque: String,
    host: String,
    path: String,
    raw_path: String,
    raw_query: String,
    /// The text as given, which `String()` would print for the URLs Kubernetes accepts.
    original: String,
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.original)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Path,
    Host,
    QueryComponent,
}

/// Characters Go leaves unescaped in a host (RFC 3986 sub-delimiters, `:`, brackets and a
/// few that appear in IPv6 zones).
const HOST_KEPT: &[u8] = b"!$&'()*+,;=:[]<>\"";
/// Reserved characters (RFC 3986 section 2.2).
const RESERVED: &[u8] = b"$&+,/:;=?@";
/// Characters a valid escaped path may contain besides unreserved ones and escapes.
const PATH_ALLOWED: &[u8] = b"!$&'()*+,;=:@[]%";

fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'~') {
        return false;
    }
    match mode {
        Mode::Host => !HOST_KEPT.contains(&c),
        // Paths keep every reserved character but `?`.
        Mode::Path => !RESERVED.contains(&c) || c == b'?',
        Mode::QueryComponent => true,
    }
}

fn escape_path(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s.as_bytes() {
        if should_escape(c, Mode::Path) {
            out.push_str(&format!("%{c:02X}"));
        } else {
            out.push(c as char);
        }
    }
    out
}

fn valid_encoded(s: &str) -> bool {
    s.bytes()
        .all(|c| PATH_ALLOWED.contains(&c) || !should_escape(c, Mode::Path))
}

fn unescape(s: &str, mode: Mode) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&c) = bytes.get(i) {
        match c {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok());
                let value = hex.and_then(|h| u8::from_str_radix(h, 16).ok());
                let Some(value) = value else {
                    let bad: String = s.get(i..(i + 3).min(s.len())).unwrap_or("%").to_string();
                    return Err(format!("invalid URL escape \"{bad}\""));
                };
                out.push(value);
                i += 3;
            }
            b'+' if mode == Mode::QueryComponent => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn valid_optional_port(port: &str) -> bool {
    port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|digits| digits.bytes().all(|c| c.is_ascii_digit()))
}

/// `getScheme`: `(scheme, rest)`; no scheme when the text does not start with one.
fn split_scheme(raw: &str) -> Result<(&str, &str), String> {
    for (i, c) in raw.bytes().enumerate() {
        match c {
            c if c.is_ascii_alphabetic() => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' if i > 0 => {}
            b':' if i == 0 => return Err("missing protocol scheme".into()),
            b':' => return Ok((raw.get(..i).unwrap_or(""), raw.get(i + 1..).unwrap_or(""))),
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

fn parse_host(host: &str) -> Result<String, String> {
    if host.starts_with('[') {
        let end = host.rfind(']').ok_or("missing ']' in host")?;
        let port = host.get(end + 1..).unwrap_or("");
        if !valid_optional_port(port) {
            return Err(format!("invalid port \"{port}\" after host"));
        }
    } else if let Some(colon) = host.rfind(':') {
        let port = host.get(colon..).unwrap_or("");
        if !valid_optional_port(port) {
            return Err(format!("invalid port \"{port}\" after host"));
        }
    }
    unescape(host, Mode::Host)
}

/// Go's `url.parse(raw, viaRequest)`.
fn parse_url(raw: &str, via_request: bool) -> Result<Url, String> {
    if raw.bytes().any(|c| c < 0x20 || c == 0x7f) {
        return Err("net/url: invalid control character in URL".into());
    }
    if raw.is_empty() && via_request {
        return Err("empty url".into());
    }
    let mut url = Url {
        scheme: String::new(),
        opaque: String::new(),
        host: String::new(),
        path: String::new(),
        raw_path: String::new(),
        raw_query: String::new(),
        original: raw.to_string(),
    };
    if raw == "*" {
        url.path = "*".into();
        return Ok(url);
    }
    let (scheme, mut rest) = split_scheme(raw)?;
    url.scheme = scheme.to_ascii_lowercase();
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        rest = rest.get(..rest.len() - 1).unwrap_or("");
    } else if let Some((head, query)) = rest.split_once('?') {
        url.raw_query = query.to_string();
        rest = head;
    }
    if !rest.starts_with('/') {
        if !url.scheme.is_empty() {
            url.opaque = rest.to_string();
            return Ok(url);
        }
        if via_request {
            return Err("invalid URI for request".into());
        }
        let segment = rest.split('/').next().unwrap_or("");
        if segment.contains(':') {
            return Err("first path segment in URL cannot contain colon".into());
        }
    }
    if (!url.scheme.is_empty() || !via_request && !rest.starts_with("///"))
        && rest.starts_with("//")
    {
        let after = rest.get(2..).unwrap_or("");
        let (authority, path) = match after.find('/') {
            Some(i) => (after.get(..i).unwrap_or(""), after.get(i..).unwrap_or("")),
            None => (after, ""),
        };
        let host = match authority.rfind('@') {
            Some(i) => authority.get(i + 1..).unwrap_or(""),
            None => authority,
        };
        url.host = parse_host(host)?;
        rest = path;
    }
    url.path = unescape(rest, Mode::Path)?;
    if escape_path(&url.path) != rest {
        url.raw_path = rest.to_string();
    }
    Ok(url)
}

/// `url(s)`: must be an absolute URI or an absolute path.
fn parse(raw: &str) -> Result<Url, String> {
    parse_url(raw, true).map_err(|e| {
        format!("URL parse error during conversion from string: parse \"{raw}\": {e}")
    })?;
    let without_fragment = raw.split_once('#').map_or(raw, |(u, _)| u);
    let mut url = parse_url(without_fragment, false).map_err(|e| {
        format!("URL parse error during conversion from string: parse \"{raw}\": {e}")
    })?;
    url.original = raw.to_string();
    Ok(url)
}

impl Url {
    fn hostname(&self) -> &str {
        let host = &self.host;
        if let Some(rest) = host.strip_prefix('[') {
            return rest.split(']').next().unwrap_or("");
        }
        match host.rfind(':') {
            Some(i) if valid_optional_port(host.get(i..).unwrap_or("")) => {
                host.get(..i).unwrap_or("")
            }
            _ => host,
        }
    }

    fn port(&self) -> &str {
        let host = &self.host;
        let after = match host.rfind(']') {
            Some(i) => host.get(i + 1..).unwrap_or(""),
            None => host.rfind(':').and_then(|i| host.get(i..)).unwrap_or(""),
        };
        match after.strip_prefix(':') {
            Some(port) if port.bytes().all(|c| c.is_ascii_digit()) => port,
            _ => "",
        }
    }

    fn escaped_path(&self) -> String {
        if !self.raw_path.is_empty()
            && valid_encoded(&self.raw_path)
            && unescape(&self.raw_path, Mode::Path).is_ok_and(|p| p == self.path)
        {
            return self.raw_path.clone();
        }
        if self.path == "*" {
            return "*".into();
        }
        escape_path(&self.path)
    }

    /// Go's `url.ParseQuery`: repeated keys collect their values; bad pairs are skipped.
    fn query(&self) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for pair in self.raw_query.split('&') {
            if pair.is_empty() || pair.contains(';') {
                continue;
            }
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let (Ok(key), Ok(value)) = (
                unescape(key, Mode::QueryComponent),
                unescape(value, Mode::QueryComponent),
            ) else {
                continue;
            };
            match out.iter_mut().find(|(k, _)| *k == key) {
                Some((_, values)) => values.push(value),
                None => out.push((key, vec![value])),
            }
        }
        out
    }
}

pub(crate) fn call<'a>(f: Function, args: &[Value<'a>]) -> EvalResult<Value<'a>> {
    if f == Function::Url {
        return parse(str_arg(args, 0)?)
            .map(|u| object(ObjectKind::Url(u)))
            .map_err(EvalError::msg);
    }
    if f == Function::IsUrl {
        return Ok(Value::Bool(parse_url(str_arg(args, 0)?, true).is_ok()));
    }
    let ObjectKind::Url(url) = object_arg(args, 0)? else {
        return Err(EvalError::NoSuchOverload);
    };
    Ok(match f {
        Function::GetScheme => Value::string(url.scheme.as_str()),
        Function::GetHost => Value::string(url.host.as_str()),
        Function::GetHostname => Value::string(url.hostname()),
        Function::GetPort => Value::string(url.port()),
        Function::GetEscapedPath => Value::string(url.escaped_path()),
        Function::GetQuery => {
            let entries = url
                .query()
                .into_iter()
                .map(|(k, values)| {
                    let list = List::from_vec(values.into_iter().map(Value::from).collect());
                    (Key::String(k.into()), Value::List(list))
                })
                .collect();
            Value::Map(Map::from_entries_unchecked(entries))
        }
        _ => return Err(EvalError::NoSuchOverload),
    })
}

/// Whether `url.ParseRequestURI` accepts the text (the `uri` named format).
pub(crate) fn request_uri_error(raw: &str) -> Option<String> {
    parse_url(raw, true)
        .err()
        .map(|e| format!("parse \"{raw}\": {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(raw: &str) -> Url {
        parse(raw).unwrap()
    }

    #[test]
    fn parts() {
        let url = u("https://user:pass@example.com:80/path?query=val#fragment");
        assert_eq!(url.scheme, "https");
        assert_eq!(url.host, "example.com:80");
        assert_eq!(url.hostname(), "example.com");
        assert_eq!(url.port(), "80");
        assert_eq!(url.escaped_path(), "/path");
        assert_eq!(u("/absolute-path").scheme, "");
        assert_eq!(u("https://[::1]:80/").hostname(), "::1");
        assert_eq!(u("https://[::1]:80/").host, "[::1]:80");
        assert_eq!(u("https://[::1]/").port(), "");
        assert_eq!(
            u("https://example.com/path with spaces/").escaped_path(),
            "/path%20with%20spaces/"
        );
        assert_eq!(u("https://example.com").escaped_path(), "");
        let q = u("https://example.com/path?k1=a&k2=b&k2=c").query();
        assert_eq!(
            q,
            vec![
                ("k1".into(), vec!["a".into()]),
                ("k2".into(), vec!["b".into(), "c".into()])
            ]
        );
        assert_eq!(
            u("https://example.com/path?key with spaces=value with spaces").query()[0].0,
            "key with spaces"
        );
    }

    #[test]
    fn rejects() {
        assert!(parse("https://a:b:c/").is_err());
        assert!(parse("../relative-path").is_err());
        assert!(parse_url("../relative-path", true).is_err());
    }
}
