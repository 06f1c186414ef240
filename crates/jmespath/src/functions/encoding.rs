//! Kyverno's encoding, parsing, lookup and miscellaneous functions.

use std::net::IpAddr;

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use serde_json::{Map, Value};
use sha2::Digest as _;

use crate::error::{Error, Result};
use crate::functions::{iface_to_string, int_number, number_arg, string_arg};
use crate::image::parse_image;
use crate::runtime::{ArgSpec, Call, JpType, Runtime};
use crate::semver::{Range, Version};

use JpType::{Array, Number, Object, String as Str};

pub(crate) fn register(runtime: &mut Runtime) {
    let one_string = || vec![ArgSpec::new(&[Str])];
    runtime.native("base64_decode", one_string(), base64_decode);
    runtime.native("base64_encode", one_string(), |c| {
        Ok(base64::engine::general_purpose::STANDARD
            .encode(string_arg(c, 0)?)
            .into())
    });
    runtime.native("path_canonicalize", one_string(), |c| {
        Ok(go_path_join(string_arg(c, 0)?).into())
    });
    runtime.native(
        "truncate",
        vec![ArgSpec::new(&[Str]), ArgSpec::new(&[Number])],
        truncate,
    );
    runtime.native(
        "semver_compare",
        vec![ArgSpec::new(&[Str]); 2],
        semver_compare,
    );
    runtime.native("parse_json", one_string(), parse_json);
    runtime.native("parse_yaml", one_string(), parse_yaml);
    runtime.native(
        "lookup",
        vec![ArgSpec::new(&[Object, Array]), ArgSpec::new(&[Str, Number])],
        lookup,
    );
    runtime.native(
        "items",
        vec![
            ArgSpec::new(&[Object, Array]),
            ArgSpec::new(&[Str]),
            ArgSpec::new(&[Str]),
        ],
        items,
    );
    runtime.native(
        "object_from_lists",
        vec![ArgSpec::new(&[Array]), ArgSpec::new(&[Array])],
        object_from_lists,
    );
    runtime.native("random", one_string(), |c| {
        Err(c.error("random is not supported: kanon evaluates policies deterministically"))
    });
    runtime.native("x509_decode", one_string(), |c| {
        Err(c.error("x509_decode is not supported"))
    });
    runtime.native("image_normalize", one_string(), |c| {
        let image = string_arg(c, 0)?;
        let info = parse_image(image).map_err(|e| Error::kyverno(c.name, e))?;
        Ok(info.reference.into())
    });
    runtime.native("is_external_url", one_string(), is_external_url);
    runtime.native("sha256", one_string(), |c| {
        Ok(hex(&sha2::Sha256::digest(string_arg(c, 0)?.as_bytes())).into())
    });
    runtime.native("sha1", one_string(), |c| {
        Ok(hex(&sha1::Sha1::digest(string_arg(c, 0)?.as_bytes())).into())
    });
    runtime.native("md5", one_string(), |c| {
        Ok(hex(&md5::Md5::digest(string_arg(c, 0)?.as_bytes())).into())
    });
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Go's `base64.StdEncoding.DecodeString`: padding required, line breaks ignored, and (unlike
/// the strict variant) non-zero trailing bits accepted.
fn base64_decode(call: &Call<'_, '_>) -> Result<Value> {
    let text = string_arg(call, 0)?;
    let cleaned: String = text.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    let engine = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
    );
    let bytes = engine.decode(cleaned.as_bytes()).map_err(|e| {
        let offset = match e {
            base64::DecodeError::InvalidByte(offset, _) => offset,
            base64::DecodeError::InvalidLastSymbol { offset, .. } => offset,
            _ => cleaned.len().saturating_sub(cleaned.len() % 4),
        };
        call.error(format!("illegal base64 data at input byte {offset}"))
    })?;
    // Go keeps arbitrary bytes in strings; JSON output later replaces invalid UTF-8.
    Ok(String::from_utf8_lossy(&bytes).into_owned().into())
}

