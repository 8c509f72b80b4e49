//! `to_char(timestamp, format)`, `to_date(text, format)` and `to_timestamp(text, format)`
//! with PostgreSQL's template patterns (`YYYY`, `MM`, `DD`, `HH24`, `HH12`, `MI`, `SS`,
//! `MS`, `US`, `AM`/`PM`, `Month`/`Mon`, `Day`/`Dy` in their three cases, `DDD`, `D`,
//! `Q`, the `FM` prefix, `"quoted"` text).

use super::datetime::timestamp_arg;
use super::pg_function_error;
use super::strings::text_arg;
use crate::error::SqlState;
use crate::value::datetime::{
    PG_EPOCH_UNIX_DAYS, USECS_PER_DAY, civil_from_days, days_from_civil, days_in_month,
    format_date, format_timestamp,
};
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, Result};
use std::fmt::Write;

const MONTHS: [&str; 12] = [
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
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Registers `to_char`, `to_date` and `to_timestamp` on `conn`.
pub fn register(conn: &Connection) -> Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("to_char", 2, flags, |ctx| to_char(ctx))?;
    conn.create_scalar_function("to_date", 2, flags, |ctx| {
        Ok(parse_with(ctx)?.map(|(days, _)| {
            format_date((days - PG_EPOCH_UNIX_DAYS) as i32)
                .as_str()
                .to_string()
        }))
    })?;
    conn.create_scalar_function("to_timestamp", 2, flags, |ctx| {
        Ok(parse_with(ctx)?.map(|(days, time)| {
            let ts = (days - PG_EPOCH_UNIX_DAYS) * USECS_PER_DAY + time;
            format_timestamp(ts, true).as_str().to_string()
        }))
    })?;
    conn.create_scalar_function("to_timestamp", 1, flags, |ctx| {
        let Some(secs) = ctx.get::<Option<f64>>(0)? else {
            return Ok(None);
        };
        let ts = (secs * 1e6).round() - (PG_EPOCH_UNIX_DAYS * USECS_PER_DAY) as f64;
        if !ts.is_finite() || !crate::value::datetime::timestamp_in_range(ts as i64) {
            return Err(pg_function_error(
                SqlState::DATETIME_FIELD_OVERFLOW,
                "timestamp out of range",
            ));
        }
        Ok(Some(format_timestamp(ts as i64, true).as_str().to_string()))
    })?;
    Ok(())
}

/// The template patterns, longest first so that `HH24` wins over `HH`.
const PATTERNS: &[&str] = &[
    "HH24", "HH12", "YYYY", "MONTH", "Month", "month", "A.M.", "P.M.", "a.m.", "p.m.", "YYY",
    "MON", "Mon", "mon", "DAY", "Day", "day", "DDD", "IYYY", "HH", "MI", "SS", "MS", "US", "AM",
    "PM", "am", "pm", "YY", "MM", "DD", "DY", "Dy", "dy", "ID", "IW", "WW", "Q", "D", "Y",
];

enum Piece<'a> {
    Pattern { name: &'a str, fill_mode: bool },
    Literal(&'a str),
}

fn pieces(format: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = format;
    while !rest.is_empty() {
        let (fill_mode, body) = match rest.strip_prefix("FM") {
            Some(b) => (true, b),
            None => (false, rest),
        };
        if let Some(name) = PATTERNS.iter().find(|p| body.starts_with(**p)) {
            out.push(Piece::Pattern { name, fill_mode });
            rest = &body[name.len()..];
            continue;
        }
        if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            out.push(Piece::Literal(&quoted[..end]));
            rest = quoted.get(end + 1..).unwrap_or("");
            continue;
        }
        let len = rest.chars().next().map_or(1, char::len_utf8);
        let (lit, tail) = rest.split_at(len);
        let lit = if lit == "\\" && !tail.is_empty() {
            let next = tail.chars().next().map_or(1, char::len_utf8);
            out.push(Piece::Literal(&tail[..next]));
            rest = &tail[next..];
            continue;
        } else {
            lit
        };
        out.push(Piece::Literal(lit));
        rest = tail;
    }
    out
}

