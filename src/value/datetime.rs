//! Dates, times and timestamps: parsing PostgreSQL's input forms, canonical text formatting, and
//! the day/microsecond arithmetic around PostgreSQL's 2000-01-01 epoch (proleptic Gregorian).

use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::{PgError, SqlState};

/// Microseconds in one second.
pub const USECS_PER_SEC: i64 = 1_000_000;
/// Microseconds in one day.
pub const USECS_PER_DAY: i64 = 86_400 * USECS_PER_SEC;
/// Days from the Unix epoch (1970-01-01) to the PostgreSQL epoch (2000-01-01).
pub const PG_EPOCH_UNIX_DAYS: i64 = 10_957;
/// The Julian day number of 1970-01-01 00:00:00 UTC, as SQLite's date functions count it.
pub const UNIX_EPOCH_JULIAN_DAY: f64 = 2_440_587.5;

/// Smallest supported date: 0001-01-01, in days since 2000-01-01.
pub const MIN_DATE: i32 = (days_from_civil(1, 1, 1) - PG_EPOCH_UNIX_DAYS) as i32;
/// Largest supported date: 9999-12-31, in days since 2000-01-01.
pub const MAX_DATE: i32 = (days_from_civil(9999, 12, 31) - PG_EPOCH_UNIX_DAYS) as i32;
/// Smallest supported timestamp: 0001-01-01 00:00:00, in microseconds since 2000-01-01.
pub const MIN_TIMESTAMP: i64 = MIN_DATE as i64 * USECS_PER_DAY;
/// Largest supported timestamp: 9999-12-31 23:59:59.999999, in microseconds since 2000-01-01.
pub const MAX_TIMESTAMP: i64 = (MAX_DATE as i64 + 1) * USECS_PER_DAY - 1;

/// Date `infinity` on the wire (binary `date`).
pub const DATE_INFINITY: i32 = i32::MAX;
/// Date `-infinity` on the wire (binary `date`).
pub const DATE_NEG_INFINITY: i32 = i32::MIN;
/// Timestamp `infinity` on the wire (binary `timestamp`/`timestamptz`).
pub const TIMESTAMP_INFINITY: i64 = i64::MAX;
/// Timestamp `-infinity` on the wire (binary `timestamp`/`timestamptz`).
pub const TIMESTAMP_NEG_INFINITY: i64 = i64::MIN;

/// Days since 1970-01-01 of a proleptic Gregorian calendar date (`month` 1..=12, `day` 1..=31).
pub const fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    // Count years from March so that the leap day is the last day of the counted year.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let m = month as i64;
    let march_month = if m > 2 { m - 3 } else { m + 9 };
    let day_of_year = (153 * march_month + 2) / 5 + day as i64 - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The proleptic Gregorian (year, month, day) of a day count since 1970-01-01.
pub const fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let march_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * march_month + 2) / 5 + 1;
    let month = if march_month < 10 {
        march_month + 3
    } else {
        march_month - 9
    };
    let year = year_of_era + era * 400 + if month <= 2 { 1 } else { 0 };
    (year, month as u32, day as u32)
}

/// True for Gregorian leap years.
pub const fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Number of days in `month` (1..=12) of `year`; 0 for an invalid month.
pub const fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// The four date/time types, for parsing rules and error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateTimeType {
    /// `date`
    Date,
    /// `time` (without time zone)
    Time,
    /// `timestamp` (without time zone)
    Timestamp,
    /// `timestamptz`
    TimestampTz,
}

impl DateTimeType {
    /// The type name PostgreSQL uses in date/time input error messages.
    pub fn pg_name(self) -> &'static str {
        match self {
            DateTimeType::Date => "date",
            DateTimeType::Time => "time",
            DateTimeType::Timestamp => "timestamp",
            DateTimeType::TimestampTz => "timestamp with time zone",
        }
    }
}

/// Why a date/time literal was rejected; turned into a [`PgError`] only when needed, so that
/// callers which fall back to passing text through never build a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateTimeError {
    /// Not a recognised form (22007).
    Syntax,
    /// A field is out of range, e.g. month 13 or February 30 (22008).
    FieldOverflow,
    /// The value is outside the supported range (years 1..=9999) (22008).
    OutOfRange,
}

impl DateTimeError {
    /// The PostgreSQL-style error for `input` of type `ty`.
    pub fn to_pg(self, ty: DateTimeType, input: &[u8]) -> PgError {
        let input = String::from_utf8_lossy(input);
        match self {
            DateTimeError::Syntax => PgError::new(
                SqlState::INVALID_DATETIME_FORMAT,
                format!(
                    "invalid input syntax for type {}: \"{}\"",
                    ty.pg_name(),
                    input
                ),
            ),
            DateTimeError::FieldOverflow => PgError::new(
                SqlState::DATETIME_FIELD_OVERFLOW,
                format!("date/time field value out of range: \"{input}\""),
            ),
            DateTimeError::OutOfRange => {
                let what = match ty {
                    DateTimeType::Date => "date",
                    DateTimeType::Time => "time",
                    DateTimeType::Timestamp | DateTimeType::TimestampTz => "timestamp",
                };
                PgError::new(
                    SqlState::DATETIME_FIELD_OVERFLOW,
                    format!("{what} out of range: \"{input}\""),
                )
            }
        }
    }
}

