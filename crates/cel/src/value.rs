//! CEL runtime values.
//!
//! A [`Value`] either owns its data (reference-counted, so clones are cheap) or borrows it
//! from a `serde_json::Value` the caller keeps alive for `'a`: a bound object is never
//! converted as a whole, and reading `object.spec.containers` walks the JSON in place.
//! JSON numbers read as `int` when integral (as Kubernetes' unstructured objects hold them)
//! and as `double` otherwise.

mod collections;
mod json;

use std::sync::Arc;

use kanon_core::duration::Duration;

pub use collections::{Key, List, ListIter, Map, MapIter, Str};

use crate::objects::Object;
use crate::time::Timestamp;
use crate::types::Type;

/// A CEL value. `'a` is the lifetime of borrowed JSON (see [`Value::borrow_json`]);
/// values built by functions are owned and live for any `'a`.
#[derive(Debug, Clone)]
pub enum Value<'a> {
    /// `null`.
    Null,
    /// `bool`.
    Bool(bool),
    /// `int`: a signed 64-bit integer.
    Int(i64),
    /// `uint`: an unsigned 64-bit integer.
    Uint(u64),
    /// `double`.
    Double(f64),
    /// `string`.
    String(Str<'a>),
    /// `bytes`.
    Bytes(Arc<[u8]>),
    /// `list`.
    List(List<'a>),
    /// `map`.
    Map(Map<'a>),
    /// `google.protobuf.Timestamp`.
    Timestamp(Timestamp),
    /// `google.protobuf.Duration` (Go's `time.Duration` range).
    Duration(Duration),
    /// A type value, e.g. the result of `type(1)`.
    Type(Type),
    /// `optional_type`: `optional.of(x)` or `optional.none()`.
    Optional(Option<Arc<Value<'a>>>),
    /// An abstract value of a library type: Kubernetes' Quantity, Semver, IP, CIDR, URL, Format.
    Object(Object),
}

impl<'a> Value<'a> {
    /// Converts JSON into an owned value (integral numbers become `int`).
    pub fn from_json(value: &serde_json::Value) -> Value<'static> {
        json::owned_from_json(value)
    }

    /// Wraps JSON without copying it: objects and arrays stay borrowed.
    pub fn borrow_json(value: &'a serde_json::Value) -> Value<'a> {
        json::borrow_json(value)
    }

    /// Converts the value to JSON: bytes become base64, timestamps RFC 3339 strings, durations
    /// `"<seconds>s"`, library objects their string form; NaN and infinities the strings
    /// `"NaN"`, `"Infinity"`, `"-Infinity"`. Maps need string keys; types have no JSON form.
    pub fn to_json(&self) -> Result<serde_json::Value, crate::EvalError> {
        json::to_json(self)
    }

    /// The boolean, if this is a `bool`.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The text, if this is a `string`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s.as_str()),
            _ => None,
        }
    }

    /// The integer, if this is an `int`.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// An owned string value.
    pub fn string(text: impl Into<Arc<str>>) -> Value<'a> {
        Value::String(Str::from(text.into()))
    }

    /// A list of owned values.
    pub fn list(items: Vec<Value<'a>>) -> Value<'a> {
        Value::List(List::from_vec(items))
    }

    /// A map with string keys.
    pub fn map_from<I, K>(entries: I) -> Value<'a>
    where
        I: IntoIterator<Item = (K, Value<'a>)>,
        K: Into<Arc<str>>,
    {
        let entries = entries
            .into_iter()
            .map(|(k, v)| (Key::String(Str::from(k.into())), v))
            .collect();
        Value::Map(Map::from_entries_unchecked(entries))
    }

    /// `optional.of(value)`.
    pub fn optional_of(value: Value<'a>) -> Value<'a> {
        Value::Optional(Some(Arc::new(value)))
    }

    /// `optional.none()`.
    pub fn optional_none() -> Value<'a> {
        Value::Optional(None)
    }

    /// The runtime type, as `type(x)` reports it.
    pub fn type_of(&self) -> Type {
        match self {
            Value::Null => Type::Null,
            Value::Bool(_) => Type::Bool,
            Value::Int(_) => Type::Int,
            Value::Uint(_) => Type::Uint,
            Value::Double(_) => Type::Double,
            Value::String(_) => Type::String,
            Value::Bytes(_) => Type::Bytes,
            Value::List(_) => Type::List,
            Value::Map(_) => Type::Map,
            Value::Timestamp(_) => Type::Timestamp,
            Value::Duration(_) => Type::Duration,
            Value::Type(_) => Type::Type,
            Value::Optional(_) => Type::Optional,
            Value::Object(o) => o.type_of(),
        }
    }

    /// Detaches the value from borrowed JSON (copies what is borrowed).
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Null => Value::Null,
            Value::Bool(b) => Value::Bool(b),
            Value::Int(i) => Value::Int(i),
            Value::Uint(u) => Value::Uint(u),
            Value::Double(d) => Value::Double(d),
            Value::String(s) => Value::String(s.into_owned()),
            Value::Bytes(b) => Value::Bytes(b),
            Value::List(l) => Value::List(l.into_owned()),
            Value::Map(m) => Value::Map(m.into_owned()),
            Value::Timestamp(t) => Value::Timestamp(t),
            Value::Duration(d) => Value::Duration(d),
            Value::Type(t) => Value::Type(t),
            Value::Optional(o) => Value::Optional(o.map(|v| Arc::new((*v).clone().into_owned()))),
            Value::Object(o) => Value::Object(o),
        }
    }

    /// The abstract size cel-go's cost model uses: length of strings (code points), bytes,
    /// lists and maps; 1 for everything else.
    pub(crate) fn cost_size(&self) -> u64 {
        match self {
            Value::String(s) => s.as_str().chars().count() as u64,
            Value::Bytes(b) => b.len() as u64,
            Value::List(l) => l.len() as u64,
            Value::Map(m) => m.len() as u64,
            Value::Optional(Some(v)) => v.cost_size(),
            _ => 1,
        }
    }
}

impl From<bool> for Value<'_> {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value<'_> {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<u64> for Value<'_> {
    fn from(u: u64) -> Self {
        Value::Uint(u)
    }
}

impl From<f64> for Value<'_> {
    fn from(d: f64) -> Self {
        Value::Double(d)
    }
}

impl From<&str> for Value<'_> {
    fn from(s: &str) -> Self {
        Value::string(s)
    }
}

impl From<String> for Value<'_> {
    fn from(s: String) -> Self {
        Value::string(s)
    }
}

impl PartialEq for Value<'_> {
    /// CEL equality (`==`): heterogeneous numeric equality, NaN unequal to itself.
    fn eq(&self, other: &Self) -> bool {
        crate::ops::equals(self, other)
    }
}
