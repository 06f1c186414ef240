//! The built-in function library: the table the compiler resolves names against, and the
//! dispatcher that runs a builtin on evaluated arguments. Each function checks its argument
//! types at run time and answers [`EvalError::NoSuchOverload`] for others.

mod format;
mod lists;
mod math;
mod standard;
mod strings;

use crate::error::{EvalError, EvalResult};
use crate::interp::Eval;
use crate::k8s;
use crate::types::Type;
use crate::value::Value;

pub(crate) use format::go_quote;
pub(crate) use lists::sort_by_keys;
pub(crate) use standard::{compile_regex, parse_duration, parse_timestamp};
pub(crate) use strings::find_all;

/// Every builtin function (or overload family).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Builtin {
    // Standard definitions.
    Size,
    Contains,
    StartsWith,
    EndsWith,
    Matches,
    ToInt,
    ToUint,
    ToDouble,
    ToString,
    ToBytes,
    ToBool,
    ToDuration,
    ToTimestamp,
    Dyn,
    TypeOf,
    GetFullYear,
    GetMonth,
    GetDayOfYear,
    GetDayOfMonth,
    GetDate,
    GetDayOfWeek,
    GetHours,
    GetMinutes,
    GetSeconds,
    GetMilliseconds,
    // Optional types.
    OptionalOf,
    OptionalNone,
    OptionalOfNonZero,
    HasValue,
    OptValue,
    OptOr,
    OptOrValue,
    // Strings extension.
    CharAt,
    IndexOf,
    LastIndexOf,
    LowerAscii,
    UpperAscii,
    Replace,
    Split,
    Substring,
    Trim,
    Join,
    Quote,
    Reverse,
    Format,
    // Lists extension and Kubernetes lists.
    Slice,
    Flatten,
    Sort,
    Distinct,
    Range,
    First,
    Last,
    IsSorted,
    Sum,
    Min,
    Max,
    // Sets extension.
    SetsContains,
    SetsEquivalent,
    SetsIntersects,
    // Math extension.
    Greatest,
    Least,
    Ceil,
    Floor,
    Round,
    Trunc,
    Abs,
    Sign,
    IsNaN,
    IsInf,
    IsFinite,
    BitAnd,
    BitOr,
    BitXor,
    BitNot,
    BitShiftLeft,
    BitShiftRight,
    Sqrt,
    // Encoders extension.
    Base64Encode,
    Base64Decode,
    // Kubernetes regex.
    Find,
    FindAll,
    // cel-go's regex extension (Kyverno enables it).
    RegexReplace,
    RegexExtract,
    RegexExtractAll,
    /// Kubernetes' `includes` (lists version 1).
    Includes,
    // Kubernetes libraries with abstract types.
    K8s(k8s::Function),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Global,
    Member,
}

use Builtin as B;
use Style::{Global as G, Member as M};