/// What a literal denotes before a type's rules are applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Literal {
    /// `infinity` / `+infinity`
    Infinity,
    /// `-infinity`
    NegInfinity,
    /// A point in time. `days` counts from 1970-01-01, `usecs` is the time of day (up to one
    /// day, for `24:00:00` and leap seconds), `offset` the zone's seconds east of UTC.
    Finite {
        days: i64,
        usecs: i64,
        offset: Option<i64>,
        has_date: bool,
    },
}

/// A byte cursor over a literal.
struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    fn skip_spaces(&mut self) -> usize {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// Reads `min..=max` ASCII digits as a number.
    fn digits(&mut self, min: usize, max: usize) -> Result<i64, DateTimeError> {
        let start = self.pos;
        let mut value: i64 = 0;
        while self.pos - start < max {
            match self.peek() {
                Some(b @ b'0'..=b'9') => {
                    value = value * 10 + i64::from(b - b'0');
                    self.pos += 1;
                }
                _ => break,
            }
        }
        if self.pos - start < min {
            Err(DateTimeError::Syntax)
        } else {
            Ok(value)
        }
    }

    /// Reads a fraction (the digits after a '.') rounded to microseconds.
    fn fraction_usecs(&mut self) -> i64 {
        let mut usecs = 0;
        let mut count = 0;
        let mut round_up = false;
        while let Some(b @ b'0'..=b'9') = self.peek() {
            if count < 6 {
                usecs = usecs * 10 + i64::from(b - b'0');
            } else if count == 6 {
                round_up = b >= b'5';
            }
            count += 1;
            self.pos += 1;
        }
        for _ in count..6 {
            usecs *= 10;
        }
        usecs + i64::from(round_up)
    }

    fn rest(&self) -> &'a [u8] {
        self.s.get(self.pos..).unwrap_or(&[])
    }
}

/// The current time in microseconds since 1970-01-01 UTC.
fn now_unix_usecs() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_micros()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_micros()).unwrap_or(i64::MAX),
    }
}

/// Recognises the special words PostgreSQL accepts for dates and timestamps.
fn special_word(s: &[u8]) -> Option<Literal> {
    let day_literal = |days: i64| Literal::Finite {
        days,
        usecs: 0,
        offset: None,
        has_date: true,
    };
    let word = |w: &str| s.eq_ignore_ascii_case(w.as_bytes());
    if word("infinity") || word("+infinity") {
        Some(Literal::Infinity)
    } else if word("-infinity") {
        Some(Literal::NegInfinity)
    } else if word("epoch") {
        Some(day_literal(0))
    } else if word("now") {
        let now = now_unix_usecs();
        Some(Literal::Finite {
            days: now.div_euclid(USECS_PER_DAY),
            usecs: now.rem_euclid(USECS_PER_DAY),
            offset: Some(0),
            has_date: true,
        })
    } else if word("today") || word("tomorrow") || word("yesterday") {
        let today = now_unix_usecs().div_euclid(USECS_PER_DAY);
        let shift = if word("tomorrow") {
            1
        } else if word("yesterday") {
            -1
        } else {
            0
        };
        Some(day_literal(today + shift))
    } else {
        None
    }
}

/// Parses `HH:MM[:SS[.ffffff]]` into microseconds since midnight (at most 24:00:00, with a
/// leap second allowed to roll over).
fn parse_clock(c: &mut Cursor<'_>) -> Result<i64, DateTimeError> {
    let hour = c.digits(1, 2)?;
    if !c.eat(b':') {
        return Err(DateTimeError::Syntax);
    }
    let minute = c.digits(2, 2)?;
    let mut second = 0;
    let mut frac = 0;
    if c.eat(b':') {
        second = c.digits(2, 2)?;
        if c.eat(b'.') {
            frac = c.fraction_usecs();
        }
    }
    if hour > 24 || minute > 59 || second > 60 {
        return Err(DateTimeError::FieldOverflow);
    }
    let usecs = ((hour * 60 + minute) * 60 + second) * USECS_PER_SEC + frac;
    if usecs > USECS_PER_DAY {
        return Err(DateTimeError::FieldOverflow);
    }
    Ok(usecs)
}

