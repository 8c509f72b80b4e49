//! The `interval` type: months, days and microseconds kept apart, as PostgreSQL does (a
//! month is not a fixed number of days, nor a day a fixed number of hours across a
//! daylight-saving change). pgsqlite stores an interval as its text in PostgreSQL's
//! default output style (`1 year 2 mons 3 days 04:05:06.5`).

use super::datetime::{DateTimeError, USECS_PER_DAY, USECS_PER_SEC};
use crate::error::{PgError, SqlState};

/// Microseconds in an hour.
pub const USECS_PER_HOUR: i64 = 3_600 * USECS_PER_SEC;
/// Microseconds in a minute.
pub const USECS_PER_MINUTE: i64 = 60 * USECS_PER_SEC;

/// An interval: `months` and `days` as written, `micros` for the time part.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Interval {
    /// Months (a year is 12).
    pub months: i32,
    /// Days.
    pub days: i32,
    /// Microseconds.
    pub micros: i64,
}

/// What a unit word adds to an interval for an amount of 1.
enum Unit {
    Months(f64),
    Days(f64),
    Micros(f64),
}

fn unit(word: &str) -> Option<Unit> {
    let w = word.to_ascii_lowercase();
    Some(match w.as_str() {
        "microsecond" | "microseconds" | "us" | "usec" | "usecs" | "useconds" => Unit::Micros(1.0),
        "millisecond" | "milliseconds" | "ms" | "msec" | "msecs" | "mseconds" => {
            Unit::Micros(1_000.0)
        }
        "second" | "seconds" | "s" | "sec" | "secs" => Unit::Micros(USECS_PER_SEC as f64),
        "minute" | "minutes" | "m" | "min" | "mins" => Unit::Micros(USECS_PER_MINUTE as f64),
        "hour" | "hours" | "h" | "hr" | "hrs" => Unit::Micros(USECS_PER_HOUR as f64),
        "day" | "days" | "d" => Unit::Days(1.0),
        "week" | "weeks" | "w" => Unit::Days(7.0),
        "month" | "months" | "mon" | "mons" => Unit::Months(1.0),
        "year" | "years" | "y" | "yr" | "yrs" => Unit::Months(12.0),
        "decade" | "decades" | "dec" | "decs" => Unit::Months(120.0),
        "century" | "centuries" | "c" | "cent" => Unit::Months(1_200.0),
        "millennium" | "millennia" | "mil" | "mils" => Unit::Months(12_000.0),
        _ => return None,
    })
}

/// Running sums while parsing, in floating point so that fractions spill into the
/// smaller fields (`1.5 days` is 1 day 12 hours).
#[derive(Default)]
struct Sums {
    months: f64,
    days: f64,
    micros: f64,
}

impl Sums {
    fn add(&mut self, amount: f64, unit: Unit) {
        match unit {
            Unit::Months(m) => {
                let months = amount * m;
                let whole = months.trunc();
                self.months += whole;
                let days = (months - whole) * 30.0;
                let whole_days = days.trunc();
                self.days += whole_days;
                self.micros += (days - whole_days) * USECS_PER_DAY as f64;
            }
            Unit::Days(d) => {
                let days = amount * d;
                let whole = days.trunc();
                self.days += whole;
                self.micros += (days - whole) * USECS_PER_DAY as f64;
            }
            Unit::Micros(u) => self.micros += amount * u,
        }
    }
}

/// `hh:mm[:ss[.f]]` (or `mm:ss.f`) in microseconds, unsigned.
fn parse_clock(text: &str) -> Option<f64> {
    let parts: Vec<&str> = text.split(':').collect();
    let num = |s: &str| -> Option<f64> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return None;
        }
        s.parse::<f64>().ok()
    };
    let (h, m, s) = match parts.as_slice() {
        [h, m] if !m.contains('.') => (num(h)?, num(m)?, 0.0),
        [m, s] => (0.0, num(m)?, num(s)?),
        [h, m, s] => (num(h)?, num(m)?, num(s)?),
        _ => return None,
    };
    if parts.len() > 1 && (m >= 60.0 || s >= 60.0) {
        return None;
    }
    Some(h * USECS_PER_HOUR as f64 + m * USECS_PER_MINUTE as f64 + s * USECS_PER_SEC as f64)
}