/// Name, call style, argument count range (without the receiver) and builtin.
const TABLE: &[(&str, Style, u8, u8, Builtin)] = &[
    ("size", G, 1, 1, B::Size),
    ("size", M, 0, 0, B::Size),
    ("contains", M, 1, 1, B::Contains),
    ("startsWith", M, 1, 1, B::StartsWith),
    ("endsWith", M, 1, 1, B::EndsWith),
    ("matches", G, 2, 2, B::Matches),
    ("matches", M, 1, 1, B::Matches),
    ("int", G, 1, 1, B::ToInt),
    ("uint", G, 1, 1, B::ToUint),
    ("double", G, 1, 1, B::ToDouble),
    ("string", G, 1, 1, B::ToString),
    ("bytes", G, 1, 1, B::ToBytes),
    ("bool", G, 1, 1, B::ToBool),
    ("duration", G, 1, 1, B::ToDuration),
    ("timestamp", G, 1, 1, B::ToTimestamp),
    ("dyn", G, 1, 1, B::Dyn),
    ("type", G, 1, 1, B::TypeOf),
    ("getFullYear", M, 0, 1, B::GetFullYear),
    ("getMonth", M, 0, 1, B::GetMonth),
    ("getDayOfYear", M, 0, 1, B::GetDayOfYear),
    ("getDayOfMonth", M, 0, 1, B::GetDayOfMonth),
    ("getDate", M, 0, 1, B::GetDate),
    ("getDayOfWeek", M, 0, 1, B::GetDayOfWeek),
    ("getHours", M, 0, 1, B::GetHours),
    ("getMinutes", M, 0, 1, B::GetMinutes),
    ("getSeconds", M, 0, 1, B::GetSeconds),
    ("getMilliseconds", M, 0, 1, B::GetMilliseconds),
    ("optional.of", G, 1, 1, B::OptionalOf),
    ("optional.none", G, 0, 0, B::OptionalNone),
    ("optional.ofNonZeroValue", G, 1, 1, B::OptionalOfNonZero),
    ("hasValue", M, 0, 0, B::HasValue),
    ("value", M, 0, 0, B::OptValue),
    ("or", M, 1, 1, B::OptOr),
    ("orValue", M, 1, 1, B::OptOrValue),
    ("charAt", M, 1, 1, B::CharAt),
    ("indexOf", M, 1, 2, B::IndexOf),
    ("lastIndexOf", M, 1, 2, B::LastIndexOf),
    ("lowerAscii", M, 0, 0, B::LowerAscii),
    ("upperAscii", M, 0, 0, B::UpperAscii),
    ("replace", M, 2, 3, B::Replace),
    ("split", M, 1, 2, B::Split),
    ("substring", M, 1, 2, B::Substring),
    ("trim", M, 0, 0, B::Trim),
    ("join", M, 0, 1, B::Join),
    ("strings.quote", G, 1, 1, B::Quote),
    ("reverse", M, 0, 0, B::Reverse),
    ("format", M, 1, 1, B::Format),
    ("slice", M, 2, 2, B::Slice),
    ("flatten", M, 0, 1, B::Flatten),
    ("sort", M, 0, 0, B::Sort),
    ("distinct", M, 0, 0, B::Distinct),
    ("lists.range", G, 1, 1, B::Range),
    ("first", M, 0, 0, B::First),
    ("last", M, 0, 0, B::Last),
    ("isSorted", M, 0, 0, B::IsSorted),
    ("sum", M, 0, 0, B::Sum),
    ("min", M, 0, 0, B::Min),
    ("max", M, 0, 0, B::Max),
    ("sets.contains", G, 2, 2, B::SetsContains),
    ("sets.equivalent", G, 2, 2, B::SetsEquivalent),
    ("sets.intersects", G, 2, 2, B::SetsIntersects),
    ("math.greatest", G, 1, 255, B::Greatest),
    ("math.least", G, 1, 255, B::Least),
    ("math.ceil", G, 1, 1, B::Ceil),
    ("math.floor", G, 1, 1, B::Floor),
    ("math.round", G, 1, 1, B::Round),
    ("math.trunc", G, 1, 1, B::Trunc),
    ("math.abs", G, 1, 1, B::Abs),
    ("math.sign", G, 1, 1, B::Sign),
    ("math.isNaN", G, 1, 1, B::IsNaN),
    ("math.isInf", G, 1, 1, B::IsInf),
    ("math.isFinite", G, 1, 1, B::IsFinite),
    ("math.bitAnd", G, 2, 2, B::BitAnd),
    ("math.bitOr", G, 2, 2, B::BitOr),
    ("math.bitXor", G, 2, 2, B::BitXor),
    ("math.bitNot", G, 1, 1, B::BitNot),
    ("math.bitShiftLeft", G, 2, 2, B::BitShiftLeft),
    ("math.bitShiftRight", G, 2, 2, B::BitShiftRight),
    ("math.sqrt", G, 1, 1, B::Sqrt),
    ("base64.encode", G, 1, 1, B::Base64Encode),
    ("base64.decode", G, 1, 1, B::Base64Decode),
    ("find", M, 1, 1, B::Find),
    ("findAll", M, 1, 2, B::FindAll),
    ("regex.replace", G, 3, 4, B::RegexReplace),
    ("regex.extract", G, 2, 2, B::RegexExtract),
    ("regex.extractAll", G, 2, 2, B::RegexExtractAll),
    ("includes", M, 1, 1, B::Includes),
];

