//! The Kubernetes CEL libraries with abstract types (`k8s.io/apiserver/pkg/cel/library`):
//! quantity, semver, IP and CIDR, URLs and named formats.

pub(crate) mod format;
pub(crate) mod net;
pub(crate) mod quantity;
pub(crate) mod semver;
pub(crate) mod url;

#[cfg(test)]
mod tests;

use crate::cost::traversal;
use crate::error::{EvalError, EvalResult};
use crate::functions::{arg, str_arg};
use crate::interp::Eval;
use crate::objects::{Object, ObjectKind};
use crate::types::Type;
use crate::value::Value;

/// A Kubernetes library function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Function {
    Quantity,
    IsQuantity,
    IsGreaterThan,
    IsLessThan,
    CompareTo,
    Add,
    Sub,
    AsInteger,
    AsApproximateFloat,
    IsInteger,
    Sign,
    Semver,
    IsSemver,
    Major,
    Minor,
    Patch,
    Ip,
    IsIp,
    IpIsCanonical,
    Family,
    IsUnspecified,
    IsLoopback,
    IsLinkLocalMulticast,
    IsLinkLocalUnicast,
    IsGlobalUnicast,
    Cidr,
    IsCidr,
    ContainsIp,
    ContainsCidr,
    PrefixLength,
    Masked,
    CidrIp,
    Url,
    IsUrl,
    GetScheme,
    GetHost,
    GetHostname,
    GetPort,
    GetEscapedPath,
    GetQuery,
    FormatNamed,
    /// `format.<name>()`: an index into [`format::FORMATS`].
    FormatConst(usize),
    Validate,
}

use Function as F;

/// Name, receiver style, argument count range, function.
pub(crate) const TABLE: &[(&str, bool, u8, u8, Function)] = &[
    ("quantity", false, 1, 1, F::Quantity),
    ("isQuantity", false, 1, 1, F::IsQuantity),
    ("isGreaterThan", true, 1, 1, F::IsGreaterThan),
    ("isLessThan", true, 1, 1, F::IsLessThan),
    ("compareTo", true, 1, 1, F::CompareTo),
    ("add", true, 1, 1, F::Add),
    ("sub", true, 1, 1, F::Sub),
    ("asInteger", true, 0, 0, F::AsInteger),
    ("asApproximateFloat", true, 0, 0, F::AsApproximateFloat),
    ("isInteger", true, 0, 0, F::IsInteger),
    ("sign", true, 0, 0, F::Sign),
    ("semver", false, 1, 2, F::Semver),
    ("isSemver", false, 1, 2, F::IsSemver),
    ("major", true, 0, 0, F::Major),
    ("minor", true, 0, 0, F::Minor),
    ("patch", true, 0, 0, F::Patch),
    ("ip", false, 1, 1, F::Ip),
    ("ip", true, 0, 0, F::CidrIp),
    ("isIP", false, 1, 1, F::IsIp),
    ("ip.isCanonical", false, 1, 1, F::IpIsCanonical),
    ("family", true, 0, 0, F::Family),
    ("isUnspecified", true, 0, 0, F::IsUnspecified),
    ("isLoopback", true, 0, 0, F::IsLoopback),
    ("isLinkLocalMulticast", true, 0, 0, F::IsLinkLocalMulticast),
    ("isLinkLocalUnicast", true, 0, 0, F::IsLinkLocalUnicast),
    ("isGlobalUnicast", true, 0, 0, F::IsGlobalUnicast),
    ("cidr", false, 1, 1, F::Cidr),
    ("isCIDR", false, 1, 1, F::IsCidr),
    ("containsIP", true, 1, 1, F::ContainsIp),
    ("containsCIDR", true, 1, 1, F::ContainsCidr),
    ("prefixLength", true, 0, 0, F::PrefixLength),
    ("masked", true, 0, 0, F::Masked),
    ("url", false, 1, 1, F::Url),
    ("isURL", false, 1, 1, F::IsUrl),
    ("getScheme", true, 0, 0, F::GetScheme),
    ("getHost", true, 0, 0, F::GetHost),
    ("getHostname", true, 0, 0, F::GetHostname),
    ("getPort", true, 0, 0, F::GetPort),
    ("getEscapedPath", true, 0, 0, F::GetEscapedPath),
    ("getQuery", true, 0, 0, F::GetQuery),
    ("format.named", false, 1, 1, F::FormatNamed),
    ("format.dns1123Label", false, 0, 0, F::FormatConst(0)),
    ("format.dns1123Subdomain", false, 0, 0, F::FormatConst(1)),
    ("format.dns1035Label", false, 0, 0, F::FormatConst(2)),
    ("format.qualifiedName", false, 0, 0, F::FormatConst(3)),
    ("format.dns1123LabelPrefix", false, 0, 0, F::FormatConst(4)),
    (
        "format.dns1123SubdomainPrefix",
        false,
        0,
        0,
        F::FormatConst(5),
    ),
    ("format.dns1035LabelPrefix", false, 0, 0, F::FormatConst(6)),
    ("format.labelValue", false, 0, 0, F::FormatConst(7)),
    ("format.uri", false, 0, 0, F::FormatConst(8)),
    ("format.uuid", false, 0, 0, F::FormatConst(9)),
    ("format.byte", false, 0, 0, F::FormatConst(10)),
    ("format.date", false, 0, 0, F::FormatConst(11)),
    ("format.datetime", false, 0, 0, F::FormatConst(12)),
    ("validate", true, 1, 1, F::Validate),
];