fn cased(name: &str, word: &str, pad: bool) -> String {
    let text = if name.chars().all(|c| c.is_ascii_uppercase()) {
        word.to_ascii_uppercase()
    } else if name.chars().all(|c| c.is_ascii_lowercase()) {
        word.to_ascii_lowercase()
    } else {
        word.to_string()
    };
    if pad { format!("{text:<9}") } else { text }
}

fn to_char(ctx: &Context<'_>) -> Result<Option<String>> {
    if matches!(ctx.get_raw(0), ValueRef::Integer(_) | ValueRef::Real(_)) {
        return Err(pg_function_error(
            SqlState::FEATURE_NOT_SUPPORTED,
            "to_char() of a number is not supported by pgsqlite",
        ));
    }
    let (Some((ts, _)), Some(format)) = (timestamp_arg(ctx, 0)?, text_arg(ctx, 1)?) else {
        return Ok(None);
    };
    if ts == crate::value::datetime::TIMESTAMP_INFINITY
        || ts == crate::value::datetime::TIMESTAMP_NEG_INFINITY
    {
        return Ok(None);
    }
    let days = ts.div_euclid(USECS_PER_DAY) + PG_EPOCH_UNIX_DAYS;
    let time = ts.rem_euclid(USECS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let hour = time / 3_600_000_000;
    let minute = time / 60_000_000 % 60;
    let second = time / 1_000_000 % 60;
    let micros = time % 1_000_000;
    let weekday = (days + 4).rem_euclid(7) as usize; // 1970-01-01 was a Thursday
    let doy = days - days_from_civil(year, 1, 1) + 1;
    let mut out = String::with_capacity(format.len() + 8);
    for piece in pieces(&format) {
        let (name, fm) = match piece {
            Piece::Literal(l) => {
                out.push_str(l);
                continue;
            }
            Piece::Pattern { name, fill_mode } => (name, fill_mode),
        };
        let mut num = |value: i64, width: usize| {
            if fm {
                let _ = write!(out, "{value}");
            } else {
                let _ = write!(out, "{value:0width$}");
            }
        };
        match name {
            "YYYY" | "IYYY" => num(year, 4),
            "YYY" => num(year % 1000, 3),
            "YY" => num(year % 100, 2),
            "Y" => num(year % 10, 1),
            "MM" => num(i64::from(month), 2),
            "DD" => num(i64::from(day), 2),
            "DDD" => num(doy, 3),
            "D" => num(weekday as i64 + 1, 1),
            "ID" => num(if weekday == 0 { 7 } else { weekday as i64 }, 1),
            "Q" => num(i64::from((month - 1) / 3 + 1), 1),
            "WW" => num((doy - 1) / 7 + 1, 2),
            "IW" => {
                let isodow = (days + 3).rem_euclid(7) + 1;
                let thursday = days - isodow + 4;
                let (y, _, _) = civil_from_days(thursday);
                num((thursday - days_from_civil(y, 1, 1)) / 7 + 1, 2)
            }
            "HH24" => num(hour, 2),
            "HH12" | "HH" => num(if hour % 12 == 0 { 12 } else { hour % 12 }, 2),
            "MI" => num(minute, 2),
            "SS" => num(second, 2),
            "MS" => num(micros / 1000, 3),
            "US" => num(micros, 6),
            "AM" | "PM" => out.push_str(if hour < 12 { "AM" } else { "PM" }),
            "am" | "pm" => out.push_str(if hour < 12 { "am" } else { "pm" }),
            "A.M." | "P.M." => out.push_str(if hour < 12 { "A.M." } else { "P.M." }),
            "a.m." | "p.m." => out.push_str(if hour < 12 { "a.m." } else { "p.m." }),
            "MONTH" | "Month" | "month" => {
                out.push_str(&cased(name, MONTHS[month as usize - 1], !fm))
            }
            "MON" | "Mon" | "mon" => {
                out.push_str(&cased(name, &MONTHS[month as usize - 1][..3], false))
            }
            "DAY" | "Day" | "day" => out.push_str(&cased(name, DAYS[weekday], !fm)),
            "DY" | "Dy" | "dy" => out.push_str(&cased(name, &DAYS[weekday][..3], false)),
            _ => out.push_str(name),
        }
    }
    Ok(Some(out))
}

fn bad_value(text: &str, pattern: &str) -> rusqlite::Error {
    pg_function_error(
        SqlState::INVALID_DATETIME_FORMAT,
        &format!("invalid value \"{text}\" for \"{pattern}\""),
    )
}

/// Reads `text` by `format`: (days since 1970-01-01, microseconds of the day).
fn parse_with(ctx: &Context<'_>) -> Result<Option<(i64, i64)>> {
    let (Some(text), Some(format)) = (text_arg(ctx, 0)?, text_arg(ctx, 1)?) else {
        return Ok(None);
    };
    let mut rest: &str = &text;
    let (mut year, mut month, mut day) = (None::<i64>, 1i64, 1i64);
    let (mut hour, mut minute, mut second, mut micros) = (0i64, 0i64, 0i64, 0i64);
    let mut pm: Option<bool> = None;
    let mut twelve_hour = false;
    for piece in pieces(&format) {
        let name = match piece {
            Piece::Literal(l) => {
                // A separator in the template skips one character of input.
                for _ in l.chars() {
                    let mut chars = rest.chars();
                    if chars.next().is_some_and(|c| !c.is_ascii_alphanumeric()) {
                        rest = chars.as_str();
                    }
                }
                continue;
            }
            Piece::Pattern { name, .. } => name,
        };
        rest = rest.trim_start_matches(' ');
        let width = match name {
            "YYYY" | "IYYY" => 4,
            "YYY" | "DDD" | "MS" => 3,
            "US" => 6,
            "Y" | "D" | "Q" => 1,
            _ => 2,
        };
        let number = |rest: &mut &str| -> Result<i64> {
            let digits = rest
                .bytes()
                .take(if name == "YYYY" { 9 } else { width })
                .take_while(u8::is_ascii_digit)
                .count();
            let (d, tail) = rest.split_at(digits);
            if d.is_empty() {
                return Err(bad_value(rest, name));
            }
            *rest = tail;
            d.parse::<i64>().map_err(|_| bad_value(d, name))
        };
        match name {
            "YYYY" | "IYYY" => year = Some(number(&mut rest)?),
            "YYY" | "YY" | "Y" => {
                let y = number(&mut rest)?;
                year = Some(if y < 70 {
                    2000 + y
                } else if y < 100 {
                    1900 + y
                } else {
                    2000 + y
                });
            }
            "MM" => month = number(&mut rest)?,
            "DD" => day = number(&mut rest)?,
            "HH24" => hour = number(&mut rest)?,
            "HH12" | "HH" => {
                hour = number(&mut rest)?;
                twelve_hour = true;
            }
            "MI" => minute = number(&mut rest)?,
            "SS" => second = number(&mut rest)?,
            "MS" => micros = number(&mut rest)? * 1000,
            "US" => micros = number(&mut rest)?,
            "AM" | "PM" | "am" | "pm" | "A.M." | "P.M." | "a.m." | "p.m." => {
                let word: String = rest.chars().take(name.len()).collect();
                let upper = word.to_ascii_uppercase();
                pm = Some(upper.starts_with('P'));
                if !(upper.starts_with('A') || upper.starts_with('P')) {
                    return Err(bad_value(&word, name));
                }
                rest = &rest[word.len()..];
            }
            "MONTH" | "Month" | "month" | "MON" | "Mon" | "mon" => {
                let found = MONTHS.iter().position(|m| {
                    let candidate = if name.len() == 3 { &m[..3] } else { m };
                    rest.get(..candidate.len())
                        .is_some_and(|p| p.eq_ignore_ascii_case(candidate))
                });
                let Some(i) = found else {
                    return Err(bad_value(rest, name));
                };
                let len = if name.len() == 3 { 3 } else { MONTHS[i].len() };
                rest = &rest[len..];
                month = i as i64 + 1;
            }
            "DAY" | "Day" | "day" | "DY" | "Dy" | "dy" => {
                let word_len = rest.chars().take_while(char::is_ascii_alphabetic).count();
                rest = &rest[word_len..];
            }
            _ => {
                number(&mut rest)?;
            }
        }
    }
    if twelve_hour || pm.is_some() {
        if !(1..=12).contains(&hour) {
            return Err(pg_function_error(
                SqlState::INVALID_DATETIME_FORMAT,
                &format!("hour \"{hour}\" is invalid for the 12-hour clock"),
            ));
        }
        hour %= 12;
        if pm == Some(true) {
            hour += 12;
        }
    }
    let year = year.unwrap_or(1);
    let valid_date = (1..=9999).contains(&year)
        && (1..=12).contains(&month)
        && day >= 1
        && day <= i64::from(days_in_month(year, month as u32));
    if !valid_date {
        return Err(pg_function_error(
            SqlState::DATETIME_FIELD_OVERFLOW,
            &format!("date/time field value out of range: \"{text}\""),
        ));
    }
    if hour > 24 || minute > 59 || second > 60 {
        return Err(pg_function_error(
            SqlState::DATETIME_FIELD_OVERFLOW,
            &format!("date/time field value out of range: \"{text}\""),
        ));
    }
    let days = days_from_civil(year, month as u32, day as u32);
    let time = ((hour * 60 + minute) * 60 + second) * 1_000_000 + micros;
    Ok(Some((days, time)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(sql: &str) -> String {
        crate::executor::testing::text(register, sql)
    }

    #[test]
    fn templates() {
        let ts = "'2024-05-07 13:05:09'";
        assert_eq!(
            text(&format!("SELECT to_char({ts}, 'YYYY-MM-DD HH24:MI:SS')")),
            "2024-05-07 13:05:09"
        );
        assert_eq!(
            text(&format!("SELECT to_char({ts}, 'HH12:MI AM')")),
            "01:05 PM"
        );
        assert_eq!(
            text("SELECT to_char('2024-05-07', 'DD/MM/YYYY')"),
            "07/05/2024"
        );
        assert_eq!(
            text("SELECT to_char('2024-05-07', 'Mon DD, YYYY')"),
            "May 07, 2024"
        );
        assert_eq!(
            text("SELECT to_char('2024-05-07', 'FMMonth FMDD')"),
            "May 7"
        );
        assert_eq!(text("SELECT to_char('2024-05-07', 'Day')"), "Tuesday  ");
        assert_eq!(text("SELECT to_char('2024-05-07', '\"Q\"Q')"), "Q2");
        assert_eq!(
            text("SELECT to_date('07/05/2024', 'DD/MM/YYYY')"),
            "2024-05-07"
        );
        let c = Connection::open_in_memory().unwrap();
        register(&c).unwrap();
        for bad in [
            "SELECT to_date('Mé 2024', 'Mon YYYY')",
            "SELECT to_timestamp('999999999', 'YYYY')",
            "SELECT to_date('x', 'DD')",
        ] {
            let err = c.query_row(bad, [], |r| r.get::<_, String>(0)).unwrap_err();
            assert!(err.to_string().contains("[2200"), "{bad}: {err}");
        }
        assert_eq!(
            text("SELECT to_timestamp('2024-05-07 01:05 PM', 'YYYY-MM-DD HH12:MI AM')"),
            "2024-05-07 13:05:00+00"
        );
    }
}