/// What the table knows of a name.
pub(crate) enum Lookup {
    Found(Builtin),
    /// The name exists, but not for this call style and argument count.
    WrongArity,
    Unknown,
}

/// Finds the builtin for `name` called as a method (`member`) or globally with `argc`
/// arguments (the receiver not counted).
pub(crate) fn lookup(name: &str, member: bool, argc: usize) -> Lookup {
    let style = if member { M } else { G };
    let mut known = false;
    let entries =
        TABLE
            .iter()
            .map(|(n, s, lo, hi, b)| (*n, *s, *lo, *hi, *b))
            .chain(k8s::TABLE.iter().map(|(n, member, lo, hi, f)| {
                (*n, if *member { M } else { G }, *lo, *hi, B::K8s(*f))
            }));
    for (n, s, lo, hi, b) in entries {
        if n != name {
            continue;
        }
        known = true;
        if s == style && (usize::from(lo)..=usize::from(hi)).contains(&argc) {
            return Lookup::Found(b);
        }
    }
    if known {
        Lookup::WrongArity
    } else {
        Lookup::Unknown
    }
}

/// Runs a builtin; the receiver of a method is `args[0]`.
pub(crate) fn call<'a>(
    ev: &mut Eval<'_, 'a>,
    f: Builtin,
    args: &[Value<'a>],
) -> EvalResult<Value<'a>> {
    match f {
        B::Size
        | B::Contains
        | B::StartsWith
        | B::EndsWith
        | B::Matches
        | B::ToInt
        | B::ToUint
        | B::ToDouble
        | B::ToString
        | B::ToBytes
        | B::ToBool
        | B::ToDuration
        | B::ToTimestamp
        | B::Dyn
        | B::TypeOf
        | B::GetFullYear
        | B::GetMonth
        | B::GetDayOfYear
        | B::GetDayOfMonth
        | B::GetDate
        | B::GetDayOfWeek
        | B::GetHours
        | B::GetMinutes
        | B::GetSeconds
        | B::GetMilliseconds
        | B::OptionalOf
        | B::OptionalNone
        | B::OptionalOfNonZero
        | B::HasValue
        | B::OptValue
        | B::OptOr
        | B::OptOrValue
        | B::Base64Encode
        | B::Base64Decode => standard::call(ev, f, args),
        B::CharAt
        | B::IndexOf
        | B::LastIndexOf
        | B::LowerAscii
        | B::UpperAscii
        | B::Replace
        | B::Split
        | B::Substring
        | B::Trim
        | B::Join
        | B::Quote
        | B::Reverse
        | B::Find
        | B::FindAll
        | B::RegexReplace
        | B::RegexExtract
        | B::RegexExtractAll => strings::call(ev, f, args),
        B::Includes => {
            ev.charge(lists::traversal_cost(arg(args, 0)?))?;
            let (target, item) = (arg(args, 0)?, arg(args, 1)?);
            Ok(Value::Bool(match target {
                Value::List(items) => items.iter().any(|v| crate::ops::equals(&v, item)),
                other => crate::ops::equals(other, item),
            }))
        }
        B::Format => {
            let (format, list) = (arg(args, 0)?, arg(args, 1)?);
            let result = match format::format(format, list, ev.remaining()) {
                Err(EvalError::CostLimitExceeded) => {
                    return ev.ensure_budget(u64::MAX).map(|()| Value::Null)
                }
                other => other?,
            };
            ev.charge(1 + crate::cost::traversal(format.cost_size()))?;
            ev.charge_allocation(result.as_str().map_or(0, str::len))?;
            Ok(result)
        }
        B::Slice
        | B::Flatten
        | B::Sort
        | B::Distinct
        | B::Range
        | B::First
        | B::Last
        | B::IsSorted
        | B::Sum
        | B::Min
        | B::Max
        | B::SetsContains
        | B::SetsEquivalent
        | B::SetsIntersects => lists::call(ev, f, args),
        B::Greatest
        | B::Least
        | B::Ceil
        | B::Floor
        | B::Round
        | B::Trunc
        | B::Abs
        | B::Sign
        | B::IsNaN
        | B::IsInf
        | B::IsFinite
        | B::BitAnd
        | B::BitOr
        | B::BitXor
        | B::BitNot
        | B::BitShiftLeft
        | B::BitShiftRight
        | B::Sqrt => {
            ev.charge(1)?;
            math::call(f, args)
        }
        B::K8s(function) => k8s::call(ev, function, args),
    }
}

