//! Go's ways of printing floating-point numbers (`%g`, `%e`, `%f`), which cel-go's
//! `string(double)` and `format()` inherit.

/// The shortest decimal digits of `value` (no sign) and the position of the decimal point:
/// `value = 0.d1d2... * 10^point`. Zero has no digits.
fn shortest_digits(value: f64) -> (String, i32) {
    if value == 0.0 {
        return (String::new(), 0);
    }
    // `{:e}` prints the shortest round-tripping digits, e.g. `1.2345e6`.
    let text = format!("{:e}", value.abs());
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0').to_string();
    let exponent: i32 = exponent.parse().unwrap_or(0);
    (digits, exponent + 1)
}

fn exponent_suffix(out: &mut String, exponent: i32) {
    out.push(if exponent < 0 { '-' } else { '+' });
    let abs = exponent.unsigned_abs();
    if abs < 10 {
        out.push('0');
    }
    out.push_str(&abs.to_string());
}

/// Go's `%g` (and `strconv.FormatFloat(f, 'g', -1, 64)`): the shortest digits that read
/// back as the same number, in exponent form when the exponent is below -4 or at least 6.
pub(crate) fn format_g(value: f64) -> String {
    if value.is_nan() {
        return "NaN".into();
    }
    if value.is_infinite() {
        return if value > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    let negative = value.is_sign_negative();
    let (digits, point) = shortest_digits(value);
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if digits.is_empty() {
        out.push('0');
        return out;
    }
    let exponent = point - 1;
    if !(-4..6).contains(&exponent) {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        out.push('e');
        exponent_suffix(&mut out, exponent);
        return out;
    }
    if point <= 0 {
        out.push_str("0.");
        out.push_str(&"0".repeat(point.unsigned_abs() as usize));
        out.push_str(&digits);
    } else {
        let point = point as usize;
        if digits.len() <= point {
            out.push_str(&digits);
            out.push_str(&"0".repeat(point - digits.len()));
        } else {
            let (int, frac) = digits.split_at(point);
            out.push_str(int);
            out.push('.');
            out.push_str(frac);
        }
    }
    out
}

/// Go's `%.<precision>e`, e.g. `2.718280e+00`.
pub(crate) fn format_e(value: f64, precision: usize) -> String {
    if !value.is_finite() {
        return format_g(value);
    }
    let text = format!("{value:.precision$e}");
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let mut out = mantissa.to_string();
    out.push('e');
    exponent_suffix(&mut out, exponent.parse().unwrap_or(0));
    out
}

/// Go's `%.<precision>f`.
pub(crate) fn format_f(value: f64, precision: usize) -> String {
    if !value.is_finite() {
        return format_g(value);
    }
    format!("{value:.precision$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g() {
        assert_eq!(format_g(2.71), "2.71");
        assert_eq!(format_g(2e-9), "2e-09");
        assert_eq!(format_g(1e6), "1e+06");
        assert_eq!(format_g(123456.0), "123456");
        assert_eq!(format_g(1234567.0), "1.234567e+06");
        assert_eq!(format_g(0.0001), "0.0001");
        assert_eq!(format_g(0.00001), "1e-05");
        assert_eq!(format_g(-0.0), "-0");
        assert_eq!(format_g(100.0), "100");
        assert_eq!(format_g(1e100), "1e+100");
        assert_eq!(format_g(f64::INFINITY), "+Inf");
    }

    #[test]
    fn e_and_f() {
        assert_eq!(format_e(1.234_56, 6), "1.234560e+00");
        assert_eq!(format_e(1052.032911275, 6), "1.052033e+03");
        assert_eq!(format_f(1.2345, 3), "1.234");
        assert_eq!(format_f(1.234_56, 6), "1.234560");
    }
}