/// Parses an optional zone after the time: `Z`, `UTC`, `GMT`, or `±HH[[:]MM[[:]SS]]`.
/// Returns seconds east of UTC.
fn parse_zone(c: &mut Cursor<'_>) -> Result<Option<i64>, DateTimeError> {
    c.skip_spaces();
    let rest = c.rest();
    if rest.is_empty() {
        return Ok(None);
    }
    if rest.eq_ignore_ascii_case(b"z")
        || rest.eq_ignore_ascii_case(b"utc")
        || rest.eq_ignore_ascii_case(b"gmt")
    {
        c.pos = c.s.len();
        return Ok(Some(0));
    }
    let sign = match c.peek() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return Err(DateTimeError::Syntax),
    };
    c.pos += 1;
    let start = c.pos;
    let hours = c.digits(1, 2)?;
    let compact = c.pos - start == 2 && c.peek().is_some_and(|b| b.is_ascii_digit());
    let mut minutes = 0;
    let mut seconds = 0;
    if c.eat(b':') || compact {
        minutes = c.digits(2, 2)?;
        if c.eat(b':') || (compact && c.peek().is_some_and(|b| b.is_ascii_digit())) {
            seconds = c.digits(2, 2)?;
        }
    }
    if hours > 15 || minutes > 59 || seconds > 59 {
        return Err(DateTimeError::FieldOverflow);
    }
    Ok(Some(sign * ((hours * 60 + minutes) * 60 + seconds)))
}

/// Parses `YYYY-MM-DD` (year 4 to 6 digits) into days since 1970-01-01.
fn parse_ymd(c: &mut Cursor<'_>) -> Result<i64, DateTimeError> {
    let year = c.digits(4, 6)?;
    if !c.eat(b'-') {
        return Err(DateTimeError::Syntax);
    }
    let month = c.digits(1, 2)?;
    if !c.eat(b'-') {
        return Err(DateTimeError::Syntax);
    }
    let day = c.digits(1, 2)?;
    if c.peek().is_some_and(|b| b.is_ascii_digit()) {
        return Err(DateTimeError::Syntax);
    }
    if !(1..=9999).contains(&year) {
        return Err(if year == 0 {
            DateTimeError::FieldOverflow
        } else {
            DateTimeError::OutOfRange
        });
    }
    let (Ok(month), Ok(day)) = (u32::try_from(month), u32::try_from(day)) else {
        return Err(DateTimeError::FieldOverflow);
    };
    if day == 0 || day > days_in_month(year, month) {
        return Err(DateTimeError::FieldOverflow);
    }
    Ok(days_from_civil(year, month, day))
}

/// Parses any accepted literal: a special word, a date with optional time and zone, or (when
/// `time_only_ok`) a bare time with optional zone.
fn parse_literal(input: &[u8], time_only_ok: bool) -> Result<Literal, DateTimeError> {
    let s = input.trim_ascii();
    if let Some(lit) = special_word(s) {
        return Ok(lit);
    }
    let mut c = Cursor { s, pos: 0 };
    // A bare time has ':' within its first three bytes ("H:" or "HH:").
    let bare_time = s.iter().take(3).any(|&b| b == b':');
    let (days, has_date) = if bare_time {
        if !time_only_ok {
            return Err(DateTimeError::Syntax);
        }
        (0, false)
    } else {
        (parse_ymd(&mut c)?, true)
    };
    // After a date, a time follows 'T' or spaces; a zone may follow the date directly.
    let has_clock = bare_time || c.eat(b'T') || c.eat(b't') || {
        let save = c.pos;
        let spaced_digit = c.skip_spaces() > 0 && c.peek().is_some_and(|b| b.is_ascii_digit());
        if !spaced_digit {
            c.pos = save;
        }
        spaced_digit
    };
    let usecs = if has_clock { parse_clock(&mut c)? } else { 0 };
    let offset = parse_zone(&mut c)?;
    if !c.at_end() {
        return Err(DateTimeError::Syntax);
    }
    Ok(Literal::Finite {
        days,
        usecs,
        offset,
        has_date,
    })
}

/// Parses a `date` literal into days since 2000-01-01 (`i32::MAX`/`MIN` for infinities).
/// A time part and zone, if present, are ignored, as PostgreSQL does.
pub fn parse_date(input: &[u8]) -> Result<i32, DateTimeError> {
    // PostgreSQL's ISO 8601 basic form: 8 digits, YYYYMMDD.
    let trimmed = input.trim_ascii();
    if trimmed.len() == 8 && trimmed.iter().all(u8::is_ascii_digit) {
        let (y, rest) = trimmed.split_at(4);
        let (m, d) = rest.split_at(2);
        return parse_date(&[y, b"-", m, b"-", d].concat());
    }
    match parse_literal(input, false)? {
        Literal::Infinity => Ok(DATE_INFINITY),
        Literal::NegInfinity => Ok(DATE_NEG_INFINITY),
        Literal::Finite { days, .. } => {
            let pg = days - PG_EPOCH_UNIX_DAYS;
            if (i64::from(MIN_DATE)..=i64::from(MAX_DATE)).contains(&pg) {
                Ok(pg as i32)
            } else {
                Err(DateTimeError::OutOfRange)
            }
        }
    }
}