/// The result type of a builtin, when it does not depend on the arguments' run-time types.
pub(crate) fn result_type(f: Builtin, args: &[crate::plan::Node]) -> Option<Type> {
    Some(match f {
        B::Size
        | B::ToInt
        | B::IndexOf
        | B::LastIndexOf
        | B::GetFullYear
        | B::GetMonth
        | B::GetDayOfYear
        | B::GetDayOfMonth
        | B::GetDate
        | B::GetDayOfWeek
        | B::GetHours
        | B::GetMinutes
        | B::GetSeconds
        | B::GetMilliseconds => Type::Int,
        B::Contains
        | B::StartsWith
        | B::EndsWith
        | B::Matches
        | B::ToBool
        | B::HasValue
        | B::IsSorted
        | B::SetsContains
        | B::SetsEquivalent
        | B::SetsIntersects
        | B::IsNaN
        | B::IsInf
        | B::IsFinite => Type::Bool,
        B::ToUint => Type::Uint,
        B::ToDouble | B::Ceil | B::Floor | B::Round | B::Trunc | B::Sqrt => Type::Double,
        B::ToString
        | B::CharAt
        | B::LowerAscii
        | B::UpperAscii
        | B::Replace
        | B::Substring
        | B::Trim
        | B::Join
        | B::Quote
        | B::Format
        | B::Base64Encode
        | B::Find => Type::String,
        B::ToBytes | B::Base64Decode => Type::Bytes,
        B::ToDuration => Type::Duration,
        B::ToTimestamp => Type::Timestamp,
        B::TypeOf => Type::Type,
        B::Includes => Type::Bool,
        B::RegexExtract => Type::Optional,
        B::Split
        | B::Slice
        | B::Flatten
        | B::Sort
        | B::Distinct
        | B::Range
        | B::FindAll
        | B::RegexExtractAll => Type::List,
        B::OptionalOf | B::OptionalNone | B::OptionalOfNonZero | B::OptOr | B::First | B::Last => {
            Type::Optional
        }
        B::Reverse => return args.first().and_then(crate::plan::Node::static_type),
        B::K8s(function) => return k8s::result_type(function),
        _ => return None,
    })
}

/// The argument at `index`.
pub(crate) fn arg<'v, 'a>(args: &'v [Value<'a>], index: usize) -> EvalResult<&'v Value<'a>> {
    args.get(index).ok_or(EvalError::NoSuchOverload)
}

/// The string argument at `index`.
pub(crate) fn str_arg<'v>(args: &'v [Value<'_>], index: usize) -> EvalResult<&'v str> {
    match args.get(index) {
        Some(Value::String(s)) => Ok(s.as_str()),
        _ => Err(EvalError::NoSuchOverload),
    }
}

/// The `int` argument at `index`.
pub(crate) fn int_arg(args: &[Value<'_>], index: usize) -> EvalResult<i64> {
    match args.get(index) {
        Some(Value::Int(i)) => Ok(*i),
        _ => Err(EvalError::NoSuchOverload),
    }
}

/// A value as Go's `%v` prints it in cel-go's error messages.
pub(crate) fn debug_string(value: &Value<'_>) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Uint(u) => u.to_string(),
        Value::Double(d) => crate::gofmt::format_g(*d),
        Value::String(s) => s.as_str().to_string(),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        Value::List(items) => {
            let parts: Vec<String> = items.iter().map(|v| debug_string(&v)).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Map(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", debug_string(&k.to_value()), debug_string(&v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Value::Timestamp(t) => t.to_string(),
        Value::Duration(d) => crate::time::duration_string(*d),
        Value::Type(t) => t.to_string(),
        Value::Optional(Some(v)) => format!("optional({})", debug_string(v)),
        Value::Optional(None) => "optional.none()".into(),
        Value::Object(o) => o.to_string(),
    }
}
