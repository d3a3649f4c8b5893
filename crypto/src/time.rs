//! Points in time as seconds since the Unix epoch, UTC, with RFC 3339 text.
//!
//! The verify core never reads the system clock: every check that depends on time takes
//! an explicit [`UnixTime`], so results are reproducible and tests can pin the date.

use core::fmt;
use core::str::FromStr;

use crate::error::TimeError;

/// Seconds since 1970-01-01T00:00:00Z (negative before). Leap seconds are not counted,
/// as in X.509 and POSIX.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime(pub i64);

/// Years outside 0000–9999 cannot be written in RFC 3339; keeping the range there also
/// keeps every conversion free of overflow.
const MIN_SECS: i64 = -62_167_219_200; // 0000-01-01T00:00:00Z
const MAX_SECS: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z

impl UnixTime {
    pub const EPOCH: Self = Self(0);

    /// From calendar fields in UTC. `None` when a field is out of range.
    pub fn from_utc(year: i32, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> Option<Self> {
        if !(0..=9999).contains(&year) || !(1..=12).contains(&month) || hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        if day == 0 || day > days_in_month(year, month) {
            return None;
        }
        // A leap second (:60) is folded onto the next second, as POSIX time does.
        let days = days_from_civil(year, month, day);
        Some(Self(days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second)))
    }

    /// Calendar fields in UTC: (year, month, day, hour, minute, second). Times outside
    /// years 0000–9999 are clamped to that range.
    pub fn to_utc(self) -> (i32, u8, u8, u8, u8, u8) {
        let secs = self.0.clamp(MIN_SECS, MAX_SECS);
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        (y, m, d, (rem / 3600) as u8, ((rem % 3600) / 60) as u8, (rem % 60) as u8)
    }

    /// Parses RFC 3339: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; `t` and a space are
    /// accepted for `T`, `z` for `Z`. The fraction is dropped (truncated towards the past).
    pub fn parse_rfc3339(text: &str) -> Result<Self, TimeError> {
        let b = text.as_bytes();
        let bad = || TimeError::Invalid(text.chars().take(64).collect());
        if b.len() < 20 {
            return Err(bad());
        }
        let num = |range: core::ops::Range<usize>| -> Result<u32, TimeError> {
            let digits = b.get(range).ok_or_else(bad)?;
            if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                return Err(bad());
            }
            Ok(digits.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0')))
        };
        let sep = |at: usize, allowed: &[u8]| -> Result<(), TimeError> {
            if b.get(at).is_some_and(|c| allowed.contains(c)) {
                Ok(())
            } else {
                Err(bad())
            }
        };
        let year = num(0..4)? as i32;
        sep(4, b"-")?;
        let month = num(5..7)? as u8;
        sep(7, b"-")?;
        let day = num(8..10)? as u8;
        sep(10, b"Tt ")?;
        let hour = num(11..13)? as u8;
        sep(13, b":")?;
        let minute = num(14..16)? as u8;
        sep(16, b":")?;
        let second = num(17..19)? as u8;
        let mut at = 19;
        if b.get(at) == Some(&b'.') {
            at += 1;
            let start = at;
            while b.get(at).is_some_and(u8::is_ascii_digit) {
                at += 1;
            }
            if at == start {
                return Err(bad());
            }
        }
        let offset_secs: i64 = match b.get(at) {
            Some(b'Z' | b'z') if at + 1 == b.len() => 0,
            Some(&sign @ (b'+' | b'-')) if at + 6 == b.len() => {
                let oh = num(at + 1..at + 3)?;
                sep(at + 3, b":")?;
                let om = num(at + 4..at + 6)?;
                if oh > 23 || om > 59 {
                    return Err(bad());
                }
                let s = i64::from(oh * 3600 + om * 60);
                if sign == b'+' {
                    s
                } else {
                    -s
                }
            }
            _ => return Err(bad()),
        };
        let local = Self::from_utc(year, month, day, hour, minute, second).ok_or_else(bad)?;
        Ok(Self(local.0 - offset_secs))
    }

    /// `YYYY-MM-DD` of the UTC date.
    pub fn date_string(self) -> String {
        let (y, m, d, ..) = self.to_utc();
        format!("{y:04}-{m:02}-{d:02}")
    }
}

impl fmt::Display for UnixTime {
    /// RFC 3339 in UTC with a `Z` suffix and whole seconds.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, mo, d, h, mi, s) = self.to_utc();
        write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    }
}

impl FromStr for UnixTime {
    type Err = TimeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_rfc3339(s)
    }
}

impl From<x509_parser::time::ASN1Time> for UnixTime {
    fn from(t: x509_parser::time::ASN1Time) -> Self {
        Self(t.timestamp())
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

// Howard Hinnant's civil-calendar algorithms (proleptic Gregorian), exact for all i32 years.
fn days_from_civil(year: i32, month: u8, day: u8) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i32, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y as i32, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for (text, secs) in [
            ("1970-01-01T00:00:00Z", 0),
            ("2026-11-24T00:00:00Z", 1_795_478_400),
            ("2000-02-29T12:34:56Z", 951_827_696),
            ("1969-12-31T23:59:59Z", -1),
            ("9999-12-31T23:59:59Z", MAX_SECS),
            ("0000-01-01T00:00:00Z", MIN_SECS),
        ] {
            let t: UnixTime = text.parse().unwrap();
            assert_eq!(t.0, secs, "{text}");
            assert_eq!(t.to_string(), text);
        }
    }

    #[test]
    fn offsets_and_fractions() {
        let t = UnixTime::parse_rfc3339("2025-10-19T23:59:59.999+09:00").unwrap();
        assert_eq!(t.to_string(), "2025-10-19T14:59:59Z");
        let t = UnixTime::parse_rfc3339("2025-10-19t05:00:00-01:30").unwrap();
        assert_eq!(t.to_string(), "2025-10-19T06:30:00Z");
    }

    #[test]
    fn rejects() {
        for bad in [
            "",
            "2025-10-19",
            "2025-10-19T00:00:00",
            "2025-13-01T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "2025-02-28T24:00:00Z",
            "2025-02-28T00:00:00.Z",
            "2025-02-28T00:00:00+0900",
            "2025-02-28T00:00:00Zjunk",
            "２０２５-02-28T00:00:00Z",
        ] {
            assert!(UnixTime::parse_rfc3339(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn extremes_do_not_panic() {
        assert_eq!(UnixTime(i64::MIN).to_string(), "0000-01-01T00:00:00Z");
        assert_eq!(UnixTime(i64::MAX).to_string(), "9999-12-31T23:59:59Z");
    }
}
