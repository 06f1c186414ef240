//! Go's `time.Duration`: parsing with `time.ParseDuration` and printing with `Duration.String`.
//!
//! Kyverno compares and computes durations written in policies (`"1h30m"`, `"300ms"`,
//! `"-1.5h"`), so kanon needs Go's exact syntax and output: units `ns`, `us`/`µs`/`μs`, `ms`,
//! `s`, `m`, `h` (no days), an optional sign, fractional parts, and a bare `"0"`; printing gives
//! `1h30m0s`, `1.5s`, `300ms`, `0s`. A duration is a signed count of nanoseconds (`i64`), so
//! values beyond about 292 years are errors, as in Go.
//!
//! ```
//! use kanon_core::duration::Duration;
//! let d = Duration::parse("1h30m").unwrap();
//! assert_eq!(d.to_string(), "1h30m0s");
//! assert_eq!(Duration::parse("1.5h").unwrap(), d);
//! assert_eq!(Duration::parse("300ms").unwrap().to_string(), "300ms");
//! ```

use std::fmt;

/// A span of time in nanoseconds, with Go's `time.Duration` syntax and formatting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration(i64);

/// A string that is not a Go duration; the message is Go's (`time: invalid duration "x"`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseDurationError {
    message: String,
}

impl ParseDurationError {
    fn invalid(original: &str) -> Self {
        Self {
            message: format!("time: invalid duration {}", go_quote(original)),
        }
    }
}

/// Nanoseconds in one unit.
const NANOSECOND: u64 = 1;
const MICROSECOND: u64 = 1_000;
const MILLISECOND: u64 = 1_000_000;
const SECOND: u64 = 1_000_000_000;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;
/// `1 << 63`, the magnitude of the most negative duration.
const LIMIT: u64 = 1 << 63;

fn unit_nanos(unit: &str) -> Option<u64> {
    Some(match unit {
        "ns" => NANOSECOND,
        "us" | "\u{b5}s" | "\u{3bc}s" => MICROSECOND,
        "ms" => MILLISECOND,
        "s" => SECOND,
        "m" => MINUTE,
        "h" => HOUR,
        _ => return None,
    })
}

impl Duration {
    /// The zero duration.
    pub const ZERO: Duration = Duration(0);

    /// A duration of `nanos` nanoseconds.
    pub const fn from_nanos(nanos: i64) -> Self {
        Self(nanos)
    }

    /// The duration in nanoseconds.
    pub const fn as_nanos(self) -> i64 {
        self.0
    }

    /// `time.Duration(seconds * float64(time.Second))` as Go computes it on amd64: the
    /// nanosecond count is truncated toward zero, and NaN or out-of-range values give the
    /// most negative duration.
    pub fn from_seconds_f64(seconds: f64) -> Self {
        let nanos = seconds * 1e9;
        if (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&nanos) {
            Self(nanos as i64)
        } else {
            Self(i64::MIN)
        }
    }

    /// The duration in seconds, computed as Go's `Duration.Seconds` does (whole seconds plus
    /// the nanosecond remainder divided by 1e9).
    pub fn as_seconds_f64(self) -> f64 {
        let seconds = self.0 / SECOND as i64;
        let nanos = self.0 % SECOND as i64;
        seconds as f64 + nanos as f64 / 1e9
    }