/// The result type of a library function.
pub(crate) fn result_type(f: Function) -> Option<Type> {
    Some(match f {
        F::IsQuantity
        | F::IsGreaterThan
        | F::IsLessThan
        | F::IsInteger
        | F::IsSemver
        | F::IsIp
        | F::IpIsCanonical
        | F::IsUnspecified
        | F::IsLoopback
        | F::IsLinkLocalMulticast
        | F::IsLinkLocalUnicast
        | F::IsGlobalUnicast
        | F::IsCidr
        | F::ContainsIp
        | F::ContainsCidr
        | F::IsUrl => Type::Bool,
        F::CompareTo
        | F::AsInteger
        | F::Sign
        | F::Major
        | F::Minor
        | F::Patch
        | F::Family
        | F::PrefixLength => Type::Int,
        F::AsApproximateFloat => Type::Double,
        F::GetScheme | F::GetHost | F::GetHostname | F::GetPort | F::GetEscapedPath => Type::String,
        F::GetQuery => Type::Map,
        F::FormatNamed | F::Validate => Type::Optional,
        F::Quantity | F::Add | F::Sub => Type::Named("kubernetes.Quantity"),
        F::Semver => Type::Named("kubernetes.Semver"),
        F::Ip | F::CidrIp => Type::Named("net.IP"),
        F::Cidr | F::Masked => Type::Named("net.CIDR"),
        F::Url => Type::Named("kubernetes.URL"),
        F::FormatConst(_) => Type::Named("kubernetes.NamedFormat"),
    })
}

pub(crate) fn object<'a>(kind: ObjectKind) -> Value<'a> {
    Value::Object(Object::new(kind))
}

