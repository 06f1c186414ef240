//! Kyverno's arithmetic over numbers, Kubernetes quantities and Go durations
//! (`pkg/engine/jmespath/arithmetic.go`).
//!
//! An operand is a number, else a string that parses as a quantity, else as a duration (so
//! `"1m"` is a milli-quantity, not a minute). Results: numbers stay numbers, quantities print
//! in Kubernetes' canonical form, durations in Go's.

use kanon_core::duration::Duration;
use kanon_core::quantity::Quantity;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::functions::int_number;
use crate::gofmt::format_float_g;
use crate::runtime::{ArgSpec, Call, JpType, Runtime};
use crate::value::{as_f64, number};

pub(crate) fn register(runtime: &mut Runtime) {
    let two_any = || vec![ArgSpec::new(&[JpType::Any]); 2];
    runtime.native("add", two_any(), |c| add(c.name, &operands(c)?));
    runtime.native("subtract", two_any(), subtract);
    runtime.native("multiply", two_any(), multiply);
    runtime.native("divide", two_any(), divide);
    runtime.native("modulo", two_any(), modulo);
    runtime.native("sum", vec![ArgSpec::new(&[JpType::Array])], sum);
    runtime.native("round", vec![ArgSpec::new(&[JpType::Number]); 2], round);
}

#[derive(Debug, Clone, Copy)]
enum Operand {
    Scalar(f64),
    Quantity(Quantity),
    Duration(Duration),
}

fn operand(name: &str, value: &Value) -> Result<Operand> {
    if let Some(scalar) = as_f64(value) {
        return Ok(Operand::Scalar(scalar));
    }
    if let Some(text) = value.as_str() {
        if let Ok(quantity) = Quantity::parse(text) {
            return Ok(Operand::Quantity(quantity));
        }
        if let Ok(duration) = Duration::parse(text) {
            return Ok(Operand::Duration(duration));
        }
    }
    Err(Error::kyverno(name, "invalid operand"))
}

fn operands(call: &Call<'_, '_>) -> Result<[Operand; 2]> {
    Ok([
        operand(call.name, call.value(0))?,
        operand(call.name, call.value(1))?,
    ])
}

fn mismatch(name: &str) -> Error {
    Error::kyverno(name, "Types mismatch")
}

fn zero_divisor(name: &str) -> Error {
    Error::kyverno(name, "Zero divisor passed")
}

fn overflow(name: &str) -> Error {
    Error::kyverno(name, "quantity is too large to compute exactly")
}

/// Go's `int64(f)` on amd64: out-of-range and NaN values give the minimum integer.
fn go_int64(value: f64) -> i64 {
    if !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&value) {
        i64::MIN
    } else {
        value as i64
    }
}

/// `time.Duration(seconds * float64(time.Second))`.
fn duration_from_seconds(seconds: f64) -> Duration {
    Duration::from_seconds_f64(seconds)
}

/// A scalar as a quantity, the way Kyverno makes one: `ParseQuantity(fmt.Sprintf("%v", v))`.
fn scalar_quantity(value: f64) -> Result<Quantity> {
    let text = format_float_g(value);
    Quantity::parse(&text).map_err(|e| Error::function("arithmetic", e.to_string()))
}

fn add(name: &str, operands: &[Operand; 2]) -> Result<Value> {
    match operands {
        [Operand::Quantity(a), Operand::Quantity(b)] => Ok(a
            .checked_add(b)
            .ok_or_else(|| overflow(name))?
            .to_string()
            .into()),
        [Operand::Duration(a), Operand::Duration(b)] => Ok(a.wrapping_add(*b).to_string().into()),
        [Operand::Scalar(a), Operand::Scalar(b)] => Ok(number(a + b)),
        _ => Err(mismatch(name)),
    }
}

fn subtract(call: &Call<'_, '_>) -> Result<Value> {
    let name = call.name;
    match operands(call)? {
        [Operand::Quantity(a), Operand::Quantity(b)] => Ok(a
            .checked_sub(&b)
            .ok_or_else(|| overflow(name))?
            .to_string()
            .into()),
        [Operand::Duration(a), Operand::Duration(b)] => Ok(a.wrapping_sub(b).to_string().into()),
        [Operand::Scalar(a), Operand::Scalar(b)] => Ok(number(a - b)),
        _ => Err(mismatch(name)),
    }
}

fn multiply(call: &Call<'_, '_>) -> Result<Value> {
    let name = call.name;
    let times_quantity = |q: Quantity, s: f64| -> Result<Value> {
        let factor = scalar_quantity(s)?;
        Ok(q.checked_mul(&factor)
            .ok_or_else(|| overflow(name))?
            .to_string()
            .into())
    };
    let times_duration = |d: Duration, s: f64| -> Value {
        duration_from_seconds(d.as_seconds_f64() * s)
            .to_string()
            .into()
    };
    match operands(call)? {
        [Operand::Scalar(a), Operand::Scalar(b)] => Ok(number(a * b)),
        [Operand::Quantity(q), Operand::Scalar(s)] | [Operand::Scalar(s), Operand::Quantity(q)] => {
            times_quantity(q, s)
        }
        [Operand::Duration(d), Operand::Scalar(s)] | [Operand::Scalar(s), Operand::Duration(d)] => {
            Ok(times_duration(d, s))
        }
        _ => Err(mismatch(name)),
    }
}