/// Go's `filepath.Join(p)` on Unix: `Clean` of a non-empty path, `""` for an empty one.
pub(crate) fn go_path_join(path: &str) -> String {
    if path.is_empty() {
        return String::new();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
}

fn truncate(call: &Call<'_, '_>) -> Result<Value> {
    let text = string_arg(call, 0)?;
    let length = number_arg(call, 1)?.max(0.0);
    let length = usize::try_from(length as i64).unwrap_or(0);
    Ok(text.chars().take(length).collect::<String>().into())
}

fn semver_compare(call: &Call<'_, '_>) -> Result<Value> {
    let version = Version::parse(string_arg(call, 0)?).unwrap_or_default();
    let range = Range::parse(string_arg(call, 1)?).map_err(|e| call.error(e))?;
    Ok(Value::Bool(range.contains(&version)))
}

fn parse_json(call: &Call<'_, '_>) -> Result<Value> {
    serde_json::from_str(string_arg(call, 0)?).map_err(|e| call.error(e.to_string()))
}

fn parse_yaml(call: &Call<'_, '_>) -> Result<Value> {
    let text = string_arg(call, 0)?;
    match kanon_yaml::documents(text, &kanon_yaml::Limits::default()).next() {
        Some(Ok(document)) => Ok(document.value),
        Some(Err(error)) => {
            Err(call.error(format!("error converting YAML to JSON: yaml: {error}")))
        }
        None => Ok(Value::Null),
    }
}

fn lookup(call: &Call<'_, '_>) -> Result<Value> {
    let name = call.name;
    match call.value(0) {
        Value::Object(map) => {
            let key = call
                .str(1)
                .ok_or_else(|| Error::kyverno_type(name, 2, "String"))?;
            Ok(map.get(key).cloned().unwrap_or(Value::Null))
        }
        Value::Array(items) => {
            let key = call
                .value(1)
                .as_f64()
                .ok_or_else(|| Error::kyverno_type(name, 2, "Number"))?;
            let index =
                int_number(key).map_err(|e| Error::kyverno(name, format!("argument #2: {e}")))?;
            Ok(usize::try_from(index)
                .ok()
                .and_then(|i| items.get(i))
                .cloned()
                .unwrap_or(Value::Null))
        }
        _ => Err(Error::kyverno_type(name, 1, "Object or Array")),
    }
}

fn items(call: &Call<'_, '_>) -> Result<Value> {
    let name = call.name;
    let key_name = call
        .str(1)
        .ok_or_else(|| Error::kyverno_type(name, 2, "String"))?;
    let value_name = call
        .str(2)
        .ok_or_else(|| Error::kyverno_type(name, 3, "String"))?;
    let pair = |key: Value, value: &Value| {
        let mut map = Map::new();
        map.insert(key_name.to_owned(), key);
        map.insert(value_name.to_owned(), value.clone());
        Value::Object(map)
    };
    match call.value(0) {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Ok(Value::Array(
                entries
                    .into_iter()
                    .map(|(key, value)| pair(Value::String(key.clone()), value))
                    .collect(),
            ))
        }
        Value::Array(values) => Ok(Value::Array(
            values
                .iter()
                .enumerate()
                .map(|(i, value)| pair(Value::from(i), value))
                .collect(),
        )),
        _ => Err(Error::kyverno_type(name, 1, "Object or Array")),
    }
}

fn object_from_lists(call: &Call<'_, '_>) -> Result<Value> {
    let name = call.name;
    let keys = call
        .value(0)
        .as_array()
        .ok_or_else(|| Error::kyverno_type(name, 1, "Array"))?;
    let values = call
        .value(1)
        .as_array()
        .ok_or_else(|| Error::kyverno_type(name, 2, "Array"))?;
    let mut object = Map::new();
    for (i, key) in keys.iter().enumerate() {
        let key =
            iface_to_string(key).ok_or_else(|| Error::kyverno_type(name, 1, "StringArray"))?;
        object.insert(key, values.get(i).cloned().unwrap_or(Value::Null));
    }
    Ok(Value::Object(object))
}

/// Answers for IP literals as Kyverno does (loopback and private addresses are internal);
/// host names would need DNS, which kanon does not do.
fn is_external_url(call: &Call<'_, '_>) -> Result<Value> {
    let url = string_arg(call, 0)?;
    let host = url_host(url);
    let address: Option<IpAddr> = host.parse().ok();
    let Some(address) = address else {
        return Err(call.error(format!(
            "is_external_url needs a DNS lookup of {host:?}, which kanon does not do"
        )));
    };
    let address = match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        other => other,
    };
    let internal = match address {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || (v6.octets().first().copied().unwrap_or(0) & 0xfe) == 0xfc
        }
    };
    Ok(Value::Bool(!internal))
}