/// The library object in argument `index`.
fn object_arg<'v>(args: &'v [Value<'_>], index: usize) -> EvalResult<&'v ObjectKind> {
    match args.get(index) {
        Some(Value::Object(o)) => Ok(o.kind()),
        _ => Err(EvalError::NoSuchOverload),
    }
}

/// The cost of a call, as Kubernetes' `CostEstimator.CallCost` computes it.
fn cost(f: Function, args: &[Value<'_>]) -> u64 {
    let size = |i: usize| args.get(i).map_or(1, Value::cost_size);
    match f {
        F::Quantity
        | F::IsQuantity
        | F::Semver
        | F::IsSemver
        | F::Ip
        | F::IsIp
        | F::Cidr
        | F::IsCidr
        | F::Url => traversal(size(0)),
        F::IpIsCanonical => traversal(size(0).saturating_mul(2)),
        F::ContainsIp | F::ContainsCidr => {
            let mut cost = traversal(size(0).saturating_mul(2));
            if f == F::ContainsCidr {
                cost += traversal(size(0)) + 1;
            }
            if matches!(args.get(1), Some(Value::String(_))) {
                cost += traversal(size(1));
            }
            cost
        }
        F::Validate => {
            let regex_size = match args.first() {
                Some(Value::Object(o)) => match o.kind() {
                    ObjectKind::Format(n) => n.max_regex_size,
                    _ => 1,
                },
                _ => 1,
            };
            crate::cost::regex(size(1), regex_size)
        }
        F::IsUrl => traversal(size(0)).max(1),
        _ => 1,
    }
}

pub(crate) fn call<'a>(
    ev: &mut Eval<'_, 'a>,
    f: Function,
    args: &[Value<'a>],
) -> EvalResult<Value<'a>> {
    ev.charge(cost(f, args))?;
    match f {
        F::Quantity => quantity::parse(str_arg(args, 0)?).map(|q| object(ObjectKind::Quantity(q))),
        F::IsQuantity => Ok(Value::Bool(quantity::parse(str_arg(args, 0)?).is_ok())),
        F::IsGreaterThan | F::IsLessThan | F::CompareTo => {
            let ordering = match (object_arg(args, 0)?, object_arg(args, 1)?) {
                (ObjectKind::Quantity(a), ObjectKind::Quantity(b)) => a.cmp(b),
                (ObjectKind::Semver(a), ObjectKind::Semver(b)) => a.cmp_precedence(b),
                _ => return Err(EvalError::NoSuchOverload),
            };
            Ok(match f {
                F::IsGreaterThan => Value::Bool(ordering.is_gt()),
                F::IsLessThan => Value::Bool(ordering.is_lt()),
                _ => Value::Int(ordering as i64),
            })
        }
        F::Add | F::Sub => quantity::arithmetic(f == F::Add, object_arg(args, 0)?, arg(args, 1)?),
        F::AsInteger | F::AsApproximateFloat | F::IsInteger | F::Sign => {
            let ObjectKind::Quantity(q) = object_arg(args, 0)? else {
                return Err(EvalError::NoSuchOverload);
            };
            quantity::accessor(f, q)
        }
        F::Semver | F::IsSemver => {
            let normalize = match args.get(1) {
                None => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => return Err(EvalError::NoSuchOverload),
            };
            let parsed = semver::parse(str_arg(args, 0)?, normalize);
            if f == F::IsSemver {
                return Ok(Value::Bool(parsed.is_ok()));
            }
            parsed
                .map(|v| object(ObjectKind::Semver(v)))
                .map_err(EvalError::msg)
        }
        F::Major | F::Minor | F::Patch => {
            let ObjectKind::Semver(v) = object_arg(args, 0)? else {
                return Err(EvalError::NoSuchOverload);
            };
            let n = match f {
                F::Major => v.major,
                F::Minor => v.minor,
                _ => v.patch,
            };
            Ok(Value::Int(n as i64))
        }
        F::Ip
        | F::IsIp
        | F::IpIsCanonical
        | F::Family
        | F::IsUnspecified
        | F::IsLoopback
        | F::IsLinkLocalMulticast
        | F::IsLinkLocalUnicast
        | F::IsGlobalUnicast
        | F::Cidr
        | F::IsCidr
        | F::ContainsIp
        | F::ContainsCidr
        | F::PrefixLength
        | F::Masked
        | F::CidrIp => net::call(f, args),
        F::Url
        | F::IsUrl
        | F::GetScheme
        | F::GetHost
        | F::GetHostname
        | F::GetPort
        | F::GetEscapedPath
        | F::GetQuery => url::call(f, args),
        F::FormatNamed | F::FormatConst(_) | F::Validate => format::call(f, args),
    }
}