fn divide(call: &Call<'_, '_>) -> Result<Value> {
    let name = call.name;
    match operands(call)? {
        [Operand::Quantity(a), Operand::Quantity(b)] => {
            let divisor = b.as_approximate_f64();
            if divisor == 0.0 {
                return Err(zero_divisor(name));
            }
            Ok(number(a.as_approximate_f64() / divisor))
        }
        [Operand::Quantity(a), Operand::Scalar(s)] => {
            if s == 0.0 {
                return Err(zero_divisor(name));
            }
            let divisor = scalar_quantity(s)?;
            let places = a.decimal_places().max(divisor.decimal_places());
            let quotient = a
                .div_round_down(&divisor, places)
                .ok_or_else(|| overflow(name))?;
            Ok(quotient.to_string().into())
        }
        [Operand::Duration(a), Operand::Duration(b)] => {
            if b.as_seconds_f64() == 0.0 {
                return Err(zero_divisor(name));
            }
            Ok(number(a.as_seconds_f64() / b.as_seconds_f64()))
        }
        [Operand::Duration(d), Operand::Scalar(s)] => {
            if s == 0.0 {
                return Err(zero_divisor(name));
            }
            Ok(duration_from_seconds(d.as_seconds_f64() / s)
                .to_string()
                .into())
        }
        [Operand::Scalar(a), Operand::Scalar(b)] => {
            if b == 0.0 {
                return Err(zero_divisor(name));
            }
            Ok(number(a / b))
        }
        _ => Err(mismatch(name)),
    }
}

fn modulo(call: &Call<'_, '_>) -> Result<Value> {
    let name = call.name;
    let non_integer = || Error::kyverno(name, "Non-integer argument(s) passed for modulo");
    let integers = |a: f64, b: f64| -> Result<(i64, i64)> {
        let (x, y) = (go_int64(a), go_int64(b));
        if a != x as f64 || b != y as f64 {
            return Err(non_integer());
        }
        if y == 0 {
            return Err(zero_divisor(name));
        }
        Ok((x, y))
    };
    match operands(call)? {
        [Operand::Quantity(a), Operand::Quantity(b)] => {
            let (x, y) = integers(a.as_approximate_f64(), b.as_approximate_f64())?;
            Ok(Quantity::from_i64(x.wrapping_rem(y), a.format())
                .to_string()
                .into())
        }
        [Operand::Duration(a), Operand::Duration(b)] => {
            if b.as_nanos() == 0 {
                return Err(zero_divisor(name));
            }
            let remainder = a.as_nanos().wrapping_rem(b.as_nanos());
            Ok(Duration::from_nanos(remainder).to_string().into())
        }
        [Operand::Scalar(a), Operand::Scalar(b)] => {
            let (x, y) = integers(a, b)?;
            Ok(number(x.wrapping_rem(y) as f64))
        }
        _ => Err(mismatch(name)),
    }
}

/// Kyverno's `sum`: a left fold with `add` over an array of numbers, quantities or durations.
fn sum(call: &Call<'_, '_>) -> Result<Value> {
    let name = call.name;
    let items = call.value(0).as_array().ok_or_else(|| mismatch(name))?;
    let Some((first, rest)) = items.split_first() else {
        return Err(Error::kyverno(
            name,
            "at least one element in the array is required",
        ));
    };
    let mut total = first.clone();
    for item in rest {
        total = add(name, &[operand(name, &total)?, operand(name, item)?])?;
    }
    Ok(total)
}

fn round(call: &Call<'_, '_>) -> Result<Value> {
    let name = call.name;
    let value = as_f64(call.value(0)).unwrap_or(0.0);
    let digits = as_f64(call.value(1)).unwrap_or(0.0);
    let digits = int_number(digits)
        .map_err(|_| Error::kyverno(name, "Non-integer argument(s) passed for round off"))?;
    if digits < 0 {
        // Kyverno formats this message with missing arguments; Go prints the placeholders.
        return Err(Error::kyverno(
            name,
            "%!d(MISSING) argument is out of bounds (%!d(MISSING))",
        ));
    }
    let shift = if digits <= 22 {
        // Exact powers of ten, as Go's math.Pow gives them.
        10f64.powi(digits as i32)
    } else {
        10f64.powf(digits as f64)
    };
    Ok(number((value * shift).round() / shift))
}

#[cfg(test)]
mod tests {
    use crate::functions::test_support::error;
    use serde_json::{json, Value};

    fn eval(expression: &str) -> Value {
        crate::functions::test_support::eval(expression, Value::Null)
    }