/// Parses a `time` literal into microseconds since midnight (0 to 24:00:00 inclusive).
/// A date part or zone, if present, is ignored.
pub fn parse_time(input: &[u8]) -> Result<i64, DateTimeError> {
    let s = input.trim_ascii();
    if s.eq_ignore_ascii_case(b"allballs") {
        return Ok(0);
    }
    match parse_literal(s, true)? {
        Literal::Infinity | Literal::NegInfinity => Err(DateTimeError::Syntax),
        Literal::Finite {
            usecs, has_date, ..
        } => {
            // With a date, 24:00:00 or a leap second stays within the same clock face.
            if has_date && usecs >= USECS_PER_DAY {
                Ok(usecs - USECS_PER_DAY)
            } else {
                Ok(usecs)
            }
        }
    }
}

/// Parses a `timestamp` (`with_tz` false: any zone is ignored) or `timestamptz` (`with_tz`
/// true: converted to UTC; no zone means UTC) literal into microseconds since 2000-01-01
/// (`i64::MAX`/`MIN` for infinities).
pub fn parse_timestamp(input: &[u8], with_tz: bool) -> Result<i64, DateTimeError> {
    match parse_literal(input, false)? {
        Literal::Infinity => Ok(TIMESTAMP_INFINITY),
        Literal::NegInfinity => Ok(TIMESTAMP_NEG_INFINITY),
        Literal::Finite {
            days,
            usecs,
            offset,
            ..
        } => {
            let shift = if with_tz {
                offset.unwrap_or(0) * USECS_PER_SEC
            } else {
                0
            };
            let ts = (days - PG_EPOCH_UNIX_DAYS) * USECS_PER_DAY + usecs - shift;
            if (MIN_TIMESTAMP..=MAX_TIMESTAMP).contains(&ts) {
                Ok(ts)
            } else {
                Err(DateTimeError::OutOfRange)
            }
        }
    }
}

/// Converts Unix epoch seconds to microseconds since 2000-01-01, if within the supported range.
pub fn timestamp_from_unix_seconds(secs: i64) -> Option<i64> {
    let ts = secs
        .checked_sub(PG_EPOCH_UNIX_DAYS * 86_400)?
        .checked_mul(USECS_PER_SEC)?;
    (MIN_TIMESTAMP..=MAX_TIMESTAMP).contains(&ts).then_some(ts)
}

/// Converts a Julian day number (SQLite's `julianday()`) to microseconds since 2000-01-01, if
/// finite and within the supported range.
pub fn timestamp_from_julian_day(jd: f64) -> Option<i64> {
    let usecs = ((jd - UNIX_EPOCH_JULIAN_DAY) * USECS_PER_DAY as f64).round();
    let limit = (MAX_TIMESTAMP - MIN_TIMESTAMP) as f64 * 2.0;
    if !usecs.is_finite() || usecs.abs() > limit {
        return None;
    }
    let ts = usecs as i64 - PG_EPOCH_UNIX_DAYS * USECS_PER_DAY;
    (MIN_TIMESTAMP..=MAX_TIMESTAMP).contains(&ts).then_some(ts)
}

/// The date part (days since 2000-01-01) of a finite timestamp.
pub fn date_of_timestamp(ts: i64) -> i32 {
    ts.div_euclid(USECS_PER_DAY) as i32
}

/// The time of day (microseconds since midnight) of a finite timestamp.
pub fn time_of_timestamp(ts: i64) -> i64 {
    ts.rem_euclid(USECS_PER_DAY)
}

/// A formatted date/time value in a stack buffer.
#[derive(Clone, Copy)]
pub struct DateTimeText {
    buf: [u8; 40],
    len: usize,
}

impl DateTimeText {
    fn new() -> DateTimeText {
        DateTimeText {
            buf: [0; 40],
            len: 0,
        }
    }

