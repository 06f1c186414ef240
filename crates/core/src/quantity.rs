//! Kubernetes `resource.Quantity`: parsing, exact comparison, arithmetic and the canonical
//! string form, as `k8s.io/apimachinery/pkg/api/resource` defines them.
//!
//! Syntax: an optional sign, a decimal number (`1`, `1.5`, `.5`, `5.`), then a suffix: a
//! decimal SI suffix (`n u m "" k M G T P E`), a binary one (`Ki Mi Gi Ti Pi Ei`) or an
//! exponent (`e3`, `E-2`). Values are exact: a quantity is an integer times a power of ten
//! ([`i128`] mantissa), never a float. As in Kubernetes, parsing rounds values finer than a
//! nanounit up (`0.1n` is `1n`), caps binary-suffixed values at 2^63-1, and remembers the
//! suffix family ([`Format`]) so that printing uses it again: `1.5Gi` prints as `1536Mi`,
//! `1.5` as `1500m`.
//!
//! Quantities whose exact value needs more than 38 significant digits are rejected with
//! [`ParseQuantityError::OutOfRange`]; Kubernetes would accept them (it falls back to big
//! decimals), but no real manifest comes close.
//!
//! ```
//! use kanon_core::quantity::Quantity;
//! let gi: Quantity = "1Gi".parse().unwrap();
//! assert_eq!(gi, "1024Mi".parse().unwrap());
//! assert!("500m".parse::<Quantity>().unwrap() < "1".parse().unwrap());
//! let sum = "1.5Gi".parse::<Quantity>().unwrap().checked_add(&"512Mi".parse().unwrap()).unwrap();
//! assert_eq!(sum.to_string(), "2Gi");
//! ```

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// The suffix family a quantity was written with, used again when it is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// An exponent suffix, e.g. `12e6`.
    DecimalExponent,
    /// A binary suffix, e.g. `12Mi` (12 * 2^20).
    BinarySI,
    /// A decimal SI suffix or none, e.g. `12M` (12 * 10^6).
    DecimalSI,
}

/// Why a string is not a quantity; messages are apimachinery's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseQuantityError {
    /// The text does not have the shape of a quantity.
    #[error("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")]
    FormatWrong,
    /// The number part cannot be read.
    #[error("unable to parse numeric part of quantity")]
    Numeric,
    /// The suffix is not one of the known ones.
    #[error("unable to parse quantity's suffix")]
    Suffix,
    /// The value needs more precision than kanon keeps (more than 38 significant digits).
    #[error("quantity is too large or too precise to represent exactly")]
    OutOfRange,
}

/// A Kubernetes resource quantity: `unscaled * 10^scale`, with the [`Format`] it was written in.
///
/// Equality and ordering compare values (`1Gi == 1024Mi`); the representation (mantissa and
/// exponent, as Kubernetes keeps it) matters only to [`Quantity::decimal_places`] and
/// [`Quantity::as_approximate_f64`], which mirror Kubernetes' results exactly.
#[derive(Debug, Clone, Copy)]
pub struct Quantity {
    unscaled: i128,
    scale: i32,
    format: Format,
}

/// Nanounits: the finest precision a parsed quantity keeps (`resource.Nano`).
const NANO: i32 = -9;
/// Decimal digits an `int64` always holds (`maxInt64Factors`).
const MAX_INT64_FACTORS: i32 = 18;

impl Quantity {
    /// Zero, in decimal SI format.
    pub const ZERO: Quantity = Quantity {
        unscaled: 0,
        scale: 0,
        format: Format::DecimalSI,
    };

    /// The integer `value` in the given format (`resource.NewQuantity`).
    pub fn from_i64(value: i64, format: Format) -> Self {
        Self {
            unscaled: i128::from(value),
            scale: 0,
            format,
        }
    }

    /// `unscaled * 10^scale` in the given format, with no rounding (`resource.NewDecimalQuantity`).
    pub fn from_parts(unscaled: i128, scale: i32, format: Format) -> Self {
        Self {
            unscaled,
            scale,
            format,
        }
    }