/// Parses an interval in PostgreSQL's input forms: `[@] n unit [n unit ...] [ago]`,
/// with a `[+-]hh:mm[:ss]` time part anywhere; a number without a unit is seconds.
pub fn parse_interval(input: &[u8]) -> Result<Interval, DateTimeError> {
    let text = std::str::from_utf8(input).map_err(|_| DateTimeError::Syntax)?;
    let mut words: Vec<String> = Vec::new();
    // Split "1day" and "2hours" into number and unit.
    for raw in text.split_ascii_whitespace() {
        let split = raw
            .char_indices()
            .find(|(i, c)| *i > 0 && c.is_ascii_alphabetic())
            .map(|(i, _)| i)
            .filter(|i| {
                raw[..*i]
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b"+-.".contains(&b))
            });
        match split {
            Some(i) => {
                words.push(raw[..i].to_string());
                words.push(raw[i..].to_string());
            }
            None => words.push(raw.to_string()),
        }
    }
    let mut words = words.into_iter().peekable();
    if words.peek().is_some_and(|w| w == "@") {
        words.next();
    }
    let mut sums = Sums::default();
    let mut any = false;
    let mut ago = false;
    while let Some(word) = words.next() {
        if ago {
            return Err(DateTimeError::Syntax);
        }
        if word.eq_ignore_ascii_case("ago") {
            if !any {
                return Err(DateTimeError::Syntax);
            }
            ago = true;
            continue;
        }
        let (negative, body) = match word.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, word.strip_prefix('+').unwrap_or(&word)),
        };
        let sign = if negative { -1.0 } else { 1.0 };
        if body.contains(':') {
            let micros = parse_clock(body).ok_or(DateTimeError::Syntax)?;
            sums.micros += sign * micros;
            any = true;
            continue;
        }
        if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return Err(DateTimeError::Syntax);
        }
        let amount: f64 = body.parse().map_err(|_| DateTimeError::Syntax)?;
        let unit = match words.peek().and_then(|w| unit(w)) {
            Some(u) => {
                words.next();
                u
            }
            None => Unit::Micros(USECS_PER_SEC as f64),
        };
        sums.add(sign * amount, unit);
        any = true;
    }
    if !any {
        return Err(DateTimeError::Syntax);
    }
    let flip = if ago { -1.0 } else { 1.0 };
    let fits = |v: f64, max: f64| v.is_finite() && v.abs() <= max;
    let micros = (sums.micros * flip).round();
    if !fits(sums.months, i32::MAX as f64)
        || !fits(sums.days, i32::MAX as f64)
        || !fits(micros, 9.2e18)
    {
        return Err(DateTimeError::FieldOverflow);
    }
    Ok(Interval {
        months: (sums.months * flip) as i32,
        days: (sums.days * flip) as i32,
        micros: micros as i64,
    })
}

/// The interval in PostgreSQL's default output style (`IntervalStyle = postgres`).
pub fn format_interval(iv: Interval) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(32);
    let mut before_negative = false;
    let mut zero = true;
    let mut part = |out: &mut String, value: i64, unit: &str| {
        if value == 0 {
            return;
        }
        let _ = write!(
            out,
            "{}{}{} {}{}",
            if zero { "" } else { " " },
            if before_negative && value > 0 {
                "+"
            } else {
                ""
            },
            value,
            unit,
            if value != 1 { "s" } else { "" }
        );
        before_negative = value < 0;
        zero = false;
    };
    part(&mut out, i64::from(iv.months / 12), "year");
    part(&mut out, i64::from(iv.months % 12), "mon");
    part(&mut out, i64::from(iv.days), "day");
    if zero || iv.micros != 0 {
        let minus = iv.micros < 0;
        let abs = iv.micros.unsigned_abs();
        let hours = abs / USECS_PER_HOUR as u64;
        let minutes = abs / USECS_PER_MINUTE as u64 % 60;
        let seconds = abs / USECS_PER_SEC as u64 % 60;
        let fraction = abs % USECS_PER_SEC as u64;
        let _ = write!(
            out,
            "{}{}{hours:02}:{minutes:02}:{seconds:02}",
            if zero { "" } else { " " },
            if minus {
                "-"
            } else if before_negative {
                "+"
            } else {
                ""
            },
        );
        if fraction != 0 {
            let digits = format!("{fraction:06}");
            out.push('.');
            out.push_str(digits.trim_end_matches('0'));
        }
    }
    out
}