    /// Parses Go duration syntax: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, or a bare `0`.
    pub fn parse(text: &str) -> Result<Self, ParseDurationError> {
        let original = text;
        let mut rest = text;
        let mut negative = false;
        if let Some(first) = rest.chars().next() {
            if first == '-' || first == '+' {
                negative = first == '-';
                rest = rest.get(1..).unwrap_or_default();
            }
        }
        if rest == "0" {
            return Ok(Self::ZERO);
        }
        if rest.is_empty() {
            return Err(ParseDurationError::invalid(original));
        }
        let mut total: u64 = 0;
        while !rest.is_empty() {
            let bytes = rest.as_bytes();
            let first = bytes.first().copied().unwrap_or(0);
            if !(first == b'.' || first.is_ascii_digit()) {
                return Err(ParseDurationError::invalid(original));
            }
            let before = rest.len();
            let (whole, after_int) =
                leading_int(rest).ok_or_else(|| ParseDurationError::invalid(original))?;
            rest = after_int;
            let had_int = before != rest.len();
            let mut fraction = 0u64;
            let mut scale = 1f64;
            let mut had_fraction = false;
            if let Some(after_dot) = rest.strip_prefix('.') {
                let before = after_dot.len();
                let (f, s, after) = leading_fraction(after_dot);
                fraction = f;
                scale = s;
                rest = after;
                had_fraction = before != rest.len();
            }
            if !had_int && !had_fraction {
                return Err(ParseDurationError::invalid(original));
            }
            let unit_len = rest
                .bytes()
                .position(|c| c == b'.' || c.is_ascii_digit())
                .unwrap_or(rest.len());
            if unit_len == 0 {
                return Err(ParseDurationError {
                    message: format!("time: missing unit in duration {}", go_quote(original)),
                });
            }
            let unit_text = rest.get(..unit_len).unwrap_or_default();
            rest = rest.get(unit_len..).unwrap_or_default();
            let unit = unit_nanos(unit_text).ok_or_else(|| ParseDurationError {
                message: format!(
                    "time: unknown unit {} in duration {}",
                    go_quote(unit_text),
                    go_quote(original)
                ),
            })?;
            if whole > LIMIT / unit {
                return Err(ParseDurationError::invalid(original));
            }
            let mut value = whole * unit;
            if fraction > 0 {
                // Go uses float64 here to stay nanosecond-accurate for fractions of hours.
                value += (fraction as f64 * (unit as f64 / scale)) as u64;
                if value > LIMIT {
                    return Err(ParseDurationError::invalid(original));
                }
            }
            total += value;
            if total > LIMIT {
                return Err(ParseDurationError::invalid(original));
            }
        }
        if negative {
            return Ok(Self((total as i64).wrapping_neg()));
        }
        if total > LIMIT - 1 {
            return Err(ParseDurationError::invalid(original));
        }
        Ok(Self(total as i64))
    }

    /// `self + other`, wrapping on overflow as Go's integer arithmetic does.
    pub fn wrapping_add(self, other: Self) -> Self {
        Self(self.0.wrapping_add(other.0))
    }

    /// `self - other`, wrapping on overflow as Go's integer arithmetic does.
    pub fn wrapping_sub(self, other: Self) -> Self {
        Self(self.0.wrapping_sub(other.0))
    }
}

/// Consumes leading ASCII digits; `None` on overflow past `1 << 63`.
fn leading_int(text: &str) -> Option<(u64, &str)> {
    let mut value: u64 = 0;
    let mut end = 0;
    for (i, c) in text.bytes().enumerate() {
        if !c.is_ascii_digit() {
            break;
        }
        if value > LIMIT / 10 {
            return None;
        }
        value = value * 10 + u64::from(c - b'0');
        if value > LIMIT {
            return None;
        }
        end = i + 1;
    }
    Some((value, text.get(end..).unwrap_or_default()))
}

/// Consumes leading ASCII digits of a fraction; stops accumulating precision on overflow.
fn leading_fraction(text: &str) -> (u64, f64, &str) {
    let mut value: u64 = 0;
    let mut scale = 1f64;
    let mut overflow = false;
    let mut end = 0;
    for (i, c) in text.bytes().enumerate() {
        if !c.is_ascii_digit() {
            break;
        }
        end = i + 1;
        if overflow {
            continue;
        }
        if value > (LIMIT - 1) / 10 {
            overflow = true;
            continue;
        }
        let next = value * 10 + u64::from(c - b'0');
        if next > LIMIT {
            overflow = true;
            continue;
        }
        value = next;
        scale *= 10.0;
    }
    (value, scale, text.get(end..).unwrap_or_default())
}

/// Quotes like Go's `time` package: printable text between double quotes.
fn go_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl fmt::Display for Duration {
    /// Go's `Duration.String`: `72h3m0.5s`, `1.5s`, `300ms`, `2µs`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let negative = self.0 < 0;
        let mut value = self.0.unsigned_abs();
        // Built back to front, as Go does.
        let mut out: Vec<u8> = Vec::with_capacity(32);
        if value < SECOND {
            let precision;
            out.push(b's');
            if value == 0 {
                return f.write_str("0s");
            } else if value < MICROSECOND {
                precision = 0;
                out.push(b'n');
            } else if value < MILLISECOND {
                precision = 3;
                // "µ" (U+00B5) reversed.
                out.push(0xb5);
                out.push(0xc2);
            } else {
                precision = 6;
                out.push(b'm');
            }
            value = push_fraction(&mut out, value, precision);
            push_int(&mut out, value);
        } else {
            out.push(b's');
            value = push_fraction(&mut out, value, 9);
            push_int(&mut out, value % 60);
            value /= 60;
            if value > 0 {
                out.push(b'm');
                push_int(&mut out, value % 60);
                value /= 60;
                if value > 0 {
                    out.push(b'h');
                    push_int(&mut out, value);
                }
            }
        }
        if negative {
            out.push(b'-');
        }
        out.reverse();
        f.write_str(&String::from_utf8_lossy(&out))
    }
}