    /// Parses the Kubernetes quantity syntax (`resource.ParseQuantity`).
    pub fn parse(text: &str) -> Result<Self, ParseQuantityError> {
        if text.is_empty() {
            return Err(ParseQuantityError::FormatWrong);
        }
        if text == "0" {
            return Ok(Self::ZERO);
        }
        let scan = scan(text)?;
        let (base, exponent, format) = interpret_suffix(scan.suffix)?;
        let digits = len_i32(scan.num).wrapping_add(len_i32(scan.denom));
        let precision;
        let mut scale = 0i32;
        let mut mantissa = 1i64;
        match format {
            Format::DecimalExponent | Format::DecimalSI => {
                scale = exponent;
                precision = MAX_INT64_FACTORS.wrapping_sub(digits);
            }
            Format::BinarySI => {
                if exponent >= 0 && scan.denom.is_empty() {
                    mantissa = 1i64.checked_shl(exponent as u32).unwrap_or(0);
                    precision = 15i32
                        .wrapping_sub(len_i32(scan.num))
                        .wrapping_sub((exponent as f32 * 3.0 / 10.0) as i32)
                        .wrapping_sub(1);
                } else {
                    precision = -1;
                }
            }
        }
        if precision >= 0 {
            scale = scale.wrapping_sub(len_i32(scan.denom));
            if scale >= NANO {
                let shifted = format!("{}{}", scan.num, scan.denom);
                let value: i64 = shifted.parse().map_err(|_| ParseQuantityError::Numeric)?;
                if let Some(result) = value.checked_mul(mantissa) {
                    let result = if scan.positive { result } else { -result };
                    return Ok(Self {
                        unscaled: i128::from(result),
                        scale,
                        format,
                    });
                }
            }
        }
        slow_parse(scan.value, base, exponent, format)
    }

    /// The format the quantity prints in.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Whether the value is zero.
    pub fn is_zero(&self) -> bool {
        self.unscaled == 0
    }

    /// -1, 0 or 1 for negative, zero and positive values.
    pub fn signum(&self) -> i32 {
        self.unscaled.signum() as i32
    }

    /// Digits after the decimal point in Kubernetes' representation (`AsDec().Scale()`);
    /// negative for values kept as a multiple of a power of ten.
    pub fn decimal_places(&self) -> i32 {
        self.scale.wrapping_neg()
    }

    /// `self + other`, exact; the format is `self`'s unless `self` is zero (`Quantity.Add`).
    /// `None` if the result needs more than 38 significant digits.
    pub fn checked_add(&self, other: &Quantity) -> Option<Quantity> {
        if other.unscaled == 0 {
            return Some(*self);
        }
        if self.unscaled == 0 {
            return Some(Quantity {
                format: other.format,
                ..*other
            });
        }
        let scale = self.scale.min(other.scale);
        let left = scale_up(self.unscaled, self.scale.checked_sub(scale)?)?;
        let right = scale_up(other.unscaled, other.scale.checked_sub(scale)?)?;
        Some(Quantity {
            unscaled: left.checked_add(right)?,
            scale,
            format: self.format,
        })
    }

    /// `self - other`, exact; the format is `self`'s unless `self` is zero (`Quantity.Sub`).
    pub fn checked_sub(&self, other: &Quantity) -> Option<Quantity> {
        let negated = Quantity {
            unscaled: other.unscaled.checked_neg()?,
            ..*other
        };
        let mut result = self.checked_add(&negated)?;
        if self.unscaled == 0 {
            result.format = other.format;
        }
        Some(result)
    }

    /// `self * other`, exact and unrounded, in `self`'s format (an `inf.Dec` product).
    pub fn checked_mul(&self, other: &Quantity) -> Option<Quantity> {
        Some(Quantity {
            unscaled: self.unscaled.checked_mul(other.unscaled)?,
            scale: self.scale.checked_add(other.scale)?,
            format: self.format,
        })
    }

