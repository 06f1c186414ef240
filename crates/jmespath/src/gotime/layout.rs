//! Go reference layouts (`2006-01-02T15:04:05Z07:00`) split into their elements, as
//! `time.nextStdChunk` does.

/// A layout element (Go's `std*` constants).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Std {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    Pm,
    PmLower,
    Tz,
    /// `Z0700`-style zones: `Z` stands for UTC.
    Iso(ZoneShape),
    /// `-0700`-style zones.
    Num(ZoneShape),
    /// `.000` (exactly n digits) or `.999` (optional digits).
    Frac {
        digits: usize,
        optional: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ZoneShape {
    /// `-0700`
    Plain,
    /// `-07`
    Short,
    /// `-07:00`
    Colon,
    /// `-070000`
    Seconds,
    /// `-07:00:00`
    ColonSeconds,
}

/// Go's `nextStdChunk`: (literal prefix, element, rest of layout).
pub(crate) fn next_std_chunk(layout: &str) -> (&str, Option<(Std, &str)>) {
    let b = layout.as_bytes();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let has = |i: usize, s: &str| layout.get(i..).is_some_and(|rest| rest.starts_with(s));
    let split = |i: usize, len: usize, std: Std| {
        (
            layout.get(..i).unwrap_or_default(),
            Some((std, layout.get(i + len..).unwrap_or_default())),
        )
    };
    let starts_lower = |i: usize| at(i).is_ascii_lowercase();
    for i in 0..b.len() {
        match at(i) {
            b'J' if has(i, "Jan") => {
                if has(i, "January") {
                    return split(i, 7, Std::LongMonth);
                }
                if !starts_lower(i + 3) {
                    return split(i, 3, Std::Month);
                }
            }
            b'M' => {
                if has(i, "Mon") {
                    if has(i, "Monday") {
                        return split(i, 6, Std::LongWeekDay);
                    }
                    if !starts_lower(i + 3) {
                        return split(i, 3, Std::WeekDay);
                    }
                }
                if has(i, "MST") {
                    return split(i, 3, Std::Tz);
                }
            }
            b'0' => {
                let std = match at(i + 1) {
                    b'1' => Some(Std::ZeroMonth),
                    b'2' => Some(Std::ZeroDay),
                    b'3' => Some(Std::ZeroHour12),
                    b'4' => Some(Std::ZeroMinute),
                    b'5' => Some(Std::ZeroSecond),
                    b'6' => Some(Std::Year),
                    _ => None,
                };
                if let Some(std) = std {
                    return split(i, 2, std);
                }
                if has(i, "002") {
                    return split(i, 3, Std::ZeroYearDay);
                }
            }
            b'1' => {
                if at(i + 1) == b'5' {
                    return split(i, 2, Std::Hour);
                }
                return split(i, 1, Std::NumMonth);
            }
            b'2' => {
                if has(i, "2006") {
                    return split(i, 4, Std::LongYear);
                }
                return split(i, 1, Std::Day);
            }
            b'_' => {
                if at(i + 1) == b'2' {
                    if has(i + 1, "2006") {
                        return (
                            layout.get(..i + 1).unwrap_or_default(),
                            Some((Std::LongYear, layout.get(i + 5..).unwrap_or_default())),
                        );
                    }
                    return split(i, 2, Std::UnderDay);
                }
                if has(i, "__2") {
                    return split(i, 3, Std::UnderYearDay);
                }
            }
            b'3' => return split(i, 1, Std::Hour12),
            b'4' => return split(i, 1, Std::Minute),
            b'5' => return split(i, 1, Std::Second),
            b'P' if at(i + 1) == b'M' => return split(i, 2, Std::Pm),
            b'p' if at(i + 1) == b'm' => return split(i, 2, Std::PmLower),
            b'-' => {
                for (text, shape) in [
                    ("-070000", ZoneShape::Seconds),
                    ("-07:00:00", ZoneShape::ColonSeconds),
                    ("-0700", ZoneShape::Plain),
                    ("-07:00", ZoneShape::Colon),
                    ("-07", ZoneShape::Short),
                ] {
                    if has(i, text) {
                        return split(i, text.len(), Std::Num(shape));
                    }
                }
            }
            b'Z' => {
                for (text, shape) in [
                    ("Z070000", ZoneShape::Seconds),
                    ("Z07:00:00", ZoneShape::ColonSeconds),
                    ("Z0700", ZoneShape::Plain),
                    ("Z07:00", ZoneShape::Colon),
                    ("Z07", ZoneShape::Short),
                ] {
                    if has(i, text) {
                        return split(i, text.len(), Std::Iso(shape));
                    }
                }
            }
            b'.' | b',' if matches!(at(i + 1), b'0' | b'9') => {
                let digit = at(i + 1);
                let mut j = i + 1;
                while at(j) == digit {
                    j += 1;
                }
                if !at(j).is_ascii_digit() {
                    let std = Std::Frac {
                        digits: j - (i + 1),
                        optional: digit == b'9',
                    };
                    return split(i, j - i, std);
                }
            }
            _ => {}
        }
    }
    (layout, None)
}

pub(crate) const LONG_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
pub(crate) const SHORT_MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
pub(crate) const LONG_DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
pub(crate) const SHORT_DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
