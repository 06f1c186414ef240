//! Kubernetes' named formats (`format.named('dns1123Label')`, `format.uuid()`...) and
//! `<Format>.validate(string)`, with apimachinery's validation messages.

use base64::Engine as _;

use super::{object, object_arg, Function};
use crate::error::{EvalError, EvalResult};
use crate::functions::str_arg;
use crate::objects::ObjectKind;
use crate::time::Timestamp;
use crate::value::Value;

/// A named format: its name in `format.named()`, its display name and validator.
#[derive(Debug)]
pub(crate) struct NamedFormat {
    key: &'static str,
    pub(crate) name: &'static str,
    /// Kubernetes' estimate of the format's regular expression size, for the cost.
    pub(crate) max_regex_size: u64,
    validate: fn(&str) -> Vec<String>,
}

const DNS1123_LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1035_LABEL_FMT: &str = "[a-z]([-a-z0-9]*[a-z0-9])?";
const DNS1035_LABEL_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
const LABEL_KEY_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_KEY_MSG: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

fn subdomain_fmt() -> String {
    format!("{DNS1123_LABEL_FMT}(\\.{DNS1123_LABEL_FMT})*")
}

/// apimachinery's `RegexError`.
fn regex_error(message: &str, format: &str, examples: &[&str]) -> String {
    let mut out = format!("{message} (e.g. ");
    for (i, example) in examples.iter().enumerate() {
        if i > 0 {
            out.push_str(" or ");
        }
        out.push_str(&format!("'{example}', "));
    }
    out.push_str(&format!("regex used for validation is '{format}')"));
    out
}

fn max_len_error(length: usize) -> String {
    format!("must be no more than {length} characters")
}

fn matches_whole(pattern: &str, text: &str) -> bool {
    regex::Regex::new(&format!("^(?:{pattern})$")).is_ok_and(|r| r.is_match(text))
}

fn dns1123_label(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push(max_len_error(63));
    }
    if !matches_whole(DNS1123_LABEL_FMT, value) {
        if matches_whole(&subdomain_fmt(), value) {
            errs.push("must not contain dots".into());
        } else {
            errs.push(regex_error(
                DNS1123_LABEL_MSG,
                DNS1123_LABEL_FMT,
                &["my-name", "123-abc"],
            ));
        }
    }
    errs
}

fn dns1123_subdomain(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 253 {
        errs.push(max_len_error(253));
    }
    if !matches_whole(&subdomain_fmt(), value) {
        errs.push(regex_error(
            DNS1123_SUBDOMAIN_MSG,
            &subdomain_fmt(),
            &["example.com"],
        ));
    }
    errs
}

fn dns1035_label(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push(max_len_error(63));
    }
    if !matches_whole(DNS1035_LABEL_FMT, value) {
        errs.push(regex_error(
            DNS1035_LABEL_MSG,
            DNS1035_LABEL_FMT,
            &["my-name", "abc-123"],
        ));
    }
    errs
}

/// apimachinery's `maskTrailingDash` (which drops two characters, as upstream does).
fn mask_trailing_dash(name: &str) -> String {
    if name.len() > 1 && name.ends_with('-') {
        format!("{}a", name.get(..name.len() - 2).unwrap_or(""))
    } else {
        name.to_string()
    }
}

fn qualified_name(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let parts: Vec<&str> = value.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".into());
            } else {
                errs.extend(dns1123_subdomain(prefix).into_iter().map(|m| format!("prefix part {m}")));
            }
            *name
        }
        _ => {
            return vec![format!(
                "a valid label key {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_error(LABEL_KEY_MSG, LABEL_KEY_FMT, &["MyName", "my.name", "123-abc"])
            )]
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".into());
    } else if name.len() > 63 {
        errs.push(format!("name part {}", max_len_error(63)));
    }
    if !matches_whole(LABEL_KEY_FMT, name) {
        errs.push(format!(
            "name part {}",
            regex_error(
                LABEL_KEY_MSG,
                LABEL_KEY_FMT,
                &["MyName", "my.name", "123-abc"]
            )
        ));
    }
    errs
}