    /// `self / divisor` truncated toward zero to `decimal_places` digits after the point, in
    /// `self`'s format (`inf.Dec.QuoRound` with `RoundDown`). `None` for a zero divisor or
    /// when the result does not fit.
    pub fn div_round_down(&self, divisor: &Quantity, decimal_places: i32) -> Option<Quantity> {
        if divisor.unscaled == 0 {
            return None;
        }
        // self = a * 10^sa, divisor = b * 10^sb, result = q * 10^-p
        // q = a * 10^(sa - sb + p) / b
        let shift = i64::from(self.scale) - i64::from(divisor.scale) + i64::from(decimal_places);
        let quotient = if shift >= 0 {
            scale_up(self.unscaled, i32::try_from(shift).ok()?)? / divisor.unscaled
        } else {
            match scale_up(divisor.unscaled, i32::try_from(-shift).ok()?) {
                Some(denominator) => self.unscaled / denominator,
                None => 0,
            }
        };
        Some(Quantity {
            unscaled: quotient,
            scale: decimal_places.checked_neg()?,
            format: self.format,
        })
    }

    /// The value as an `f64`, computed exactly as Kubernetes' `AsApproximateFloat64` does
    /// (mantissa as a float times `math.Pow10(exponent)`), so results match to the bit.
    pub fn as_approximate_f64(&self) -> f64 {
        let base = self.unscaled as f64;
        if self.scale == 0 {
            return base;
        }
        base * go_pow10(self.scale)
    }

    /// Compares the value with an integer.
    fn cmp_i64(&self, value: i64) -> Ordering {
        self.cmp(&Quantity::from_i64(value, Format::DecimalSI))
    }

    /// The value rounded away from zero to an integer, and whether that was exact; `None` if
    /// it does not fit.
    fn round_up_to_integer(&self) -> Option<(i128, bool)> {
        if self.scale >= 0 {
            return scale_up(self.unscaled, self.scale).map(|v| (v, true));
        }
        let (quotient, remainder) =
            divide_by_power_of_ten(self.unscaled, self.scale.unsigned_abs());
        if remainder == 0 {
            Some((quotient, true))
        } else {
            Some((quotient + self.unscaled.signum(), false))
        }
    }

    /// The canonical text (`Quantity.String`): the largest suffix of the quantity's format that
    /// keeps the number an integer.
    fn canonical(&self) -> String {
        if self.unscaled == 0 {
            return "0".to_owned();
        }
        let mut format = self.format;
        let mut binary = None;
        if format == Format::BinarySI {
            if self.cmp_i64(-1024) == Ordering::Greater && self.cmp_i64(1024) == Ordering::Less {
                format = Format::DecimalSI;
            } else {
                match self.round_up_to_integer() {
                    Some((value, true)) => binary = Some(value),
                    _ => format = Format::DecimalSI,
                }
            }
        }
        if let Some(value) = binary {
            let (mut mantissa, mut times) = (value, 0u32);
            while mantissa.unsigned_abs() >= 1024 && mantissa % 1024 == 0 {
                mantissa /= 1024;
                times += 1;
            }
            let suffix = match times {
                1 => "Ki",
                2 => "Mi",
                3 => "Gi",
                4 => "Ti",
                5 => "Pi",
                6 => "Ei",
                // Kubernetes finds no suffix here and prints none.
                _ => "",
            };
            return format!("{mantissa}{suffix}");
        }
        let mut mantissa = self.unscaled;
        let mut exponent = self.scale;
        while mantissa % 10 == 0 {
            mantissa /= 10;
            exponent = exponent.wrapping_add(1);
        }
        let mut number = mantissa.to_string();
        match exponent.rem_euclid(3) {
            1 => {
                number.push('0');
                exponent = exponent.wrapping_sub(1);
            }
            2 => {
                number.push_str("00");
                exponent = exponent.wrapping_sub(2);
            }
            _ => {}
        }
        match format {
            Format::DecimalExponent => {
                if exponent != 0 {
                    number.push('e');
                    number.push_str(&exponent.to_string());
                }
            }
            _ => number.push_str(match exponent {
                -9 => "n",
                -6 => "u",
                -3 => "m",
                3 => "k",
                6 => "M",
                9 => "G",
                12 => "T",
                15 => "P",
                18 => "E",
                // Zero, or an exponent without a suffix, which Kubernetes prints bare.
                _ => "",
            }),
        }
        number
    }
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Quantity {}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    /// Exact comparison of the values.
    fn cmp(&self, other: &Self) -> Ordering {
        let (left_sign, right_sign) = (self.unscaled.signum(), other.unscaled.signum());
        if left_sign != right_sign || left_sign == 0 {
            return left_sign.cmp(&right_sign);
        }
        let magnitude = compare_magnitudes(
            self.unscaled.unsigned_abs(),
            self.scale,
            other.unscaled.unsigned_abs(),
            other.scale,
        );
        if left_sign < 0 {
            magnitude.reverse()
        } else {
            magnitude
        }
    }
}

