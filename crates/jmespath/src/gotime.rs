//! The parts of Go's `time` package that Kyverno's time functions use: `time.Parse` with
//! reference layouts (`2006-01-02T15:04:05Z07:00`), RFC 3339 output, and instant arithmetic.
//!
//! A time is an instant (Unix seconds and nanoseconds) plus the UTC offset it was written
//! with, which RFC 3339 output keeps. Zone names parse (`MST`) but, as in Go without a
//! matching local zone, give offset zero.

mod layout;

use kanon_core::duration::Duration;

use layout::{next_std_chunk, Std, ZoneShape, LONG_DAYS, LONG_MONTHS, SHORT_DAYS, SHORT_MONTHS};

/// An instant with the UTC offset it is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct GoTime {
    /// Seconds since the Unix epoch.
    unix: i64,
    /// Nanoseconds within the second, `0..1e9`.
    nanos: u32,
    /// Offset from UTC in seconds.
    offset: i32,
}

/// Go's `time.RFC3339` layout.
pub(crate) const RFC3339: &str = "2006-01-02T15:04:05Z07:00";

const NANOS_PER_SECOND: i128 = 1_000_000_000;
/// Seconds from 0001-01-01 (Go's zero time) to the Unix epoch.
const ZERO_TO_UNIX: i128 = 62_135_596_800;

impl GoTime {
    /// The instant `unix` seconds after the epoch, in UTC.
    pub(crate) fn from_unix(unix: i64) -> Self {
        Self {
            unix,
            nanos: 0,
            offset: 0,
        }
    }

    fn total_nanos(&self) -> i128 {
        i128::from(self.unix) * NANOS_PER_SECOND + i128::from(self.nanos)
    }

    fn from_total_nanos(total: i128, offset: i32) -> Self {
        let unix = total.div_euclid(NANOS_PER_SECOND);
        let nanos = total.rem_euclid(NANOS_PER_SECOND) as u32;
        Self {
            unix: i64::try_from(unix).unwrap_or(if unix < 0 { i64::MIN } else { i64::MAX }),
            nanos,
            offset,
        }
    }

    /// The same instant shown in UTC.
    pub(crate) fn utc(self) -> Self {
        Self { offset: 0, ..self }
    }

    /// `self + duration`, keeping the offset.
    pub(crate) fn add(self, duration: Duration) -> Self {
        Self::from_total_nanos(
            self.total_nanos() + i128::from(duration.as_nanos()),
            self.offset,
        )
    }

    /// `self - other`, saturating at the duration limits as Go's `Time.Sub` does.
    pub(crate) fn sub(self, other: Self) -> Duration {
        let difference = self.total_nanos() - other.total_nanos();
        let clamped = difference.clamp(i128::from(i64::MIN), i128::from(i64::MAX));
        Duration::from_nanos(clamped as i64)
    }

    /// Rounds down to a multiple of `duration` since Go's zero time (`Time.Truncate`).
    pub(crate) fn truncate(self, duration: Duration) -> Self {
        let step = i128::from(duration.as_nanos());
        if step <= 0 {
            return self;
        }
        let since_zero = self.total_nanos() + ZERO_TO_UNIX * NANOS_PER_SECOND;
        let remainder = since_zero.rem_euclid(step);
        Self::from_total_nanos(self.total_nanos() - remainder, self.offset)
    }

