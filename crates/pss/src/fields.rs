//! Field errors: the list of offending fields that Kyverno's fork of pod-security-admission
//! attaches to a failed check when asked for it (`policy.WithFieldErrors()`).
//!
//! Kyverno's `validate.podSecurity` sub-rule words its messages with these errors and matches
//! its `exclude` entries against them. Each check's field errors are computed next to the
//! check itself ([`crate::checks`]), from the same [`PodView`], and only for a check that
//! failed: Pod Security Admission never needs them.

use crate::pod::{Container, PodView};
use std::fmt;

/// The kind of a field error (`field.ErrorType`); the checks produce only these two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorType {
    /// A field that must be set is not (`field.Required`).
    Required,
    /// A field is set to a value the profile forbids (`field.Forbidden`).
    Forbidden,
}

/// The offending value of a field error (`field.Error.BadValue`), in the Go types the checks
/// store there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadValue {
    /// A string. The empty string is what `field.Required` and `field.Forbidden` store when
    /// the check attaches no value.
    String(String),
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A list of strings (a sorted set, where the check builds one).
    List(Vec<String>),
}

impl BadValue {
    /// The value of an error that carries none.
    pub fn none() -> BadValue {
        BadValue::String(String::new())
    }

    /// Whether the error carries a value: anything but the empty string.
    pub fn is_set(&self) -> bool {
        !matches!(self, BadValue::String(text) if text.is_empty())
    }
}

/// Go's `%+v`: strings as they are, `true`/`false`, decimal integers, `[a b]` for lists.
impl fmt::Display for BadValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadValue::String(text) => f.write_str(text),
            BadValue::Bool(flag) => write!(f, "{flag}"),
            BadValue::Int(number) => write!(f, "{number}"),
            BadValue::List(items) => write!(f, "[{}]", items.join(" ")),
        }
    }
}

/// One offending field of a pod (`field.Error`), with a path relative to the pod:
/// `spec.containers[0].securityContext.privileged`, `metadata.annotations[key]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Required or Forbidden.
    pub error_type: ErrorType,
    /// The field's path.
    pub field: String,
    /// The offending value.
    pub bad_value: BadValue,
}

impl FieldError {
    /// A field that must be set.
    pub fn required(field: String) -> FieldError {
        FieldError {
            error_type: ErrorType::Required,
            field,
            bad_value: BadValue::none(),
        }
    }

    /// A field set to a forbidden value.
    pub fn forbidden(field: String, bad_value: BadValue) -> FieldError {
        FieldError {
            error_type: ErrorType::Forbidden,
            field,
            bad_value,
        }
    }
}

/// `field.Error.Error()` for an error without detail: `<field>: Required value` or
/// `<field>: Forbidden`.
impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body = match self.error_type {
            ErrorType::Required => "Required value",
            ErrorType::Forbidden => "Forbidden",
        };
        write!(f, "{}: {body}", self.field)
    }
}

/// The field errors of one behaviour of a check, for a pod the check rejected.
pub type FieldsFn = fn(&PodView<'_>) -> Vec<FieldError>;

/// `field` under a container's path: `spec.containers[0].securityContext.privileged`.
pub(crate) fn container_field(container: &Container<'_>, field: &str) -> String {
    format!(
        "spec.{}[{}].{field}",
        container.list.field_name(),
        container.index
    )
}

/// Field errors for the containers whose security context makes `bad` return a value.
pub(crate) fn container_errors<'a>(
    pod: &PodView<'a>,
    bad: impl Fn(&Container<'a>) -> Option<FieldError>,
) -> Vec<FieldError> {
    pod.containers.iter().filter_map(bad).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_print_as_go_prints_them_with_plus_v() {
        assert_eq!(BadValue::String("nil".into()).to_string(), "nil");
        assert_eq!(BadValue::Bool(false).to_string(), "false");
        assert_eq!(BadValue::Int(0).to_string(), "0");
        assert_eq!(
            BadValue::List(vec!["NET_ADMIN".into(), "NET_RAW".into()]).to_string(),
            "[NET_ADMIN NET_RAW]"
        );
        assert_eq!(BadValue::List(vec![]).to_string(), "[]");
        assert!(!BadValue::none().is_set());
        assert!(BadValue::List(vec![]).is_set());
    }

    #[test]
    fn errors_print_as_apimachinery_prints_them() {
        assert_eq!(
            FieldError::required("spec.containers[0].securityContext.capabilities.drop".into())
                .to_string(),
            "spec.containers[0].securityContext.capabilities.drop: Required value"
        );
        assert_eq!(
            FieldError::forbidden("spec.hostNetwork".into(), BadValue::Bool(true)).to_string(),
            "spec.hostNetwork: Forbidden"
        );
    }
}