impl fmt::Display for Quantity {
    /// The canonical form Kubernetes prints: `1Gi`, `1500m`, `1536Mi`, `12e6`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

impl FromStr for Quantity {
    type Err = ParseQuantityError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Quantity::parse(text)
    }
}

/// `a * 10^sa` versus `b * 10^sb`, for non-zero magnitudes.
fn compare_magnitudes(a: u128, sa: i32, b: u128, sb: i32) -> Ordering {
    let difference = i64::from(sa) - i64::from(sb);
    if difference >= 0 {
        match pow10_u128(difference).and_then(|p| a.checked_mul(p)) {
            Some(scaled) => scaled.cmp(&b),
            None => Ordering::Greater,
        }
    } else {
        match pow10_u128(-difference).and_then(|p| b.checked_mul(p)) {
            Some(scaled) => a.cmp(&scaled),
            None => Ordering::Less,
        }
    }
}

fn pow10_u128(exponent: i64) -> Option<u128> {
    10u128.checked_pow(u32::try_from(exponent).ok()?)
}

/// `value * 10^exponent` for `exponent >= 0`; `None` on overflow.
fn scale_up(value: i128, exponent: i32) -> Option<i128> {
    if value == 0 {
        return Some(0);
    }
    let power = 10i128.checked_pow(u32::try_from(exponent).ok()?)?;
    value.checked_mul(power)
}

/// Truncating division by `10^exponent`: (quotient, remainder).
fn divide_by_power_of_ten(value: i128, exponent: u32) -> (i128, i128) {
    match 10i128.checked_pow(exponent) {
        Some(power) => (value / power, value % power),
        None => (0, value),
    }
}

/// `math.Pow10` from Go, with its tables, so that products round exactly as in Go.
fn go_pow10(n: i32) -> f64 {
    const TAB: [f64; 32] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28, 1e29, 1e30, 1e31,
    ];
    const POS32: [f64; 10] = [
        1e0, 1e32, 1e64, 1e96, 1e128, 1e160, 1e192, 1e224, 1e256, 1e288,
    ];
    const NEG32: [f64; 11] = [
        1e-0, 1e-32, 1e-64, 1e-96, 1e-128, 1e-160, 1e-192, 1e-224, 1e-256, 1e-288, 1e-320,
    ];
    let index = |table: &[f64], i: u32| table.get(i as usize).copied().unwrap_or(0.0);
    if (0..=308).contains(&n) {
        let n = n as u32;
        return index(&POS32, n / 32) * index(&TAB, n % 32);
    }
    if (-323..=0).contains(&n) {
        let n = n.unsigned_abs();
        return index(&NEG32, n / 32) / index(&TAB, n % 32);
    }
    if n > 0 {
        f64::INFINITY
    } else {
        0.0
    }
}

fn len_i32(text: &str) -> i32 {
    i32::try_from(text.len()).unwrap_or(i32::MAX)
}

/// The pieces of a quantity string, as apimachinery's `parseQuantityString` finds them.
struct Scan<'a> {
    positive: bool,
    /// Sign and number, without the suffix.
    value: &'a str,
    /// Integer digits without leading zeros ("0" if none).
    num: &'a str,
    /// Fraction digits.
    denom: &'a str,
    suffix: &'a str,
}

