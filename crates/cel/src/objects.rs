//! Values of the Kubernetes libraries' abstract types: Quantity, Semver, IP, CIDR, URL and
//! named formats.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use kanon_core::quantity::Quantity;

use crate::k8s::format::NamedFormat;
use crate::k8s::net::Cidr;
use crate::k8s::semver::Semver;
use crate::k8s::url::Url;
use crate::types::Type;

/// A value of a library type (`kubernetes.Quantity`, `net.IP`...). Opaque: use the library
/// functions, or its string form.
#[derive(Clone, Debug)]
pub struct Object(Arc<ObjectKind>);

#[derive(Debug)]
pub(crate) enum ObjectKind {
    Quantity(Quantity),
    Semver(Semver),
    Ip(IpAddr),
    Cidr(Cidr),
    Url(Url),
    Format(&'static NamedFormat),
}

impl Object {
    pub(crate) fn new(kind: ObjectKind) -> Self {
        Object(Arc::new(kind))
    }

    pub(crate) fn kind(&self) -> &ObjectKind {
        &self.0
    }

    /// The object's CEL type.
    pub fn type_of(&self) -> Type {
        Type::Named(match self.kind() {
            ObjectKind::Quantity(_) => "kubernetes.Quantity",
            ObjectKind::Semver(_) => "kubernetes.Semver",
            ObjectKind::Ip(_) => "net.IP",
            ObjectKind::Cidr(_) => "net.CIDR",
            ObjectKind::Url(_) => "kubernetes.URL",
            ObjectKind::Format(_) => "kubernetes.NamedFormat",
        })
    }

    /// Whether `string(x)` is defined (IP addresses and CIDRs).
    pub(crate) fn has_string_conversion(&self) -> bool {
        matches!(self.kind(), ObjectKind::Ip(_) | ObjectKind::Cidr(_))
    }
}

impl PartialEq for Object {
    fn eq(&self, other: &Self) -> bool {
        match (self.kind(), other.kind()) {
            (ObjectKind::Quantity(a), ObjectKind::Quantity(b)) => a == b,
            (ObjectKind::Semver(a), ObjectKind::Semver(b)) => a.cmp_precedence(b).is_eq(),
            (ObjectKind::Ip(a), ObjectKind::Ip(b)) => a == b,
            (ObjectKind::Cidr(a), ObjectKind::Cidr(b)) => a == b,
            (ObjectKind::Url(a), ObjectKind::Url(b)) => a.to_string() == b.to_string(),
            (ObjectKind::Format(a), ObjectKind::Format(b)) => a.name == b.name,
            _ => false,
        }
    }
}

impl fmt::Display for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind() {
            ObjectKind::Quantity(q) => write!(f, "{q}"),
            ObjectKind::Semver(v) => write!(f, "{v}"),
            ObjectKind::Ip(ip) => write!(f, "{ip}"),
            ObjectKind::Cidr(c) => write!(f, "{c}"),
            ObjectKind::Url(u) => write!(f, "{u}"),
            ObjectKind::Format(n) => f.write_str(n.name),
        }
    }
}
