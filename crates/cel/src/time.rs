//! Timestamps and durations as cel-go has them: a timestamp is an instant in years 0001 to
//! 9999 that remembers the UTC offset it was written with (for `string()`), a duration is
//! Go's `time.Duration` (nanoseconds in an `i64`).
//!
//! Named time zones (`'America/Los_Angeles'`) need the IANA database, which this crate does
//! not carry: only `UTC` and fixed offsets (`'+05:30'`, `'-08:00'`) are known.

use std::cmp::Ordering;
use std::fmt;

use kanon_core::duration::Duration;

use crate::error::{EvalError, EvalResult};

/// Seconds from 0001-01-01T00:00:00Z to the Unix epoch, negated.
const MIN_UNIX: i64 = -62_135_596_800;
/// Seconds from the Unix epoch to 9999-12-31T23:59:59Z.
const MAX_UNIX: i64 = 253_402_300_799;
const NANOS_PER_SECOND: i128 = 1_000_000_000;

/// An instant with the UTC offset it is shown in.
#[derive(Debug, Clone, Copy)]
pub struct Timestamp {
    secs: i64,
    nanos: u32,
    /// Seconds east of UTC.
    offset: i32,
}

/// The calendar fields of an instant in some zone.
pub(crate) struct Civil {
    pub(crate) year: i64,
    /// 1-based.
    pub(crate) month: u32,
    /// 1-based.
    pub(crate) day: u32,
    pub(crate) hour: u32,
    pub(crate) minute: u32,
    pub(crate) second: u32,
    pub(crate) nanos: u32,
    /// 0 = Sunday.
    pub(crate) weekday: u32,
    /// 0-based day of the year.
    pub(crate) yday: u32,
}

impl Timestamp {
    /// The instant `secs` seconds and `nanos` nanoseconds after the Unix epoch, in UTC;
    /// `None` outside years 0001 to 9999.
    pub fn from_unix(secs: i64, nanos: u32) -> Option<Self> {
        if !(MIN_UNIX..=MAX_UNIX).contains(&secs) || nanos >= 1_000_000_000 {
            return None;
        }
        Some(Timestamp {
            secs,
            nanos,
            offset: 0,
        })
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> i64 {
        self.secs
    }

    /// Nanoseconds within the second.
    pub fn subsec_nanos(&self) -> u32 {
        self.nanos
    }

    fn total_nanos(&self) -> i128 {
        i128::from(self.secs) * NANOS_PER_SECOND + i128::from(self.nanos)
    }

    fn from_total_nanos(total: i128, offset: i32) -> EvalResult<Self> {
        let secs = i64::try_from(total.div_euclid(NANOS_PER_SECOND))
            .map_err(|_| EvalError::TimestampOverflow)?;
        let nanos = total.rem_euclid(NANOS_PER_SECOND) as u32;
        let mut t = Timestamp::from_unix(secs, nanos).ok_or(EvalError::TimestampOverflow)?;
        t.offset = offset;
        Ok(t)
    }

    /// `self + duration`.
    pub(crate) fn add(self, duration: Duration) -> EvalResult<Self> {
        Self::from_total_nanos(
            self.total_nanos() + i128::from(duration.as_nanos()),
            self.offset,
        )
    }

    /// `self - duration`.
    pub(crate) fn sub_duration(self, duration: Duration) -> EvalResult<Self> {
        Self::from_total_nanos(
            self.total_nanos() - i128::from(duration.as_nanos()),
            self.offset,
        )
    }

    /// `self - other` as a duration.
    pub(crate) fn since(self, other: Timestamp) -> EvalResult<Duration> {
        let nanos = i64::try_from(self.total_nanos() - other.total_nanos())
            .map_err(|_| EvalError::DurationOverflow)?;
        Ok(Duration::from_nanos(nanos))
    }

    /// The calendar fields in the zone `offset` seconds east of UTC.
    pub(crate) fn civil(&self, offset: i32) -> Civil {
        let local = self.secs + i64::from(offset);
        let days = local.div_euclid(86_400);
        let rem = local.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        let yday = (days - days_from_civil(year, 1, 1)) as u32;
        Civil {
            year,
            month,
            day,
            hour: rem / 3600,
            minute: rem % 3600 / 60,
            second: rem % 60,
            nanos: self.nanos,
            // 1970-01-01 was a Thursday.
            weekday: (days + 4).rem_euclid(7) as u32,
            yday,
        }
    }

    /// Parses RFC 3339 as Go's `time.Parse(time.RFC3339, s)` does (fractional seconds allowed).
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        let num = |range: std::ops::Range<usize>| -> Option<u32> {
            let digits = b.get(range)?;
            if digits.iter().all(u8::is_ascii_digit) {
                std::str::from_utf8(digits).ok()?.parse().ok()
            } else {
                None
            }
        };
        let year = num(0..4)?;
        let sep = |i: usize, c: u8| b.get(i) == Some(&c);
        if !(sep(4, b'-') && sep(7, b'-') && sep(10, b'T') && sep(13, b':') && sep(16, b':')) {
            return None;
        }
        let (month, day) = (num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if !(1..=12).contains(&month) || hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        if day < 1 || i64::from(day) > days_in_month(i64::from(year), month) {
            return None;
        }
        let mut i = 19;
        let mut nanos = 0u32;
        if matches!(b.get(i), Some(b'.' | b',')) && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            let digits = b.get(start..i)?;
            let mut scale = 100_000_000u32;
            for d in digits.iter().take(9) {
                nanos += u32::from(d - b'0') * scale;
                scale /= 10;
            }
        }
        let offset = match b.get(i) {
            Some(b'Z') if i + 1 == b.len() => 0,
            Some(sign @ (b'+' | b'-')) if i + 6 == b.len() && sep(i + 3, b':') => {
                let hours = num(i + 1..i + 3)?;
                let minutes = num(i + 4..i + 6)?;
                if hours > 23 || minutes > 59 {
                    return None;
                }
                let seconds = (hours * 3600 + minutes * 60) as i32;
                if *sign == b'-' {
                    -seconds
                } else {
                    seconds
                }
            }
            _ => return None,
        };
        let days = days_from_civil(i64::from(year), month, day);
        let local = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
        let mut t = Timestamp::from_unix(local - i64::from(offset), nanos)?;
        t.offset = offset;
        Some(t)
    }
}

impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        self.secs == other.secs && self.nanos == other.nanos
    }
}

impl Eq for Timestamp {}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.secs, self.nanos).cmp(&(other.secs, other.nanos))
    }
}

impl fmt::Display for Timestamp {
    /// Go's `time.RFC3339Nano` layout in the timestamp's own offset.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.civil(self.offset);
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            c.year, c.month, c.day, c.hour, c.minute, c.second
        )?;
        if c.nanos != 0 {
            let fraction = format!("{:09}", c.nanos);
            write!(f, ".{}", fraction.trim_end_matches('0'))?;
        }
        if self.offset == 0 {
            f.write_str("Z")
        } else {
            let sign = if self.offset < 0 { '-' } else { '+' };
            let abs = self.offset.unsigned_abs();
            write!(f, "{sign}{:02}:{:02}", abs / 3600, abs % 3600 / 60)
        }
    }
}

/// A zone for the timestamp accessors: `UTC` or a fixed offset `[+-]HH:MM`, as seconds east
/// of UTC.
pub(crate) fn zone_offset(zone: &str) -> EvalResult<i32> {
    if let Some(colon) = zone.find(':') {
        let parse = |s: &str| -> EvalResult<i64> {
            s.parse::<i64>().map_err(|_| {
                EvalError::msg(format!("strconv.Atoi: parsing \"{s}\": invalid syntax"))
            })
        };
        let hours = parse(zone.get(..colon).unwrap_or(""))?;
        let minutes = parse(zone.get(colon + 1..).unwrap_or(""))?;
        if !(0..=59).contains(&minutes) {
            return Err(EvalError::msg(format!(
                "timezone offset minutes out of range [0, 59]: {zone}"
            )));
        }
        let total = if zone.starts_with('-') {
            hours.saturating_mul(60).saturating_sub(minutes)
        } else {
            hours.saturating_mul(60).saturating_add(minutes)
        };
        return i32::try_from(total.saturating_mul(60))
            .map_err(|_| EvalError::msg(format!("timezone offset out of range: {zone}")));
    }
    match zone {
        "UTC" | "" | "Etc/UTC" | "GMT" | "Etc/GMT" | "Zulu" | "Etc/Zulu" | "UCT" => Ok(0),
        _ => Err(EvalError::msg(format!("unknown time zone {zone}"))),
    }
}

/// A duration as `string()` prints it: seconds with the shortest exact decimal, then `s`.
pub(crate) fn duration_string(d: Duration) -> String {
    let nanos = d.as_nanos();
    let seconds = (nanos / 1_000_000_000) as f64 + (nanos % 1_000_000_000) as f64 / 1e9;
    format!("{seconds}s")
}

/// Days since the Unix epoch of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: u32) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_print() {
        let t = Timestamp::parse("2009-02-13T23:31:30Z").unwrap();
        assert_eq!(t.unix_seconds(), 1_234_567_890);
        assert_eq!(t.to_string(), "2009-02-13T23:31:30Z");
        let t = Timestamp::parse("2009-02-13T23:31:30.120+01:00").unwrap();
        assert_eq!(t.unix_seconds(), 1_234_567_890 - 3600);
        assert_eq!(t.to_string(), "2009-02-13T23:31:30.12+01:00");
        assert!(Timestamp::parse("2009-02-30T00:00:00Z").is_none());
        assert!(Timestamp::parse("2009-02-13t23:31:30Z").is_none());
        assert!(Timestamp::parse("2009-02-13T23:31:30").is_none());
        assert_eq!(
            Timestamp::parse("0001-01-01T00:00:00Z")
                .unwrap()
                .unix_seconds(),
            MIN_UNIX
        );
    }

    #[test]
    fn civil_fields() {
        let t = Timestamp::parse("2009-02-13T23:31:30Z").unwrap();
        let c = t.civil(0);
        assert_eq!(
            (c.year, c.month, c.day, c.weekday, c.yday),
            (2009, 2, 13, 5, 43)
        );
        let c = t.civil(3600);
        assert_eq!((c.day, c.hour), (14, 0));
    }

    #[test]
    fn durations_print_as_seconds() {
        assert_eq!(
            duration_string(Duration::parse("1h45m47s").unwrap()),
            "6347s"
        );
        assert_eq!(duration_string(Duration::from_nanos(2)), "0.000000002s");
        assert_eq!(duration_string(Duration::parse("1.5s").unwrap()), "1.5s");
        assert_eq!(duration_string(Duration::from_nanos(0)), "0s");
    }

    #[test]
    fn zones() {
        assert_eq!(zone_offset("UTC").unwrap(), 0);
        assert_eq!(zone_offset("+05:30").unwrap(), 19_800);
        assert_eq!(zone_offset("-08:00").unwrap(), -28_800);
        assert!(zone_offset("America/Los_Angeles").is_err());
        assert!(zone_offset("99999999999:00").is_err());
    }
}