fn scan(text: &str) -> Result<Scan<'_>, ParseQuantityError> {
    let bytes = text.as_bytes();
    let end = bytes.len();
    let at = |i: usize| bytes.get(i).copied().unwrap_or(0);
    let slice = |from: usize, to: usize| text.get(from..to).unwrap_or_default();
    let mut positive = true;
    let mut pos = 0;
    match at(0) {
        b'-' => {
            positive = false;
            pos = 1;
        }
        b'+' => pos = 1,
        _ => {}
    }
    let zero = Scan {
        positive,
        value: "0",
        num: "0",
        denom: "",
        suffix: "",
    };
    // Leading zeros.
    loop {
        if pos >= end {
            return Ok(zero);
        }
        if at(pos) == b'0' {
            pos += 1;
        } else {
            break;
        }
    }
    // Integer part.
    let start = pos;
    while pos < end && at(pos).is_ascii_digit() {
        pos += 1;
    }
    let mut num = slice(start, pos);
    if pos >= end {
        return Ok(Scan {
            positive,
            value: text,
            num: if num.is_empty() { "0" } else { num },
            denom: "",
            suffix: "",
        });
    }
    if num.is_empty() {
        num = "0";
    }
    // Fraction.
    let mut denom = "";
    if at(pos) == b'.' {
        pos += 1;
        let start = pos;
        while pos < end && at(pos).is_ascii_digit() {
            pos += 1;
        }
        denom = slice(start, pos);
        if pos >= end {
            return Ok(Scan {
                positive,
                value: text,
                num,
                denom,
                suffix: "",
            });
        }
    }
    let value = slice(0, pos);
    // Suffix letters, an optional sign, then digits to the end.
    let suffix_start = pos;
    while pos < end && b"eEinumkKMGTP".contains(&at(pos)) {
        pos += 1;
    }
    if pos < end && (at(pos) == b'-' || at(pos) == b'+') {
        pos += 1;
    }
    while pos < end && at(pos).is_ascii_digit() {
        pos += 1;
    }
    if pos < end {
        return Err(ParseQuantityError::FormatWrong);
    }
    Ok(Scan {
        positive,
        value,
        num,
        denom,
        suffix: slice(suffix_start, end),
    })
}

/// (base, exponent, format) of a suffix.
fn interpret_suffix(suffix: &str) -> Result<(u32, i32, Format), ParseQuantityError> {
    let decimal = |exponent| Ok((10, exponent, Format::DecimalSI));
    let binary = |exponent| Ok((2, exponent, Format::BinarySI));
    match suffix {
        "" => decimal(0),
        "n" => decimal(-9),
        "u" => decimal(-6),
        "m" => decimal(-3),
        "k" => decimal(3),
        "M" => decimal(6),
        "G" => decimal(9),
        "T" => decimal(12),
        "P" => decimal(15),
        "E" => decimal(18),
        "Ki" => binary(10),
        "Mi" => binary(20),
        "Gi" => binary(30),
        "Ti" => binary(40),
        "Pi" => binary(50),
        "Ei" => binary(60),
        _ => {
            let rest = suffix
                .strip_prefix('e')
                .or_else(|| suffix.strip_prefix('E'))
                .filter(|rest| !rest.is_empty())
                .ok_or(ParseQuantityError::Suffix)?;
            let exponent: i64 = rest.parse().map_err(|_| ParseQuantityError::Suffix)?;
            // Go truncates the exponent to int32.
            Ok((10, exponent as i32, Format::DecimalExponent))
        }
    }
}

