//! `quantity()` and its methods, on [`kanon_core::quantity::Quantity`].

use kanon_core::quantity::{Format, Quantity};

use super::{object, Function};
use crate::error::{EvalError, EvalResult};
use crate::objects::ObjectKind;
use crate::value::Value;

/// `quantity(s)`: Kubernetes' `resource.ParseQuantity`.
pub(crate) fn parse(text: &str) -> EvalResult<Quantity> {
    // apimachinery requires digits before the suffix (`Mi` alone is not a quantity), which
    // `Quantity::parse` does not check.
    let unsigned = text.trim_start_matches(['+', '-']);
    let number: String = unsigned
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    if !number.chars().any(|c| c.is_ascii_digit()) {
        return Err(EvalError::msg(
            kanon_core::quantity::ParseQuantityError::FormatWrong.to_string(),
        ));
    }
    Quantity::parse(text).map_err(|e| EvalError::msg(e.to_string()))
}

/// `q.add(x)` and `q.sub(x)` with a quantity or an integer.
pub(crate) fn arithmetic<'a>(
    add: bool,
    receiver: &ObjectKind,
    other: &Value<'_>,
) -> EvalResult<Value<'a>> {
    let ObjectKind::Quantity(q) = receiver else {
        return Err(EvalError::NoSuchOverload);
    };
    let other = match other {
        Value::Object(o) => match o.kind() {
            ObjectKind::Quantity(other) => *other,
            _ => return Err(EvalError::NoSuchOverload),
        },
        Value::Int(i) => Quantity::from_i64(*i, Format::DecimalExponent),
        _ => return Err(EvalError::NoSuchOverload),
    };
    let result = if add {
        q.checked_add(&other)
    } else {
        q.checked_sub(&other)
    };
    result
        .map(|r| object(ObjectKind::Quantity(r)))
        .ok_or_else(|| EvalError::msg("quantity is too large or too precise to represent exactly"))
}

pub(crate) fn accessor(f: Function, q: &Quantity) -> EvalResult<Value<'static>> {
    match f {
        Function::AsInteger => as_i64(q)
            .map(Value::Int)
            .ok_or_else(|| EvalError::msg("cannot convert value to integer")),
        Function::IsInteger => Ok(Value::Bool(as_i64(q).is_some())),
        Function::AsApproximateFloat => Ok(Value::Double(q.as_approximate_f64())),
        _ => Ok(Value::Int(i64::from(q.signum()))),
    }
}

/// Kubernetes' `Quantity.AsInt64`: the value when it is kept as an integer (no digits after
/// the point in its representation) and fits 64 bits.
pub(crate) fn as_i64(q: &Quantity) -> Option<i64> {
    if q.decimal_places() > 0 {
        return None;
    }
    // The canonical text of an integral quantity is digits and a multiplier suffix.
    let text = q.to_string();
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    let split = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (digits, suffix) = rest.split_at(split);
    let mantissa: i128 = digits.parse().ok()?;
    let multiplier: i128 = match suffix {
        "" => 1,
        "k" => 1_000,
        "M" => 1_000_000,
        "G" => 1_000_000_000,
        "T" => 1_000_000_000_000,
        "P" => 1_000_000_000_000_000,
        "E" => 1_000_000_000_000_000_000,
        "Ki" => 1 << 10,
        "Mi" => 1 << 20,
        "Gi" => 1 << 30,
        "Ti" => 1 << 40,
        "Pi" => 1 << 50,
        "Ei" => 1 << 60,
        exponent => {
            let power: u32 = exponent
                .strip_prefix(['e', 'E'])?
                .trim_start_matches('+')
                .parse()
                .ok()?;
            10i128.checked_pow(power)?
        }
    };
    let value = mantissa.checked_mul(multiplier)?;
    i64::try_from(if negative { -value } else { value }).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(text: &str) -> Quantity {
        parse(text).unwrap()
    }

    #[test]
    fn integers() {
        assert_eq!(as_i64(&q("50k")), Some(50_000));
        assert_eq!(as_i64(&q("50000000G")), Some(50_000_000_000_000_000));
        assert_eq!(as_i64(&q("1Gi")), Some(1 << 30));
        assert_eq!(as_i64(&q("-3")), Some(-3));
        assert_eq!(as_i64(&q("1500m")), None);
        assert_eq!(as_i64(&q("20E")), None);
    }
}