    fn push(&mut self, b: u8) {
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = b;
            self.len += 1;
        }
    }

    fn push_str(&mut self, s: &str) {
        for &b in s.as_bytes() {
            self.push(b);
        }
    }

    /// Appends `value` zero-padded to at least `width` digits (negative values get a '-').
    fn push_num(&mut self, value: i64, width: usize) {
        if value < 0 {
            self.push(b'-');
        }
        let mut digits = [0u8; 20];
        let mut n = 0;
        let mut v = value.unsigned_abs();
        loop {
            digits[n] = b'0' + (v % 10) as u8;
            n += 1;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        for _ in n..width {
            self.push(b'0');
        }
        for &d in digits[..n].iter().rev() {
            self.push(d);
        }
    }

    fn push_date(&mut self, unix_days: i64) {
        let (y, m, d) = civil_from_days(unix_days);
        self.push_num(y, 4);
        self.push(b'-');
        self.push_num(i64::from(m), 2);
        self.push(b'-');
        self.push_num(i64::from(d), 2);
    }

    fn push_clock(&mut self, usecs: i64) {
        let secs = usecs.div_euclid(USECS_PER_SEC);
        let mut frac = usecs.rem_euclid(USECS_PER_SEC);
        self.push_num(secs / 3600, 2);
        self.push(b':');
        self.push_num(secs / 60 % 60, 2);
        self.push(b':');
        self.push_num(secs % 60, 2);
        if frac != 0 {
            self.push(b'.');
            let mut width = 6;
            while frac % 10 == 0 {
                frac /= 10;
                width -= 1;
            }
            self.push_num(frac, width);
        }
    }

    /// The formatted bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }

    /// The formatted text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(self.as_bytes()).unwrap_or("")
    }
}

/// Formats a date (days since 2000-01-01) as `YYYY-MM-DD`, or `infinity`/`-infinity`.
pub fn format_date(days: i32) -> DateTimeText {
    let mut t = DateTimeText::new();
    match days {
        DATE_INFINITY => t.push_str("infinity"),
        DATE_NEG_INFINITY => t.push_str("-infinity"),
        _ => t.push_date(i64::from(days) + PG_EPOCH_UNIX_DAYS),
    }
    t
}

/// Formats a time of day (microseconds since midnight) as `HH:MM:SS[.ffffff]`, trailing
/// fraction zeros dropped.
pub fn format_time(usecs: i64) -> DateTimeText {
    let mut t = DateTimeText::new();
    t.push_clock(usecs);
    t
}

/// Formats a timestamp (microseconds since 2000-01-01) as `YYYY-MM-DD HH:MM:SS[.ffffff]`,
/// followed by `+00` when `with_tz`; or `infinity`/`-infinity`.
pub fn format_timestamp(ts: i64, with_tz: bool) -> DateTimeText {
    let mut t = DateTimeText::new();
    match ts {
        TIMESTAMP_INFINITY => t.push_str("infinity"),
        TIMESTAMP_NEG_INFINITY => t.push_str("-infinity"),
        _ => {
            t.push_date(ts.div_euclid(USECS_PER_DAY) + PG_EPOCH_UNIX_DAYS);
            t.push(b' ');
            t.push_clock(ts.rem_euclid(USECS_PER_DAY));
            if with_tz {
                t.push_str("+00");
            }
        }
    }
    t
}

/// True if the binary `date` value is an infinity or within the supported range.
pub fn date_in_range(days: i32) -> bool {
    days == DATE_INFINITY || days == DATE_NEG_INFINITY || (MIN_DATE..=MAX_DATE).contains(&days)
}

/// True if the binary timestamp value is an infinity or within the supported range.
pub fn timestamp_in_range(ts: i64) -> bool {
    ts == TIMESTAMP_INFINITY
        || ts == TIMESTAMP_NEG_INFINITY
        || (MIN_TIMESTAMP..=MAX_TIMESTAMP).contains(&ts)
}

/// Checks `HH:MM:SS[.f{1,6}]` with in-range fields and no trailing fraction zero.
fn canonical_clock(s: &[u8]) -> bool {
    let digit = |i: usize| s.get(i).is_some_and(u8::is_ascii_digit);
    let two = |i: usize| match (s.get(i), s.get(i + 1)) {
        (Some(a), Some(b)) if a.is_ascii_digit() && b.is_ascii_digit() => {
            (a - b'0') * 10 + (b - b'0')
        }
        _ => 99,
    };
    if s.len() < 8 || two(0) > 23 || s[2] != b':' || two(3) > 59 || s[5] != b':' || two(6) > 59 {
        return false;
    }
    match s.get(8..) {
        Some([]) => true,
        Some([b'.', frac @ ..]) => {
            (1..=6).contains(&frac.len())
                && (9..s.len()).all(digit)
                && frac.last().is_some_and(|&b| b != b'0')
        }
        _ => false,
    }
}

/// Checks `YYYY-MM-DD` with month 01..=12 and day 01..=31.
fn canonical_ymd(s: &[u8]) -> bool {
    let all_digits =
        |r: std::ops::Range<usize>| s.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let two = |i: usize| match (s.get(i), s.get(i + 1)) {
        (Some(a), Some(b)) => (a.wrapping_sub(b'0')) * 10 + b.wrapping_sub(b'0'),
        _ => 0,
    };
    s.len() == 10
        && all_digits(0..4)
        && s[4] == b'-'
        && all_digits(5..7)
        && s[7] == b'-'
        && all_digits(8..10)
        && (1..=12).contains(&two(5))
        && (1..=31).contains(&two(8))
}