/// The big-decimal path of `ParseQuantity`: exact value, rounded up to nanounits, binary
/// values capped at 2^63-1.
fn slow_parse(
    value: &str,
    base: u32,
    exponent: i32,
    mut format: Format,
) -> Result<Quantity, ParseQuantityError> {
    let (negative, digits) = match value.as_bytes().first() {
        Some(b'-') => (true, value.get(1..).unwrap_or_default()),
        Some(b'+') => (false, value.get(1..).unwrap_or_default()),
        _ => (false, value),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && fraction.is_empty() {
        return Err(ParseQuantityError::Numeric);
    }
    let mut unscaled: i128 = 0;
    for c in whole.bytes().chain(fraction.bytes()) {
        if !c.is_ascii_digit() {
            return Err(ParseQuantityError::Numeric);
        }
        unscaled = unscaled
            .checked_mul(10)
            .and_then(|v| v.checked_add(i128::from(c - b'0')))
            .ok_or(ParseQuantityError::OutOfRange)?;
    }
    // `scale` counts digits after the decimal point, as inf.Dec does.
    let mut scale = len_i32(fraction);
    if base == 10 {
        scale = scale.wrapping_sub(exponent);
    } else {
        let factor = 1i128
            .checked_shl(u32::try_from(exponent).map_err(|_| ParseQuantityError::OutOfRange)?)
            .filter(|f| *f > 0)
            .ok_or(ParseQuantityError::OutOfRange)?;
        unscaled = unscaled
            .checked_mul(factor)
            .ok_or(ParseQuantityError::OutOfRange)?;
    }
    if unscaled != 0 {
        // Round up (away from zero) to nanounits.
        let target = -NANO;
        if scale > target {
            let shift = (i64::from(scale) - i64::from(target)) as u32;
            let (quotient, remainder) = divide_by_power_of_ten(unscaled, shift);
            unscaled = if remainder == 0 {
                quotient
            } else {
                quotient + 1
            };
        } else if scale < target {
            let shift = i64::from(target) - i64::from(scale);
            unscaled = i32::try_from(shift)
                .ok()
                .and_then(|shift| scale_up(unscaled, shift))
                .ok_or(ParseQuantityError::OutOfRange)?;
        }
        scale = target;
    }
    let max_allowed = i128::from(i64::MAX);
    if format == Format::BinarySI
        && compare_magnitudes(
            unscaled.unsigned_abs(),
            scale.wrapping_neg(),
            max_allowed as u128,
            0,
        ) == Ordering::Greater
        && unscaled != 0
    {
        unscaled = max_allowed;
        scale = 0;
    }
    if format == Format::BinarySI
        && unscaled != 0
        && compare_magnitudes(unscaled.unsigned_abs(), scale.wrapping_neg(), 1, 0) == Ordering::Less
    {
        format = Format::DecimalSI;
    }
    if negative {
        unscaled = -unscaled;
    }
    Ok(Quantity {
        unscaled,
        scale: scale.wrapping_neg(),
        format,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(text: &str) -> Quantity {
        Quantity::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    /// Parses `text` and checks its canonical form.
    fn check(text: &str, canonical: &str) {
        assert_eq!(q(text).to_string(), canonical, "canonical form of {text}");
    }

    #[test]
    fn canonical_forms() {
        check("1Gi", "1Gi");
        check("1024Mi", "1Gi");
        check("1.5Gi", "1536Mi");
        check("1.5", "1500m");
        check("1500m", "1500m");
        check("0.5", "500m");
        check(".5", "500m");
        check("5.", "5");
        check("100m", "100m");
        check("1000m", "1");
        check("1000", "1k");
        check("1k", "1k");
        check("1e3", "1e3");
        check("1E3", "1e3");
        check("1e-3", "1e-3");
        check("12e6", "12e6");
        check("0", "0");
        check("-0", "0");
        check("00", "0");
        check("-1", "-1");
        check("+1", "1");
        check("1Ki", "1Ki");
        check("1023Ki", "1023Ki");
        check("1000Ki", "1000Ki");
        check("1024Ki", "1Mi");
        check("512", "512");
        check("0.5Ki", "512");
        check("1536", "1536");
        check("100Mi", "100Mi");
        check("0.1n", "1n");
        check("1n", "1n");
        check("1u", "1u");
        check("1.1u", "1100n");
        check("1M", "1M");
        check("1G", "1G");
        check("1T", "1T");
        check("1P", "1P");
        check("1E", "1E");
        check("1.5E", "1500P");
        check("2Ei", "2Ei");
        check("8Ei", "9223372036854775807");
        check("0.0001Ki", "102400u");
        check("-1.5Gi", "-1536Mi");
        check("1.0", "1");
        check("0.001", "1m");
        check("12345678901234567890", "12345678901234567890");
        check("1e-20", "1e-9");
        check("100e-3", "100e-3");
    }

    #[test]
    fn kubernetes_prints_some_decimal_exponents_without_a_suffix() {
        // decimal SI has no suffix for 10^21, so apimachinery prints the bare mantissa
        check("1000E", "1");
        check(".", "0");
        check("+", "0");
        check("-", "0");
    }

    #[test]
    fn rejects_malformed_quantities() {
        for bad in [
            "", "abc", "1h", "1ki", "1K", "1e", "1m3", "1e3.5", "v1", "1.2.3", "1 Gi", "--1", "1*",
        ] {
            assert!(Quantity::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert_eq!(Quantity::parse("1h"), Err(ParseQuantityError::FormatWrong));
        assert_eq!(Quantity::parse("1K"), Err(ParseQuantityError::Suffix));
        assert_eq!(Quantity::parse(""), Err(ParseQuantityError::FormatWrong));
    }

    #[test]
    fn exact_comparison() {
        assert_eq!(q("1Gi"), q("1024Mi"));
        assert!(q("500m") < q("1"));
        assert!(q("1Gi") > q("1G"));
        assert_eq!(q("1"), q("01"));
        assert_eq!(q("1e3"), q("1k"));
        assert!(q("-1") < q("0"));
        assert!(q("-2") < q("-1"));
        assert!(q("1e100") > q("8Ei"));
        assert!(q("1n") > q("0"));
        assert_eq!(q("0.000000001"), q("1n"));
        assert_eq!(q("0"), q("0Gi"));
    }

    #[test]
    fn arithmetic() {
        let sum = q("1.5Gi").checked_add(&q("512Mi")).unwrap();
        assert_eq!(sum.to_string(), "2Gi");
        assert_eq!(q("1").checked_sub(&q("500m")).unwrap().to_string(), "500m");
        assert_eq!(q("0").checked_add(&q("1Ki")).unwrap().to_string(), "1Ki");
        assert_eq!(q("0").checked_sub(&q("1Ki")).unwrap().to_string(), "-1Ki");
        assert_eq!(q("1Gi").checked_sub(&q("1Gi")).unwrap().to_string(), "0");
        let product = q("100m").checked_mul(&q("3")).unwrap();
        assert_eq!(product.to_string(), "300m");
        assert_eq!(q("10Gi").checked_mul(&q("0.5")).unwrap().to_string(), "5Gi");
        let quotient = q("10").div_round_down(&q("3"), 0).unwrap();
        assert_eq!(quotient.to_string(), "3");
        let quotient = q("10").div_round_down(&q("3"), 3).unwrap();
        assert_eq!(quotient.to_string(), "3333m");
        assert!(q("1").div_round_down(&q("0"), 0).is_none());
    }

    #[test]
    fn representation_matches_kubernetes() {
        assert_eq!(q("1.5").decimal_places(), 1);
        assert_eq!(q("1k").decimal_places(), -3);
        assert_eq!(q("1.5Gi").decimal_places(), 9);
        assert_eq!(q("10Gi").decimal_places(), 0);
        assert_eq!(q("1.5Gi").as_approximate_f64(), 1610612736.0);
        assert_eq!(q("100m").as_approximate_f64(), 0.1);
        assert_eq!(q("2k").as_approximate_f64(), 2000.0);
    }

    #[test]
    fn formats() {
        assert_eq!(q("1Ki").format(), Format::BinarySI);
        assert_eq!(q("1k").format(), Format::DecimalSI);
        assert_eq!(q("1e3").format(), Format::DecimalExponent);
        assert_eq!(q("0.5Ki").format(), Format::BinarySI);
        assert_eq!(q("0.0001Ki").format(), Format::DecimalSI);
    }

    #[test]
    fn go_pow10_matches_literals() {
        assert_eq!(go_pow10(0), 1.0);
        assert_eq!(go_pow10(-9), 1e-9);
        assert_eq!(go_pow10(21), 1e21);
        assert_eq!(go_pow10(400), f64::INFINITY);
        assert_eq!(go_pow10(-400), 0.0);
    }

    #[test]
    fn huge_inputs_do_not_panic() {
        for text in [
            "1e2147483647",
            "1e-2147483648",
            "1e9223372036854775807",
            "99999999999999999999999999999999999999999999Ei",
            "9999999999999999999999999999999999999999999999",
            "0.00000000000000000000000000000000000000000001",
            "-99999999999999999999999999999999.9999999999999",
        ] {
            if let Ok(value) = Quantity::parse(text) {
                let _ = value.to_string();
                let _ = value.as_approximate_f64();
                let _ = value.checked_add(&value);
                let _ = value.checked_mul(&value);
                let _ = value.div_round_down(&value, 9);
                let _ = value.cmp(&Quantity::ZERO);
            }
        }
    }
}