    /// Orders instants (offsets ignored).
    pub(crate) fn instant_cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.total_nanos().cmp(&other.total_nanos())
    }

    /// Calendar fields in the time's own offset: (year, month, day, hour, minute, second,
    /// weekday with Sunday = 0).
    pub(crate) fn civil(&self) -> (i64, u32, u32, u32, u32, u32, u32) {
        let local = i128::from(self.unix) + i128::from(self.offset);
        let days = local.div_euclid(86_400) as i64;
        let seconds = local.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        let weekday = (days + 4).rem_euclid(7) as u32;
        (
            year,
            month,
            day,
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60,
            weekday,
        )
    }

    /// `Format(time.RFC3339)`: `2006-01-02T15:04:05Z` or `…+07:00`, without fractions.
    pub(crate) fn format_rfc3339(&self) -> String {
        let (year, month, day, hour, minute, second, _) = self.civil();
        let year = if year < 0 {
            format!("-{:04}", year.unsigned_abs())
        } else {
            format!("{year:04}")
        };
        let zone = if self.offset == 0 {
            "Z".to_owned()
        } else {
            let sign = if self.offset < 0 { '-' } else { '+' };
            let minutes = self.offset.unsigned_abs() / 60;
            format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
        };
        format!("{year}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{zone}")
    }

    /// Go's `time.Parse(layout, value)`; the error reads as Go's `*time.ParseError`.
    pub(crate) fn parse(layout: &str, value: &str) -> Result<Self, String> {
        Parse::new(layout, value).run()
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day number since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in(month: i64, year: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Go's `quote` in the time package.
fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn is_digit(s: &[u8], i: usize) -> bool {
    s.get(i).is_some_and(u8::is_ascii_digit)
}

/// Go's `getnum`: one or two digits (exactly two when `fixed`).
fn getnum(s: &[u8], fixed: bool) -> Option<(i64, &[u8])> {
    let first = i64::from(*s.first().filter(|c| c.is_ascii_digit())? - b'0');
    if !is_digit(s, 1) {
        if fixed {
            return None;
        }
        return Some((first, s.get(1..).unwrap_or_default()));
    }
    let second = i64::from(s.get(1).copied().unwrap_or(b'0') - b'0');
    Some((first * 10 + second, s.get(2..).unwrap_or_default()))
}

/// Go's `getnum3`: up to three digits (exactly three when `fixed`).
fn getnum3(s: &[u8], fixed: bool) -> Option<(i64, &[u8])> {
    let count = s.iter().take(3).take_while(|c| c.is_ascii_digit()).count();
    if count == 0 || (fixed && count != 3) {
        return None;
    }
    let n = s
        .iter()
        .take(count)
        .fold(0i64, |n, c| n * 10 + i64::from(c - b'0'));
    Some((n, s.get(count..).unwrap_or_default()))
}

/// Go's `atoi` (optional sign, digits only).
fn atoi(s: &[u8]) -> Option<i64> {
    let (negative, digits) = match s.first() {
        Some(b'-') => (true, s.get(1..).unwrap_or_default()),
        Some(b'+') => (false, s.get(1..).unwrap_or_default()),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut value: i64 = 0;
    for c in digits {
        value = value.checked_mul(10)?.checked_add(i64::from(c - b'0'))?;
    }
    Some(if negative { -value } else { value })
}

/// Go's `parseNanoseconds`: `value` starts with `.` or `,`; `count` bytes include it.
fn parse_nanoseconds(value: &[u8], count: usize) -> Option<i64> {
    if !matches!(value.first(), Some(b'.' | b',')) {
        return None;
    }
    let count = count.min(10);
    let mut nanos = atoi(value.get(1..count)?)?;
    for _ in count..10 {
        nanos *= 10;
    }
    Some(nanos)
}

/// Case-insensitive (ASCII) prefix lookup in a name table.
fn lookup<'v>(table: &[&str], value: &'v [u8]) -> Option<(i64, &'v [u8])> {
    table.iter().enumerate().find_map(|(i, name)| {
        let prefix = value.get(..name.len())?;
        prefix
            .eq_ignore_ascii_case(name.as_bytes())
            .then(|| (i as i64, value.get(name.len()..).unwrap_or_default()))
    })
}

/// Go's `parseTimeZone`: the length of a zone abbreviation at the start of `value`.
fn parse_time_zone(value: &[u8]) -> Option<usize> {
    if value.len() < 3 {
        return None;
    }
    if value.starts_with(b"ChST") || value.starts_with(b"MeST") {
        return Some(4);
    }
    if value.starts_with(b"GMT") {
        let rest = value.get(3..).unwrap_or_default();
        return Some(3 + parse_signed_offset(rest).unwrap_or(0));
    }
    if matches!(value.first(), Some(b'+' | b'-')) {
        return parse_signed_offset(value);
    }
    let upper = value
        .iter()
        .take(6)
        .take_while(|c| c.is_ascii_uppercase())
        .count();
    match upper {
        5 if value.get(4) == Some(&b'T') => Some(5),
        4 if value.get(3) == Some(&b'T') || value.starts_with(b"WITA") => Some(4),
        3 => Some(3),
        _ => None,
    }
}

fn parse_signed_offset(value: &[u8]) -> Option<usize> {
    if !matches!(value.first(), Some(b'+' | b'-')) {
        return None;
    }
    let digits = value
        .iter()
        .skip(1)
        .take_while(|c| c.is_ascii_digit())
        .count();
    if digits == 0 {
        return None;
    }
    let hours = atoi(value.get(1..1 + digits)?)?;
    if hours > 12 {
        return None;
    }
    Some(1 + digits)
}

/// Go's `skip`: matches a literal layout prefix, where a space matches any run of spaces.
fn skip<'v>(mut value: &'v [u8], mut prefix: &[u8]) -> Option<&'v [u8]> {
    while let Some((&first, rest)) = prefix.split_first() {
        if first == b' ' {
            if value.first().is_some_and(|c| *c != b' ') {
                return None;
            }
            prefix = trim_spaces(prefix);
            value = trim_spaces(value);
            continue;
        }
        if value.first() != Some(&first) {
            return None;
        }
        prefix = rest;
        value = value.get(1..).unwrap_or_default();
    }
    Some(value)
}