impl Interval {
    /// Each field negated (22008-style overflow is left to the caller's checked forms).
    pub fn negate(self) -> Option<Interval> {
        Some(Interval {
            months: self.months.checked_neg()?,
            days: self.days.checked_neg()?,
            micros: self.micros.checked_neg()?,
        })
    }

    /// Field-wise sum.
    pub fn checked_add(self, other: Interval) -> Option<Interval> {
        Some(Interval {
            months: self.months.checked_add(other.months)?,
            days: self.days.checked_add(other.days)?,
            micros: self.micros.checked_add(other.micros)?,
        })
    }

    /// The interval scaled by `factor`, fractions of months spilling into days (30 per
    /// month) and fractions of days into time (24 hours per day), as PostgreSQL does.
    pub fn scale(self, factor: f64) -> Option<Interval> {
        let months = f64::from(self.months) * factor;
        let days = f64::from(self.days) * factor;
        let whole_months = months.trunc();
        let month_days = (months - whole_months) * 30.0;
        let whole_days = days.trunc();
        let mut extra_days = month_days.trunc();
        let mut secs = (days - whole_days + month_days - month_days.trunc()) * 86_400.0;
        secs = (secs * 1e6).round() / 1e6;
        if secs.abs() >= 86_400.0 {
            extra_days += (secs / 86_400.0).trunc();
            secs -= (secs / 86_400.0).trunc() * 86_400.0;
        }
        let micros = (self.micros as f64 * factor + secs * 1e6).round();
        let total_days = whole_days + extra_days;
        let in_i32 = |v: f64| v.is_finite() && v.abs() <= i32::MAX as f64;
        if !in_i32(whole_months)
            || !in_i32(total_days)
            || !micros.is_finite()
            || micros.abs() > 9.2e18
        {
            return None;
        }
        Some(Interval {
            months: whole_months as i32,
            days: total_days as i32,
            micros: micros as i64,
        })
    }

    /// `justify_hours`: whole 24-hour periods of the time part become days.
    pub fn justify_hours(self) -> Interval {
        let mut days = i64::from(self.days) + self.micros / USECS_PER_DAY;
        let mut micros = self.micros % USECS_PER_DAY;
        if days > 0 && micros < 0 {
            micros += USECS_PER_DAY;
            days -= 1;
        } else if days < 0 && micros > 0 {
            micros -= USECS_PER_DAY;
            days += 1;
        }
        Interval {
            months: self.months,
            days: days.clamp(i32::MIN as i64, i32::MAX as i64) as i32,
            micros,
        }
    }
}

/// The interval a stored value stands for: its text in any input form, or a number of
/// seconds.
pub fn coerce_interval(value: rusqlite::types::ValueRef<'_>) -> Result<Interval, PgError> {
    use rusqlite::types::ValueRef;
    let invalid = |text: &[u8]| {
        PgError::new(
            SqlState::INVALID_DATETIME_FORMAT,
            format!(
                "invalid input syntax for type interval: \"{}\"",
                String::from_utf8_lossy(text)
            ),
        )
    };
    match value {
        ValueRef::Text(t) | ValueRef::Blob(t) => parse_interval(t).map_err(|_| invalid(t)),
        ValueRef::Integer(n) => Ok(Interval {
            micros: n.saturating_mul(USECS_PER_SEC),
            ..Interval::default()
        }),
        ValueRef::Real(f) => Ok(Interval {
            micros: (f * 1e6).round() as i64,
            ..Interval::default()
        }),
        ValueRef::Null => Err(invalid(b"")),
    }
}