    #[test]
    fn add_and_subtract() {
        assert_eq!(eval("add(`12`, `13`)"), json!(25));
        assert_eq!(eval("add(`12.5`, `0.25`)"), json!(12.75));
        assert_eq!(eval("add('12Ki', '13Ki')"), json!("25Ki"));
        assert_eq!(eval("add('1.5Gi', '512Mi')"), json!("2Gi"));
        assert_eq!(eval("add('12m', '13')"), json!("13012m"));
        assert_eq!(eval("add('12s', '13s')"), json!("25s"));
        // "30m" reads as 30 milli (a quantity), not 30 minutes.
        assert_eq!(
            error("add('1h', '30m')"),
            "JMESPath function 'add': Types mismatch"
        );
        assert_eq!(eval("subtract(`12`, `13`)"), json!(-1));
        assert_eq!(eval("subtract('12Ki', '13Ki')"), json!("-1Ki"));
        assert_eq!(eval("subtract('12s', '13s')"), json!("-1s"));
        assert_eq!(eval("subtract('2h', '30s')"), json!("1h59m30s"));
        assert_eq!(
            error("add(`12`, '13s')"),
            "JMESPath function 'add': Types mismatch"
        );
        assert_eq!(
            error("subtract('12Ki', '13s')"),
            "JMESPath function 'subtract': Types mismatch"
        );
        assert_eq!(
            error("add('abc', `1`)"),
            "JMESPath function 'add': invalid operand"
        );
        assert_eq!(
            error("add(`true`, `1`)"),
            "JMESPath function 'add': invalid operand"
        );
    }

    #[test]
    fn multiply_divide_modulo() {
        assert_eq!(eval("multiply(`12`, `13`)"), json!(156));
        assert_eq!(eval("multiply('100m', `3`)"), json!("300m"));
        assert_eq!(eval("multiply(`3`, '12Ki')"), json!("36Ki"));
        assert_eq!(eval("multiply('10Gi', `0.5`)"), json!("5Gi"));
        assert_eq!(eval("multiply('12s', `2.5`)"), json!("30s"));
        assert_eq!(eval("multiply(`2`, '1h30m')"), json!("3h0m0s"));
        assert_eq!(
            error("multiply('12Ki', '13Ki')"),
            "JMESPath function 'multiply': Types mismatch"
        );
        assert_eq!(eval("divide(`12`, `13`)"), json!(0.9230769230769231));
        assert_eq!(eval("divide('12Ki', '3Ki')"), json!(4));
        assert_eq!(eval("divide('12Ki', `3`)"), json!("4Ki"));
        assert_eq!(eval("divide('10', `3`)"), json!("3"));
        assert_eq!(eval("divide('10.0', `3`)"), json!("3300m"));
        assert_eq!(eval("divide('12s', '3s')"), json!(4));
        assert_eq!(eval("divide('12s', `3`)"), json!("4s"));
        assert_eq!(
            error("divide(`12`, `0`)"),
            "JMESPath function 'divide': Zero divisor passed"
        );
        assert_eq!(
            error("divide('12Ki', '0')"),
            "JMESPath function 'divide': Zero divisor passed"
        );
        assert_eq!(
            error("divide(`12`, '3s')"),
            "JMESPath function 'divide': Types mismatch"
        );
        assert_eq!(eval("modulo(`12`, `5`)"), json!(2));
        assert_eq!(eval("modulo(`-12`, `5`)"), json!(-2));
        assert_eq!(eval("modulo('12Ki', '5Ki')"), json!("2Ki"));
        assert_eq!(eval("modulo('13s', '2s')"), json!("1s"));
        assert_eq!(
            error("modulo(`12.5`, `5`)"),
            "JMESPath function 'modulo': Non-integer argument(s) passed for modulo"
        );
        assert_eq!(
            error("modulo(`12`, `0`)"),
            "JMESPath function 'modulo': Zero divisor passed"
        );
    }

    #[test]
    fn sum_and_round() {
        assert_eq!(eval("sum(`[1, 2, 3]`)"), json!(6));
        assert_eq!(eval("sum(`[\"1Ki\", \"2Ki\"]`)"), json!("3Ki"));
        assert_eq!(eval("sum(`[\"1h\", \"30s\"]`)"), json!("1h0m30s"));
        assert_eq!(eval("sum(`[5]`)"), json!(5));
        assert_eq!(
            error("sum(`[]`)"),
            "JMESPath function 'sum': at least one element in the array is required"
        );
        assert_eq!(
            error("sum(`[\"1Ki\", 1]`)"),
            "JMESPath function 'sum': Types mismatch"
        );
        assert_eq!(eval("round(`1.234`, `2`)"), json!(1.23));
        assert_eq!(eval("round(`1.5`, `0`)"), json!(2));
        assert_eq!(eval("round(`-1.5`, `0`)"), json!(-2));
        assert_eq!(
            error("round(`1.5`, `0.5`)"),
            "JMESPath function 'round': Non-integer argument(s) passed for round off"
        );
        assert!(error("round(`1.5`, `-1`)").contains("out of bounds"));
    }
}