fn trim_spaces(s: &[u8]) -> &[u8] {
    let count = s.iter().take_while(|c| **c == b' ').count();
    s.get(count..).unwrap_or_default()
}

struct Parse<'a> {
    layout: &'a str,
    value: &'a str,
}

impl<'a> Parse<'a> {
    fn new(layout: &'a str, value: &'a str) -> Self {
        Self { layout, value }
    }

    fn cannot_parse(&self, value_elem: &[u8], layout_elem: &str) -> String {
        format!(
            "parsing time {} as {}: cannot parse {} as {}",
            quote(self.value),
            quote(self.layout),
            quote(&String::from_utf8_lossy(value_elem)),
            quote(layout_elem)
        )
    }

    fn message(&self, message: &str) -> String {
        format!("parsing time {}{message}", quote(self.value))
    }

    fn run(self) -> Result<GoTime, String> {
        let mut layout = self.layout;
        let mut value = self.value.as_bytes();
        let (mut year, mut month, mut day, mut yday) = (0i64, -1i64, -1i64, -1i64);
        let (mut hour, mut minute, mut second, mut nanos) = (0i64, 0i64, 0i64, 0i64);
        let (mut pm, mut am) = (false, false);
        let mut utc = false;
        let mut zone_offset: Option<i64> = None;
        let mut zone_name: Option<String> = None;
        loop {
            let (prefix, chunk) = next_std_chunk(layout);
            value =
                skip(value, prefix.as_bytes()).ok_or_else(|| self.cannot_parse(value, prefix))?;
            let Some((std, rest)) = chunk else {
                if !value.is_empty() {
                    let extra = String::from_utf8_lossy(value);
                    return Err(self.message(&format!(": extra text: {}", quote(&extra))));
                }
                break;
            };
            let std_text = layout
                .get(prefix.len()..layout.len() - rest.len())
                .unwrap_or_default();
            layout = rest;
            let hold = value;
            let mut range_error: Option<&str> = None;
            let ok: Option<()> = (|| {
                match std {
                    Std::Year => {
                        let p = value.get(..2)?;
                        value = value.get(2..)?;
                        year = atoi(p)?;
                        year += if year >= 69 { 1900 } else { 2000 };
                    }
                    Std::LongYear => {
                        if value.len() < 4 || !is_digit(value, 0) {
                            return None;
                        }
                        year = atoi(value.get(..4)?)?;
                        value = value.get(4..)?;
                    }
                    Std::Month | Std::LongMonth => {
                        let table: &[&str] = if std == Std::Month {
                            &SHORT_MONTHS
                        } else {
                            &LONG_MONTHS
                        };
                        let (index, rest) = lookup(table, value)?;
                        month = index + 1;
                        value = rest;
                    }
                    Std::NumMonth | Std::ZeroMonth => {
                        let (n, rest) = getnum(value, std == Std::ZeroMonth)?;
                        month = n;
                        value = rest;
                        if !(1..=12).contains(&month) {
                            range_error = Some("month");
                        }
                    }
                    Std::WeekDay | Std::LongWeekDay => {
                        let table: &[&str] = if std == Std::WeekDay {
                            &SHORT_DAYS
                        } else {
                            &LONG_DAYS
                        };
                        value = lookup(table, value)?.1;
                    }
                    Std::Day | Std::UnderDay | Std::ZeroDay => {
                        if std == Std::UnderDay && value.first() == Some(&b' ') {
                            value = value.get(1..)?;
                        }
                        let (n, rest) = getnum(value, std == Std::ZeroDay)?;
                        day = n;
                        value = rest;
                    }
                    Std::UnderYearDay | Std::ZeroYearDay => {
                        for _ in 0..2 {
                            if std == Std::UnderYearDay && value.first() == Some(&b' ') {
                                value = value.get(1..)?;
                            }
                        }
                        let (n, rest) = getnum3(value, std == Std::ZeroYearDay)?;
                        yday = n;
                        value = rest;
                    }
                    Std::Hour => {
                        let (n, rest) = getnum(value, false)?;
                        hour = n;
                        value = rest;
                        if !(0..24).contains(&hour) {
                            range_error = Some("hour");
                        }
                    }
                    Std::Hour12 | Std::ZeroHour12 => {
                        let (n, rest) = getnum(value, std == Std::ZeroHour12)?;
                        hour = n;
                        value = rest;
                        if !(0..=12).contains(&hour) {
                            range_error = Some("hour");
                        }
                    }
                    Std::Minute | Std::ZeroMinute => {
                        let (n, rest) = getnum(value, std == Std::ZeroMinute)?;
                        minute = n;
                        value = rest;
                        if !(0..60).contains(&minute) {
                            range_error = Some("minute");
                        }
                    }
                    Std::Second | Std::ZeroSecond => {
                        let (n, rest) = getnum(value, std == Std::ZeroSecond)?;
                        second = n;
                        value = rest;
                        if !(0..60).contains(&second) {
                            range_error = Some("second");
                            return Some(());
                        }
                        // A fraction in the value that the layout does not mention.
                        if value.len() >= 2
                            && matches!(value.first(), Some(b'.' | b','))
                            && is_digit(value, 1)
                        {
                            if let (_, Some((Std::Frac { .. }, _))) = next_std_chunk(layout) {
                                return Some(());
                            }
                            let mut n = 2;
                            while is_digit(value, n) {
                                n += 1;
                            }
                            nanos = parse_nanoseconds(value, n)?;
                            value = value.get(n..)?;
                        }
                    }
                    Std::Pm | Std::PmLower => {
                        let p = value.get(..2)?;
                        value = value.get(2..)?;
                        let (upper, lower) = if std == Std::Pm {
                            (&b"PM"[..], &b"AM"[..])
                        } else {
                            (&b"pm"[..], &b"am"[..])
                        };
                        if p == upper {
                            pm = true;
                        } else if p == lower {
                            am = true;
                        } else {
                            return None;
                        }
                    }
                    Std::Iso(_) | Std::Num(_) => {
                        let shape = match std {
                            Std::Iso(shape) => {
                                if value.first() == Some(&b'Z') {
                                    value = value.get(1..)?;
                                    utc = true;
                                    return Some(());
                                }
                                shape
                            }
                            Std::Num(shape) => shape,
                            _ => return None,
                        };
                        let piece = |from: usize, to: usize| value.get(from..to);
                        let (sign, h, m, s, used) = match shape {
                            ZoneShape::Colon => {
                                if value.get(3) != Some(&b':') {
                                    return None;
                                }
                                (piece(0, 1)?, piece(1, 3)?, piece(4, 6)?, &b"00"[..], 6)
                            }
                            ZoneShape::Short => {
                                (piece(0, 1)?, piece(1, 3)?, &b"00"[..], &b"00"[..], 3)
                            }
                            ZoneShape::ColonSeconds => {
                                if value.get(3) != Some(&b':') || value.get(6) != Some(&b':') {
                                    return None;
                                }
                                (piece(0, 1)?, piece(1, 3)?, piece(4, 6)?, piece(7, 9)?, 9)
                            }
                            ZoneShape::Seconds => {
                                (piece(0, 1)?, piece(1, 3)?, piece(3, 5)?, piece(5, 7)?, 7)
                            }
                            ZoneShape::Plain => {
                                (piece(0, 1)?, piece(1, 3)?, piece(3, 5)?, &b"00"[..], 5)
                            }
                        };
                        let hours = getnum(h, true)?.0;
                        let minutes = getnum(m, true)?.0;
                        let seconds = getnum(s, true)?.0;
                        value = value.get(used..)?;
                        if hours > 24 {
                            range_error = Some("time zone offset hour");
                        }
                        if minutes > 60 {
                            range_error = Some("time zone offset minute");
                        }
                        if seconds > 60 {
                            range_error = Some("time zone offset second");
                        }
                        let offset = (hours * 60 + minutes) * 60 + seconds;
                        zone_offset = Some(match sign {
                            b"+" => offset,
                            b"-" => -offset,
                            _ => return None,
                        });
                    }
                    Std::Tz => {
                        if value.starts_with(b"UTC") {
                            utc = true;
                            value = value.get(3..)?;
                            return Some(());
                        }
                        let n = parse_time_zone(value)?;
                        zone_name = Some(String::from_utf8_lossy(value.get(..n)?).into_owned());
                        value = value.get(n..)?;
                    }
                    Std::Frac { digits, optional } => {
                        if !optional {
                            let count = 1 + digits;
                            if value.len() < count {
                                return None;
                            }
                            nanos = parse_nanoseconds(value, count)?;
                            value = value.get(count..)?;
                        } else {
                            if value.len() < 2
                                || !matches!(value.first(), Some(b'.' | b','))
                                || !is_digit(value, 1)
                            {
                                return Some(());
                            }
                            let mut i = 0;
                            while is_digit(value, i + 1) {
                                i += 1;
                            }
                            nanos = parse_nanoseconds(value, 1 + i)?;
                            value = value.get(1 + i..)?;
                        }
                    }
                }
                Some(())
            })();
            if let Some(range) = range_error {
                return Err(self.message(&format!(": {range} out of range")));
            }
            if ok.is_none() {
                return Err(self.cannot_parse(hold, std_text));
            }
        }
        if pm && hour < 12 {
            hour += 12;
        } else if am && hour == 12 {
            hour = 0;
        }
        if yday >= 0 {
            let (mut m, mut d) = (0i64, 0i64);
            let mut yd = yday;
            if is_leap(year) {
                if yd == 31 + 29 {
                    m = 2;
                    d = 29;
                } else if yd > 31 + 29 {
                    yd -= 1;
                }
            }
            if !(1..=365).contains(&yd) {
                return Err(self.message(": day-of-year out of range"));
            }
            if m == 0 {
                const BEFORE: [i64; 13] =
                    [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];
                m = (yd - 1) / 31 + 1;
                if BEFORE.get(m as usize).is_some_and(|b| *b < yd) {
                    m += 1;
                }
                d = yd - BEFORE.get((m - 1) as usize).copied().unwrap_or(0);
            }
            if month >= 0 && month != m {
                return Err(self.message(": day-of-year does not match month"));
            }
            month = m;
            if day >= 0 && day != d {
                return Err(self.message(": day-of-year does not match day"));
            }
            day = d;
        } else {
            if month < 0 {
                month = 1;
            }
            if day < 0 {
                day = 1;
            }
        }
        if day < 1 || day > days_in(month, year) {
            return Err(self.message(": day out of range"));
        }
        let days = days_from_civil(year, month as u32, day as u32);
        let local = i128::from(days) * 86_400 + i128::from(hour * 3600 + minute * 60 + second);
        let (unix, offset) = if utc {
            (local, 0)
        } else if let Some(offset) = zone_offset {
            (local - i128::from(offset), offset)
        } else if let Some(name) = zone_name {
            let offset = match name.strip_prefix("GMT") {
                Some(hours) if !hours.is_empty() => atoi(hours.as_bytes()).unwrap_or(0) * 3600,
                _ => 0,
            };
            (local - i128::from(offset), offset)
        } else {
            (local, 0)
        };
        Ok(GoTime::from_total_nanos(
            unix * NANOS_PER_SECOND + i128::from(nanos),
            offset as i32,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc(text: &str) -> GoTime {
        GoTime::parse(RFC3339, text).unwrap()
    }

    #[test]
    fn rfc3339_round_trip() {
        for text in [
            "2021-01-02T15:04:05Z",
            "2021-01-02T15:04:05+07:00",
            "2021-01-02T15:04:05-05:30",
            "1970-01-01T00:00:00Z",
            "2000-02-29T23:59:59Z",
            "0001-01-01T00:00:00Z",
        ] {
            assert_eq!(rfc(text).format_rfc3339(), text);
        }
        assert_eq!(
            rfc("2021-01-02T15:04:05.123456789Z").format_rfc3339(),
            "2021-01-02T15:04:05Z"
        );
        assert_eq!(
            rfc("2021-01-02T15:04:05+00:00").format_rfc3339(),
            "2021-01-02T15:04:05Z"
        );
        assert_eq!(
            rfc("2021-01-02T15:04:05+07:00").utc().format_rfc3339(),
            "2021-01-02T08:04:05Z"
        );
        assert_eq!(rfc("1970-01-01T00:00:10Z"), GoTime::from_unix(10));
    }

    #[test]
    fn rfc3339_errors() {
        assert_eq!(
            GoTime::parse(RFC3339, "2021-13-02T15:04:05Z").unwrap_err(),
            r#"parsing time "2021-13-02T15:04:05Z": month out of range"#
        );
        assert_eq!(
            GoTime::parse(RFC3339, "not a time").unwrap_err(),
            r#"parsing time "not a time" as "2006-01-02T15:04:05Z07:00": cannot parse "not a time" as "2006""#
        );
        assert_eq!(
            GoTime::parse(RFC3339, "2021-02-30T15:04:05Z").unwrap_err(),
            r#"parsing time "2021-02-30T15:04:05Z": day out of range"#
        );
        assert!(GoTime::parse(RFC3339, "2021-01-02T15:04:05").is_err());
        assert!(GoTime::parse(RFC3339, "2021-01-02T15:04:05Zjunk").is_err());
    }

    #[test]
    fn other_layouts() {
        let parse =
            |layout: &str, value: &str| GoTime::parse(layout, value).unwrap().format_rfc3339();
        assert_eq!(parse("2006-01-02", "2021-03-04"), "2021-03-04T00:00:00Z");
        assert_eq!(
            parse("Mon Jan _2 15:04:05 2006", "Thu Mar  4 05:06:07 2021"),
            "2021-03-04T05:06:07Z"
        );
        assert_eq!(
            parse("02 Jan 06 15:04 MST", "04 Mar 21 05:06 UTC"),
            "2021-03-04T05:06:00Z"
        );
        assert_eq!(
            parse("02 Jan 06 15:04 -0700", "04 Mar 21 05:06 +0100"),
            "2021-03-04T05:06:00+01:00"
        );
        assert_eq!(
            parse("January 2, 2006 3:04 PM", "March 4, 2021 5:06 PM"),
            "2021-03-04T17:06:00Z"
        );
        assert_eq!(
            parse("2006-01-02 15:04:05.000", "2021-03-04 05:06:07.123"),
            "2021-03-04T05:06:07Z"
        );
        assert_eq!(parse("2006.002", "2020.060"), "2020-02-29T00:00:00Z");
        assert_eq!(
            parse("Jan 2 2006 MST", "Mar 4 2021 GMT+2"),
            "2021-03-04T00:00:00+02:00"
        );
    }

    #[test]
    fn arithmetic() {
        let t = rfc("2021-01-02T15:04:05Z");
        assert_eq!(
            t.add(Duration::parse("1h30m").unwrap()).format_rfc3339(),
            "2021-01-02T16:34:05Z"
        );
        assert_eq!(rfc("2021-01-02T16:34:05Z").sub(t).to_string(), "1h30m0s");
        assert_eq!(
            t.truncate(Duration::parse("1h").unwrap()).format_rfc3339(),
            "2021-01-02T15:00:00Z"
        );
        assert_eq!(
            t.truncate(Duration::parse("24h").unwrap()).format_rfc3339(),
            "2021-01-02T00:00:00Z"
        );
        assert_eq!(t.civil().6, 6); // a Saturday
    }

    #[test]
    fn civil_conversions_agree() {
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