/// Writes an `interval` value in PostgreSQL's text form; text that is no interval is
/// sent as it is stored.
pub fn encode_text(value: rusqlite::types::ValueRef<'_>, out: &mut bytes::BytesMut) {
    use bytes::BufMut;
    match coerce_interval(value) {
        Ok(iv) => out.put_slice(format_interval(iv).as_bytes()),
        Err(_) => {
            if let rusqlite::types::ValueRef::Text(t) = value {
                out.put_slice(t);
            }
        }
    }
}

/// Writes an `interval` value in PostgreSQL's binary form: microseconds (int8), days
/// (int4), months (int4).
pub fn encode_binary(
    value: rusqlite::types::ValueRef<'_>,
    out: &mut bytes::BytesMut,
) -> Result<(), PgError> {
    use bytes::BufMut;
    let iv = coerce_interval(value)?;
    out.put_i64(iv.micros);
    out.put_i32(iv.days);
    out.put_i32(iv.months);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) -> String {
        format_interval(parse_interval(text.as_bytes()).unwrap())
    }

    #[test]
    fn postgres_interval_text() {
        assert_eq!(round_trip("1 day 2 hours"), "1 day 02:00:00");
        assert_eq!(round_trip("90 minutes"), "01:30:00");
        assert_eq!(round_trip("1 month"), "1 mon");
        assert_eq!(round_trip("-2 days"), "-2 days");
        assert_eq!(round_trip("30 hours"), "30:00:00");
        assert_eq!(
            round_trip("1 year 2 months 3 days 04:05:06.5"),
            "1 year 2 mons 3 days 04:05:06.5"
        );
        assert_eq!(round_trip("1.5 days"), "1 day 12:00:00");
        assert_eq!(round_trip("1 day ago"), "-1 days");
        assert_eq!(round_trip("-1 day +2 hours"), "-1 days +02:00:00");
        assert_eq!(round_trip("0"), "00:00:00");
        assert_eq!(round_trip("@ 3 weeks"), "21 days");
        assert_eq!(round_trip("1day"), "1 day");
        assert!(parse_interval(b"soon").is_err());
        assert!(parse_interval(b"").is_err());
        assert!(parse_interval(b"1 fortnight").is_err());
        let mut out = bytes::BytesMut::new();
        encode_binary(
            rusqlite::types::ValueRef::Text(b"1 mon 2 days 00:00:01"),
            &mut out,
        )
        .unwrap();
        assert_eq!(
            &out[..],
            &[0, 0, 0, 0, 0, 0x0f, 0x42, 0x40, 0, 0, 0, 2, 0, 0, 0, 1]
        );
        let mut out = bytes::BytesMut::new();
        encode_text(rusqlite::types::ValueRef::Integer(90), &mut out);
        assert_eq!(&out[..], b"00:01:30");
    }

    #[test]
    fn interval_arithmetic() {
        let iv = |t: &str| parse_interval(t.as_bytes()).unwrap();
        assert_eq!(
            format_interval(iv("1 hour").scale(3.0).unwrap()),
            "03:00:00"
        );
        assert_eq!(format_interval(iv("1 day").scale(0.5).unwrap()), "12:00:00");
        assert_eq!(format_interval(iv("1 mon").scale(0.5).unwrap()), "15 days");
        assert_eq!(
            format_interval(iv("30 hours").justify_hours()),
            "1 day 06:00:00"
        );
        assert_eq!(
            format_interval(iv("1 day").checked_add(iv("3 hours")).unwrap()),
            "1 day 03:00:00"
        );
    }
}