/// A quick test that `s` is already in the canonical text form for `ty`, so it can be sent
/// as-is. (A value that passes the shape test but is not a real date, such as February 30,
/// would not parse either and so is passed through anyway.)
pub fn is_canonical(s: &[u8], ty: DateTimeType) -> bool {
    if s == b"infinity" || s == b"-infinity" {
        return ty != DateTimeType::Time;
    }
    match ty {
        DateTimeType::Date => canonical_ymd(s),
        DateTimeType::Time => canonical_clock(s),
        DateTimeType::Timestamp => {
            s.len() >= 19 && canonical_ymd(&s[..10]) && s[10] == b' ' && canonical_clock(&s[11..])
        }
        DateTimeType::TimestampTz => {
            s.len() >= 22
                && s.ends_with(b"+00")
                && canonical_ymd(&s[..10])
                && s[10] == b' '
                && canonical_clock(&s[11..s.len() - 3])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> i64 {
        parse_timestamp(s.as_bytes(), false).unwrap()
    }
    fn tstz(s: &str) -> i64 {
        parse_timestamp(s.as_bytes(), true).unwrap()
    }

    #[test]
    fn civil_round_trip_and_known_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 1, 1), PG_EPOCH_UNIX_DAYS);
        assert_eq!(
            days_from_civil(2000, 3, 1) - days_from_civil(2000, 2, 28),
            2
        );
        assert_eq!(
            days_from_civil(1900, 3, 1) - days_from_civil(1900, 2, 28),
            1
        );
        assert_eq!(MIN_DATE, -730_119);
        assert_eq!(MAX_DATE, 2_921_939);
        let mut d = days_from_civil(1, 1, 1);
        let (mut y, mut m, mut dd) = (1i64, 1u32, 1u32);
        // Walk every 7th day across the whole supported range.
        while d <= days_from_civil(9999, 12, 31) {
            let got = civil_from_days(d);
            assert_eq!(days_from_civil(got.0, got.1, got.2), d);
            assert!(
                got.1 >= 1 && got.1 <= 12 && got.2 >= 1 && got.2 <= days_in_month(got.0, got.1)
            );
            d += 7;
            y = got.0;
            m = got.1;
            dd = got.2;
        }
        assert!(y == 9999 && m == 12 && dd >= 25);
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date(b"2000-01-01"), Ok(0));
        assert_eq!(parse_date(b"1970-01-01"), Ok(-10_957));
        assert_eq!(parse_date(b"9999-12-31"), Ok(MAX_DATE));
        assert_eq!(parse_date(b"0001-01-01"), Ok(MIN_DATE));
        assert_eq!(parse_date(b" 2024-02-29 "), Ok(8825));
        assert_eq!(parse_date(b"20240229"), Ok(8825));
        assert_eq!(parse_date(b"2024-2-9"), parse_date(b"2024-02-09"));
        assert_eq!(
            parse_date(b"2024-01-02 03:04:05+02"),
            parse_date(b"2024-01-02")
        );
        assert_eq!(
            parse_date(b"2024-01-02T23:59:59"),
            parse_date(b"2024-01-02")
        );
        assert_eq!(parse_date(b"Infinity"), Ok(DATE_INFINITY));
        assert_eq!(parse_date(b"-infinity"), Ok(DATE_NEG_INFINITY));
        assert_eq!(parse_date(b"epoch"), Ok(-10_957));
        assert_eq!(parse_date(b"2023-02-29"), Err(DateTimeError::FieldOverflow));
        assert_eq!(parse_date(b"2024-13-01"), Err(DateTimeError::FieldOverflow));
        assert_eq!(parse_date(b"2024-00-01"), Err(DateTimeError::FieldOverflow));
        assert_eq!(parse_date(b"0000-01-01"), Err(DateTimeError::FieldOverflow));
        assert_eq!(parse_date(b"10000-01-01"), Err(DateTimeError::OutOfRange));
        assert_eq!(parse_date(b"xyz"), Err(DateTimeError::Syntax));
        assert_eq!(parse_date(b""), Err(DateTimeError::Syntax));
        assert_eq!(parse_date(b"2024-01-02x"), Err(DateTimeError::Syntax));
        assert_eq!(parse_date(b"12:00"), Err(DateTimeError::Syntax));
        assert_eq!(format_date(0).as_str(), "2000-01-01");
        assert_eq!(format_date(-10_957).as_str(), "1970-01-01");
        assert_eq!(format_date(MAX_DATE).as_str(), "9999-12-31");
        assert_eq!(format_date(MIN_DATE).as_str(), "0001-01-01");
        assert_eq!(format_date(8825).as_str(), "2024-02-29");
        assert_eq!(format_date(DATE_INFINITY).as_str(), "infinity");
        assert_eq!(format_date(DATE_NEG_INFINITY).as_str(), "-infinity");
    }

    #[test]
    fn times() {
        assert_eq!(parse_time(b"00:00:00"), Ok(0));
        assert_eq!(
            parse_time(b"12:34"),
            Ok((12 * 60 + 34) * 60 * USECS_PER_SEC)
        );
        assert_eq!(parse_time(b"1:02:03.5"), Ok(3_723_500_000));
        assert_eq!(parse_time(b"01:02:03.1234565"), Ok(3_723_123_457));
        assert_eq!(parse_time(b"23:59:59.9999999"), Ok(USECS_PER_DAY));
        assert_eq!(parse_time(b"24:00:00"), Ok(USECS_PER_DAY));
        assert_eq!(parse_time(b"12:00:00+02"), Ok(12 * 3600 * USECS_PER_SEC));
        assert_eq!(parse_time(b"2024-01-02 03:04:05"), Ok(11_045_000_000));
        assert_eq!(parse_time(b"allballs"), Ok(0));
        assert_eq!(parse_time(b"24:00:01"), Err(DateTimeError::FieldOverflow));
        assert_eq!(parse_time(b"12:60"), Err(DateTimeError::FieldOverflow));
        assert_eq!(parse_time(b"noon"), Err(DateTimeError::Syntax));
        assert_eq!(parse_time(b"infinity"), Err(DateTimeError::Syntax));
        assert_eq!(format_time(0).as_str(), "00:00:00");
        assert_eq!(format_time(3_723_500_000).as_str(), "01:02:03.5");
        assert_eq!(format_time(3_723_000_001).as_str(), "01:02:03.000001");
        assert_eq!(format_time(USECS_PER_DAY).as_str(), "24:00:00");
    }

    #[test]
    fn timestamps() {
        assert_eq!(ts("2000-01-01 00:00:00"), 0);
        assert_eq!(ts("2000-01-01"), 0);
        assert_eq!(
            ts("1970-01-01T00:00:00"),
            -PG_EPOCH_UNIX_DAYS * USECS_PER_DAY
        );
        assert_eq!(ts("2000-01-01 00:00:01.5"), 1_500_000);
        assert_eq!(ts("2000-01-01  00:00:00.000001"), 1);
        // A zone is ignored for timestamp without time zone.
        assert_eq!(ts("2000-01-01 00:00:00+05"), 0);
        assert_eq!(ts("2000-01-01 24:00:00"), USECS_PER_DAY);
        assert_eq!(ts("2016-12-31 23:59:60"), ts("2017-01-01"));
        assert_eq!(tstz("2000-01-01 02:00:00+02"), 0);
        assert_eq!(tstz("2000-01-01 02:00:00+02:00"), 0);
        assert_eq!(tstz("2000-01-01 02:00:00 +0200"), 0);
        assert_eq!(tstz("1999-12-31 18:30:00-0530"), 0);
        assert_eq!(tstz("1999-12-31T18:30:00-05:30:00"), 0);
        assert_eq!(tstz("2000-01-01T00:00:00Z"), 0);
        assert_eq!(tstz("2000-01-01 00:00:00 UTC"), 0);
        assert_eq!(tstz("2000-01-01 00:00:00"), 0);
        assert_eq!(tstz("infinity"), TIMESTAMP_INFINITY);
        assert_eq!(tstz(" -INFINITY "), TIMESTAMP_NEG_INFINITY);
        assert_eq!(ts("9999-12-31 23:59:59.999999"), MAX_TIMESTAMP);
        assert_eq!(ts("0001-01-01 00:00:00"), MIN_TIMESTAMP);
        assert!(parse_timestamp(b"now", true).unwrap() > ts("2020-01-01"));
        assert_eq!(
            parse_timestamp(b"0001-01-01 00:00:00+01", true),
            Err(DateTimeError::OutOfRange)
        );
        assert_eq!(
            parse_timestamp(b"9999-12-31 24:00:00", false),
            Err(DateTimeError::OutOfRange)
        );
        assert_eq!(
            parse_timestamp(b"2000-01-01 00:00:00+16", true),
            Err(DateTimeError::FieldOverflow)
        );
        assert_eq!(
            parse_timestamp(b"2000-01-01 25:00", false),
            Err(DateTimeError::FieldOverflow)
        );
        assert_eq!(
            parse_timestamp(b"2000-01-01 00:00:00 junk", false),
            Err(DateTimeError::Syntax)
        );
        assert_eq!(
            parse_timestamp(b"2000-01-01T", false),
            Err(DateTimeError::Syntax)
        );
        assert_eq!(
            parse_timestamp(b"2000-01-01 00", false),
            Err(DateTimeError::Syntax)
        );
        assert_eq!(
            parse_timestamp(b"12:00:00", false),
            Err(DateTimeError::Syntax)
        );
        assert_eq!(format_timestamp(0, false).as_str(), "2000-01-01 00:00:00");
        assert_eq!(format_timestamp(0, true).as_str(), "2000-01-01 00:00:00+00");
        assert_eq!(
            format_timestamp(-1, false).as_str(),
            "1999-12-31 23:59:59.999999"
        );
        assert_eq!(
            format_timestamp(1_500_000, true).as_str(),
            "2000-01-01 00:00:01.5+00"
        );
        assert_eq!(
            format_timestamp(MAX_TIMESTAMP, true).as_str(),
            "9999-12-31 23:59:59.999999+00"
        );
        assert_eq!(
            format_timestamp(MIN_TIMESTAMP, false).as_str(),
            "0001-01-01 00:00:00"
        );
        assert_eq!(
            format_timestamp(TIMESTAMP_INFINITY, true).as_str(),
            "infinity"
        );
        assert_eq!(
            format_timestamp(TIMESTAMP_NEG_INFINITY, false).as_str(),
            "-infinity"
        );
    }

    #[test]
    fn conversions() {
        assert_eq!(timestamp_from_unix_seconds(946_684_800), Some(0));
        assert_eq!(
            timestamp_from_unix_seconds(0),
            Some(-PG_EPOCH_UNIX_DAYS * USECS_PER_DAY)
        );
        assert_eq!(timestamp_from_unix_seconds(i64::MAX), None);
        assert_eq!(timestamp_from_unix_seconds(300_000_000_000), None);
        assert_eq!(timestamp_from_julian_day(2_451_544.5), Some(0));
        assert_eq!(
            timestamp_from_julian_day(2_451_545.0),
            Some(USECS_PER_DAY / 2)
        );
        assert_eq!(timestamp_from_julian_day(f64::NAN), None);
        assert_eq!(timestamp_from_julian_day(1e300), None);
        assert_eq!(date_of_timestamp(-1), -1);
        assert_eq!(time_of_timestamp(-1), USECS_PER_DAY - 1);
        assert!(date_in_range(DATE_INFINITY) && !date_in_range(MAX_DATE + 1));
        assert!(
            timestamp_in_range(TIMESTAMP_NEG_INFINITY) && !timestamp_in_range(MAX_TIMESTAMP + 1)
        );
    }

    #[test]
    fn canonical_shapes() {
        use DateTimeType::*;
        assert!(is_canonical(b"2024-01-02", Date));
        assert!(!is_canonical(b"2024-1-02", Date));
        assert!(!is_canonical(b"2024-13-02", Date));
        assert!(is_canonical(b"12:00:00", Time));
        assert!(is_canonical(b"12:00:00.5", Time));
        assert!(!is_canonical(b"12:00:00.50", Time));
        assert!(!is_canonical(b"12:00:00.", Time));
        assert!(!is_canonical(b"24:00:00", Time));
        assert!(!is_canonical(b"12:00:00.1234567", Time));
        assert!(is_canonical(b"2024-01-02 03:04:05", Timestamp));
        assert!(is_canonical(b"2024-01-02 03:04:05.123456", Timestamp));
        assert!(!is_canonical(b"2024-01-02T03:04:05", Timestamp));
        assert!(!is_canonical(b"2024-01-02 03:04:05+00", Timestamp));
        assert!(is_canonical(b"2024-01-02 03:04:05+00", TimestampTz));
        assert!(is_canonical(b"2024-01-02 03:04:05.1+00", TimestampTz));
        assert!(!is_canonical(b"2024-01-02 03:04:05", TimestampTz));
        assert!(!is_canonical(b"2024-01-02 03:04:05+02", TimestampTz));
        assert!(is_canonical(b"infinity", TimestampTz));
        assert!(!is_canonical(b"infinity", Time));
        // Every canonical output is recognised as canonical.
        for t in [
            0,
            1,
            1_500_000,
            -1,
            MAX_TIMESTAMP,
            MIN_TIMESTAMP,
            123_456_789_012,
        ] {
            assert!(is_canonical(
                format_timestamp(t, true).as_bytes(),
                TimestampTz
            ));
            assert!(is_canonical(
                format_timestamp(t, false).as_bytes(),
                Timestamp
            ));
        }
    }

    #[test]
    fn errors_become_pg_errors() {
        let e = DateTimeError::Syntax.to_pg(DateTimeType::Date, b"xyz");
        assert_eq!(e.code, SqlState::INVALID_DATETIME_FORMAT);
        assert_eq!(e.message, "invalid input syntax for type date: \"xyz\"");
        let e = DateTimeError::FieldOverflow.to_pg(DateTimeType::TimestampTz, b"2024-13-01");
        assert_eq!(e.code, SqlState::DATETIME_FIELD_OVERFLOW);
        assert_eq!(
            e.message,
            "date/time field value out of range: \"2024-13-01\""
        );
        let e = DateTimeError::OutOfRange.to_pg(DateTimeType::Timestamp, b"10000-01-01");
        assert_eq!(e.message, "timestamp out of range: \"10000-01-01\"");
    }
}