fn label_value(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push(max_len_error(63));
    }
    let format = format!("({LABEL_KEY_FMT})?");
    if !matches_whole(&format, value) {
        errs.push(regex_error(
            LABEL_VALUE_MSG,
            &format,
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

fn one(ok: bool, message: &str) -> Vec<String> {
    if ok {
        Vec::new()
    } else {
        vec![message.to_string()]
    }
}

fn uuid(value: &str) -> Vec<String> {
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|c| c.is_ascii_hexdigit());
    let parts: Vec<&str> = value.split('-').collect();
    let dashed = matches!(parts.as_slice(), [a, b, c, d, e]
        if hex(a, 8) && hex(b, 4) && hex(c, 4) && hex(d, 4) && hex(e, 12));
    one(dashed || hex(value, 32), "does not match the UUID format")
}

fn byte(value: &str) -> Vec<String> {
    one(
        base64::engine::general_purpose::STANDARD
            .decode(value)
            .is_ok(),
        "invalid base64",
    )
}

fn date(value: &str) -> Vec<String> {
    one(
        Timestamp::parse(&format!("{value}T00:00:00Z")).is_some() && value.len() == 10,
        "invalid date",
    )
}

fn datetime(value: &str) -> Vec<String> {
    let upper = value.to_ascii_uppercase();
    one(Timestamp::parse(&upper).is_some(), "invalid datetime")
}

fn uri(value: &str) -> Vec<String> {
    super::url::request_uri_error(value).into_iter().collect()
}

/// The formats, in the order of `format.<name>()` in the function table.
pub(crate) static FORMATS: [NamedFormat; 13] = [
    NamedFormat {
        key: "dns1123Label",
        name: "DNS1123Label",
        max_regex_size: 30,
        validate: dns1123_label,
    },
    NamedFormat {
        key: "dns1123Subdomain",
        name: "DNS1123Subdomain",
        max_regex_size: 60,
        validate: dns1123_subdomain,
    },
    NamedFormat {
        key: "dns1035Label",
        name: "DNS1035Label",
        max_regex_size: 30,
        validate: dns1035_label,
    },
    NamedFormat {
        key: "qualifiedName",
        name: "QualifiedName",
        max_regex_size: 60,
        validate: qualified_name,
    },
    NamedFormat {
        key: "dns1123LabelPrefix",
        name: "DNS1123LabelPrefix",
        max_regex_size: 30,
        validate: |s| dns1123_label(&mask_trailing_dash(s)),
    },
    NamedFormat {
        key: "dns1123SubdomainPrefix",
        name: "DNS1123SubdomainPrefix",
        max_regex_size: 60,
        validate: |s| dns1123_subdomain(&mask_trailing_dash(s)),
    },
    NamedFormat {
        key: "dns1035LabelPrefix",
        name: "DNS1035LabelPrefix",
        max_regex_size: 30,
        validate: |s| dns1035_label(&mask_trailing_dash(s)),
    },
    NamedFormat {
        key: "labelValue",
        name: "LabelValue",
        max_regex_size: 40,
        validate: label_value,
    },
    NamedFormat {
        key: "uri",
        name: "URI",
        max_regex_size: 500,
        validate: uri,
    },
    NamedFormat {
        key: "uuid",
        name: "uuid",
        max_regex_size: 36,
        validate: uuid,
    },
    NamedFormat {
        key: "byte",
        name: "byte",
        max_regex_size: 80,
        validate: byte,
    },
    NamedFormat {
        key: "date",
        name: "date",
        max_regex_size: 200,
        validate: date,
    },
    NamedFormat {
        key: "datetime",
        name: "datetime",
        max_regex_size: 200,
        validate: datetime,
    },
];

pub(crate) fn call<'a>(f: Function, args: &[Value<'a>]) -> EvalResult<Value<'a>> {
    match f {
        Function::FormatConst(i) => FORMATS
            .get(i)
            .map(|n| object(ObjectKind::Format(n)))
            .ok_or(EvalError::NoSuchOverload),
        Function::FormatNamed => {
            let name = str_arg(args, 0)?;
            Ok(match FORMATS.iter().find(|n| n.key == name) {
                Some(n) => Value::optional_of(object(ObjectKind::Format(n))),
                None => Value::optional_none(),
            })
        }
        Function::Validate => {
            let ObjectKind::Format(format) = object_arg(args, 0)? else {
                return Err(EvalError::NoSuchOverload);
            };
            let errors = (format.validate)(str_arg(args, 1)?);
            Ok(if errors.is_empty() {
                Value::optional_none()
            } else {
                Value::optional_of(Value::list(errors.into_iter().map(Value::from).collect()))
            })
        }
        _ => Err(EvalError::NoSuchOverload),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validate(index: usize, text: &str) -> Vec<String> {
        (FORMATS[index].validate)(text)
    }

    #[test]
    fn validators() {
        assert!(validate(0, "my-label-name").is_empty());
        assert_eq!(validate(0, "a.b"), vec!["must not contain dots"]);
        assert!(validate(0, "-x")[0].starts_with("a lowercase RFC 1123 label"));
        assert!(validate(1, "apiextensions.k8s.io").is_empty());
        assert!(validate(2, "my-label-name").is_empty());
        assert!(!validate(2, "1abc").is_empty());
        assert!(validate(3, "apiextensions.k8s.io/v1beta1").is_empty());
        assert!(validate(4, "my-label-prefix-").is_empty());
        assert!(validate(5, "mysubdomain.prefix.-").is_empty());
        assert!(validate(6, "my-label-prefix-").is_empty());
        assert!(validate(8, "http://example.com").is_empty());
        assert!(validate(9, "123e4567-e89b-12d3-a456-426614174000").is_empty());
        assert!(validate(10, "aGVsbG8=").is_empty());
        assert!(validate(11, "2021-01-01").is_empty());
        assert!(validate(12, "2021-01-01T00:00:00Z").is_empty());
        assert_eq!(validate(9, "nope"), vec!["does not match the UUID format"]);
    }
}