/// The host of a URL as Go's `url.URL.Hostname` gives it (no user info, port or brackets).
fn url_host(url: &str) -> &str {
    let Some((_, rest)) = url.split_once("://") else {
        return "";
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    if let Some(bracketed) = host_port.strip_prefix('[') {
        return bracketed.split(']').next().unwrap_or_default();
    }
    host_port.split(':').next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use crate::functions::test_support::{error, eval};
    use serde_json::json;

    #[test]
    fn base64() {
        assert_eq!(
            eval("base64_encode('Hello, world!')", json!(null)),
            json!("SGVsbG8sIHdvcmxkIQ==")
        );
        assert_eq!(
            eval("base64_decode('SGVsbG8sIHdvcmxkIQ==')", json!(null)),
            json!("Hello, world!")
        );
        let secret = json!({"data": {"example1": "SGVsbG8sIHdvcmxkIQ==", "example2": "Rm9vQmFy"}});
        assert_eq!(
            eval("base64_decode(data.example2)", secret),
            json!("FooBar")
        );
        assert_eq!(
            error("base64_decode('SGVsbG8')"),
            "illegal base64 data at input byte 4"
        );
        assert!(error("base64_decode('S!==')").starts_with("illegal base64 data at input byte 1"));
    }

    #[test]
    fn hashes() {
        assert_eq!(
            eval("sha256('Hello, world!')", json!(null)),
            json!("315f5bdb76d078c43b8ac0064e4a0164612b1fce77c869345bfc94c75894edd3")
        );
        assert_eq!(
            eval("sha1('Hello, world!')", json!(null)),
            json!("943a702d06f34599aee1f8da8ef9f7296031d699")
        );
        assert_eq!(
            eval("md5('Hello, world!')", json!(null)),
            json!("6cd3556deb0da54bca060b4c39479839")
        );
    }

    #[test]
    fn paths_and_truncation() {
        for (input, expected) in [
            ("///", "/"),
            (
                "///var/run/containerd/containerd.sock",
                "/var/run/containerd/containerd.sock",
            ),
            (
                "/var/run///containerd/containerd.sock",
                "/var/run/containerd/containerd.sock",
            ),
            ("/var/run///containerd////", "/var/run/containerd"),
            ("/run///", "/run"),
            ("/run/../etc", "/etc"),
            ("///etc*", "/etc*"),
            ("/../../", "/"),
            ("a/../../b", "../b"),
            ("./a/", "a"),
            (".", "."),
            ("", ""),
        ] {
            assert_eq!(super::go_path_join(input), expected, "{input:?}");
        }
        assert_eq!(
            eval("path_canonicalize('/run/../etc')", json!(null)),
            json!("/etc")
        );
        assert_eq!(
            eval("truncate('Lorem ipsum dolor sit amet', `5`)", json!(null)),
            json!("Lorem")
        );
        assert_eq!(
            eval("truncate('Lorem ipsum', `2.6`)", json!(null)),
            json!("Lo")
        );
        assert_eq!(
            eval("truncate('Lorem ipsum', `-1`)", json!(null)),
            json!("")
        );
        assert_eq!(
            eval("truncate('Lorem ipsum', `40`)", json!(null)),
            json!("Lorem ipsum")
        );
        assert_eq!(eval("truncate('héllo', `2`)", json!(null)), json!("hé"));
    }

    #[test]
    fn semver() {
        assert_eq!(
            eval("semver_compare('4.1.3', '>=4.1.x')", json!(null)),
            json!(true)
        );
        assert_eq!(
            eval("semver_compare('4.1.3', '!4.x.x')", json!(null)),
            json!(false)
        );
        assert_eq!(
            eval("semver_compare('1.8.6', '>1.0.0 <2.0.0')", json!(null)),
            json!(true)
        );
        assert_eq!(
            eval("semver_compare('2.1.5', '<2.0.0 || >=3.0.0')", json!(null)),
            json!(false)
        );
        assert!(error("semver_compare('1.0.0', 'abc')").starts_with("Could not"));
    }

    #[test]
    fn parsing() {
        for text in [
            r#"{"a":"b"}"#,
            "true",
            r#"[1,2,3,{"a":"b"}]"#,
            "null",
            "[]",
            "{}",
            "0",
            "1.2",
            r#"[1.2,true,{"a":{"a":"b"}}]"#,
        ] {
            assert_eq!(
                eval(&format!("to_string(parse_json('{text}'))"), json!(null)),
                json!(text)
            );
        }
        assert_eq!(
            eval(r#"parse_json('{"a": [1, 2, 3, 4]}').a[0]"#, json!(null)),
            json!(1)
        );
        assert_eq!(
            eval(
                r#"parse_json('[1, 2, {"a": {"b": {"c": [1, 2]}}}]')[2].a.b.c[1]"#,
                json!(null)
            ),
            json!(2)
        );
        assert!(!error("parse_json('{')").is_empty());
        assert_eq!(eval("parse_yaml('a: b')", json!(null)), json!({"a": "b"}));
        assert_eq!(
            eval("parse_yaml('\n- 1\n- 2\n- a: b')", json!(null)),
            json!([1, 2, {"a": "b"}])
        );
        assert_eq!(
            eval("parse_yaml('\nbar: >\n  this is not a normal string it\n  spans more than\n  one line\n  see?')", json!(null)),
            json!({"bar": "this is not a normal string it spans more than one line see?"})
        );
        assert_eq!(
            eval("parse_yaml('\n---\nfoo: ~\nbar: null\n')", json!(null)),
            json!({"foo": null, "bar": null})
        );
        assert_eq!(eval("parse_yaml('')", json!(null)), json!(null));
    }

    #[test]
    fn lookups() {
        for (collection, key, expected) in [
            ("{}", r#""key1""#, json!(null)),
            (r#"{"key1": "value1"}"#, r#""key1""#, json!("value1")),
            (r#"{"": "value1"}"#, r#""""#, json!("value1")),
            (r#"{"k": [7, "x", true]}"#, r#""k""#, json!([7, "x", true])),
            ("[]", "0", json!(null)),
            (r#"["item0"]"#, "-1", json!(null)),
            (r#"["item0"]"#, "1", json!(null)),
            (r#"["item0", "item1", "item2"]"#, "2", json!("item2")),
            (
                r#"["item0", "item1"]"#,
                "0.99999999999999999999999999999999999999999999",
                json!("item1"),
            ),
        ] {
            let expression = format!("lookup(`{collection}`, `{key}`)");
            assert_eq!(eval(&expression, json!(null)), expected, "{expression}");
        }
        assert_eq!(
            error("lookup(`{}`, `123`)"),
            "JMESPath function 'lookup': argument #2 is not of type String"
        );
        assert_eq!(
            error(r#"lookup(`[]`, `"abc"`)"#),
            "JMESPath function 'lookup': argument #2 is not of type Number"
        );
        assert_eq!(
            error("lookup(`[]`, `1.5`)"),
            "JMESPath function 'lookup': argument #2: expected an integer number but got: 1.5"
        );
    }

    #[test]
    fn items_and_objects() {
        assert_eq!(
            eval(
                r#"items(`{"key2": "value2", "key1": "value1"}`, 'key', 'value')"#,
                json!(null)
            ),
            json!([{"key": "key1", "value": "value1"}, {"key": "key2", "value": "value2"}])
        );
        assert_eq!(
            eval(r#"items(`["A", "B"]`, 'myKey', 'myValue')"#, json!(null)),
            json!([{"myKey": 0, "myValue": "A"}, {"myKey": 1, "myValue": "B"}])
        );
        assert_eq!(
            eval(
                r#"object_from_lists(`["key1", "key2"]`, `[1, "2"]`)"#,
                json!(null)
            ),
            json!({"key1": 1, "key2": "2"})
        );
        assert_eq!(
            eval(
                r#"object_from_lists(`["key1", "key2"]`, `[1]`)"#,
                json!(null)
            ),
            json!({"key1": 1, "key2": null})
        );
        assert_eq!(
            eval(
                r#"object_from_lists(`[1.5, true]`, `["a", "b"]`)"#,
                json!(null)
            ),
            json!({"1.5": "a", "true": "b"})
        );
    }

    #[test]
    fn images_and_urls() {
        assert_eq!(
            eval("image_normalize('nginx')", json!(null)),
            json!("docker.io/nginx:latest")
        );
        assert_eq!(
            eval("image_normalize('ghcr.io/nginx:1.2')", json!(null)),
            json!("ghcr.io/nginx:1.2")
        );
        assert!(error("image_normalize('')")
            .starts_with("JMESPath function 'image_normalize': bad image: docker.io/"));
        for (url, expected) in [
            ("http://127.0.0.1", false),
            ("http://172.16.1.1", false),
            ("http://10.1.1.1", false),
            ("http://192.168.0.1", false),
            ("http://8.8.8.8", true),
            ("http://245.48.83.160", true),
            ("http://[fd12:3456:789a:1::1]", false),
            ("http://[::1]", false),
            ("http://[2001:db8::ff00:42:8329]", true),
            ("http://www.google.com@192.168.1.3", false),
            ("https://10.0.0.1:8443/path?q=1", false),
        ] {
            assert_eq!(
                eval(&format!("is_external_url('{url}')"), json!(null)),
                json!(expected),
                "{url}"
            );
        }
        assert!(error("is_external_url('http://localhost')").contains("DNS"));
        assert_eq!(error("x509_decode('x')"), "x509_decode is not supported");
        assert!(error("random('[a-z]{5}')").starts_with("random is not supported"));
    }
}
