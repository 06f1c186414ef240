//! CEL type values: what `type(x)` returns and what the type identifiers (`int`, `string`,
//! `google.protobuf.Timestamp`...) denote.

use std::fmt;

/// A CEL type as a runtime value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Type {
    /// `null_type`.
    Null,
    /// `bool`.
    Bool,
    /// `int`.
    Int,
    /// `uint`.
    Uint,
    /// `double`.
    Double,
    /// `string`.
    String,
    /// `bytes`.
    Bytes,
    /// `list`.
    List,
    /// `map`.
    Map,
    /// `google.protobuf.Timestamp`.
    Timestamp,
    /// `google.protobuf.Duration`.
    Duration,
    /// `type`.
    Type,
    /// `optional_type`.
    Optional,
    /// `dyn`.
    Dyn,
    /// A library's abstract type, e.g. `kubernetes.Quantity`.
    Named(&'static str),
}

impl Type {
    /// The type a (possibly qualified) identifier names, e.g. `int` or
    /// `google.protobuf.Timestamp`.
    pub fn from_name(name: &str) -> Option<Type> {
        Some(match name {
            "null_type" => Type::Null,
            "bool" => Type::Bool,
            "int" => Type::Int,
            "uint" => Type::Uint,
            "double" => Type::Double,
            "string" => Type::String,
            "bytes" => Type::Bytes,
            "list" => Type::List,
            "map" => Type::Map,
            "type" => Type::Type,
            "optional_type" => Type::Optional,
            "google.protobuf.Timestamp" => Type::Timestamp,
            "google.protobuf.Duration" => Type::Duration,
            "kubernetes.Quantity" => Type::Named("kubernetes.Quantity"),
            "kubernetes.Semver" => Type::Named("kubernetes.Semver"),
            "kubernetes.URL" => Type::Named("kubernetes.URL"),
            "net.IP" => Type::Named("net.IP"),
            "net.CIDR" => Type::Named("net.CIDR"),
            "kubernetes.NamedFormat" => Type::Named("kubernetes.NamedFormat"),
            _ => return None,
        })
    }

    /// The type's name.
    pub fn name(&self) -> &'static str {
        match self {
            Type::Null => "null_type",
            Type::Bool => "bool",
            Type::Int => "int",
            Type::Uint => "uint",
            Type::Double => "double",
            Type::String => "string",
            Type::Bytes => "bytes",
            Type::List => "list",
            Type::Map => "map",
            Type::Timestamp => "google.protobuf.Timestamp",
            Type::Duration => "google.protobuf.Duration",
            Type::Type => "type",
            Type::Optional => "optional_type",
            Type::Dyn => "dyn",
            Type::Named(name) => name,
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