/// Pushes (reversed) the fraction `value / 10^precision` without trailing zeros, and the
/// decimal point unless the fraction is zero. Returns the integer part.
fn push_fraction(out: &mut Vec<u8>, mut value: u64, precision: u32) -> u64 {
    let mut printed = false;
    for _ in 0..precision {
        let digit = value % 10;
        printed = printed || digit != 0;
        if printed {
            out.push(b'0' + digit as u8);
        }
        value /= 10;
    }
    if printed {
        out.push(b'.');
    }
    value
}

/// Pushes (reversed) the decimal digits of `value`.
fn push_int(out: &mut Vec<u8>, mut value: u64) {
    if value == 0 {
        out.push(b'0');
        return;
    }
    while value > 0 {
        out.push(b'0' + (value % 10) as u8);
        value /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, nanos: i64, printed: &str) {
        let d = Duration::parse(text).unwrap();
        assert_eq!(d.as_nanos(), nanos, "parse {text}");
        assert_eq!(d.to_string(), printed, "print {text}");
    }

    #[test]
    fn parses_and_prints_like_go() {
        check("1h30m", 90 * MINUTE as i64, "1h30m0s");
        check("1.5h", 90 * MINUTE as i64, "1h30m0s");
        check("-1m", -(MINUTE as i64), "-1m0s");
        check("300ms", 300 * MILLISECOND as i64, "300ms");
        check("0", 0, "0s");
        check("-0", 0, "0s");
        check("+5s", 5 * SECOND as i64, "5s");
        check("1.5s", 1_500_000_000, "1.5s");
        check("2us", 2_000, "2µs");
        check("2µs", 2_000, "2µs");
        check("2μs", 2_000, "2µs");
        check("3ns", 3, "3ns");
        check("1.2ms", 1_200_000, "1.2ms");
        check(
            "72h3m0.5s",
            72 * HOUR as i64 + 3 * MINUTE as i64 + 500_000_000,
            "72h3m0.5s",
        );
        check(".5s", 500_000_000, "500ms");
        check("5.s", 5_000_000_000, "5s");
        check("1h1m1s1ms1us1ns", 3_661_001_001_001, "1h1m1.001001001s");
        check("0s", 0, "0s");
        check("10h", 10 * HOUR as i64, "10h0m0s");
    }

    #[test]
    fn extreme_values() {
        check(
            "2562047h47m16.854775807s",
            i64::MAX,
            "2562047h47m16.854775807s",
        );
        check(
            "-2562047h47m16.854775808s",
            i64::MIN,
            "-2562047h47m16.854775808s",
        );
        assert!(Duration::parse("2562047h47m16.854775808s").is_err());
        assert!(Duration::parse("9223372036854775808ns").is_err());
        assert!(Duration::parse("99999999999999999999h").is_err());
    }

    #[test]
    fn rejects_what_go_rejects() {
        for bad in [
            "", "-", "+", "1", "1d", "h", ".s", "-.s", "1.2.3s", "1s2", "s1", " 1s",
        ] {
            assert!(Duration::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert_eq!(
            Duration::parse("1d").unwrap_err().to_string(),
            r#"time: unknown unit "d" in duration "1d""#
        );
        assert_eq!(
            Duration::parse("10").unwrap_err().to_string(),
            r#"time: missing unit in duration "10""#
        );
        assert_eq!(
            Duration::parse("x").unwrap_err().to_string(),
            r#"time: invalid duration "x""#
        );
    }

    #[test]
    fn seconds_as_float() {
        assert_eq!(Duration::parse("1.5s").unwrap().as_seconds_f64(), 1.5);
        assert_eq!(Duration::parse("-90m").unwrap().as_seconds_f64(), -5400.0);
        assert_eq!(Duration::from_seconds_f64(2.5).to_string(), "2.5s");
        assert_eq!(Duration::from_seconds_f64(-0.0000000015).as_nanos(), -1);
        assert_eq!(Duration::from_seconds_f64(f64::NAN).as_nanos(), i64::MIN);
        assert_eq!(Duration::from_seconds_f64(1e300).as_nanos(), i64::MIN);
    }

    #[test]
    fn long_fractions_keep_nanosecond_accuracy() {
        check("1.0000000000000000000001s", SECOND as i64, "1s");
    }
}
