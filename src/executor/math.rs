//! PostgreSQL's mathematical functions SQLite lacks (its math extension is not built into
//! the bundled library): `trunc`, `ceil`, `floor`, `power`, `sqrt`, `cbrt`, `exp`, `ln`,
//! `log`, `pi`, `mod`, `div`, `gcd`, `lcm`, `factorial`, `sign`, `width_bucket`,
//! `greatest` and `least`; `pg_rint`/`pg_round_digits` for PostgreSQL's rounding; and
//! `pg_series_step`, the step check of the rewritten `generate_series`
//! (`sql/rewrite/srf.rs`). Errors carry PostgreSQL's SQLSTATEs.

use super::pg_function_error;
use crate::error::SqlState;
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, Result};
use std::cmp::Ordering;

/// A one-argument float function that may fail with a SQLSTATE.
type FloatFn = fn(f64) -> Result<f64>;

/// Registers the functions on `conn`.
pub fn register(conn: &Connection) -> Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    let unary: &[(&str, FloatFn)] = &[
        ("ceil", |x| Ok(x.ceil())),
        ("ceiling", |x| Ok(x.ceil())),
        ("floor", |x| Ok(x.floor())),
        ("trunc", |x| Ok(x.trunc())),
        ("sqrt", |x| {
            if x < 0.0 {
                Err(pg_function_error(
                    SqlState::INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                    "cannot take square root of a negative number",
                ))
            } else {
                Ok(x.sqrt())
            }
        }),
        ("cbrt", |x| Ok(x.cbrt())),
        ("exp", |x| Ok(x.exp())),
        ("ln", |x| log_checked(x, f64::ln)),
        ("log", |x| log_checked(x, f64::log10)),
        ("log10", |x| log_checked(x, f64::log10)),
        ("sign", |x| {
            Ok(if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else {
                0.0
            })
        }),
    ];
    for &(name, f) in unary {
        conn.create_scalar_function(name, 1, flags, move |ctx| match float_arg(ctx, 0)? {
            None => Ok(Value::Null),
            Some(x) => f(x).map(|v| integral(v, ctx)),
        })?;
    }
    conn.create_scalar_function("trunc", 2, flags, |ctx| {
        let (Some(x), Some(n)) = (float_arg(ctx, 0)?, ctx.get::<Option<i64>>(1)?) else {
            return Ok(None);
        };
        let scale = 10f64.powi(n.clamp(-300, 300) as i32);
        Ok(Some((x * scale).trunc() / scale))
    })?;
    conn.create_scalar_function("pg_rint", 1, flags, |ctx| {
        Ok(float_arg(ctx, 0)?.map(f64::round_ties_even))
    })?;
    // round(x, n) for negative n (the rewriter sends only those here): half away from
    // zero at the 10^-n place.
    conn.create_scalar_function("pg_round_digits", 2, flags, |ctx| {
        let (Some(x), Some(n)) = (float_arg(ctx, 0)?, ctx.get::<Option<i64>>(1)?) else {
            return Ok(None);
        };
        let unit = 10f64.powi(n.clamp(-300, 0).unsigned_abs() as i32);
        Ok(Some((x / unit).round() * unit))
    })?;
    for name in ["power", "pow"] {
        conn.create_scalar_function(name, 2, flags, |ctx| {
            let (Some(x), Some(y)) = (float_arg(ctx, 0)?, float_arg(ctx, 1)?) else {
                return Ok(None);
            };
            if x == 0.0 && y < 0.0 {
                return Err(pg_function_error(
                    SqlState::INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                    "zero raised to a negative power is undefined",
                ));
            }
            if x < 0.0 && y.fract() != 0.0 {
                return Err(pg_function_error(
                    SqlState::INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                    "a negative number raised to a non-integer power yields a complex result",
                ));
            }
            Ok(Some(x.powf(y)))
        })?;
    }
    conn.create_scalar_function("log", 2, flags, |ctx| {
        let (Some(b), Some(x)) = (float_arg(ctx, 0)?, float_arg(ctx, 1)?) else {
            return Ok(None);
        };
        log_checked(x, |x| x.ln() / b.ln()).map(Some)
    })?;
    conn.create_scalar_function("pi", 0, flags, |_| Ok(std::f64::consts::PI))?;
    // generate_series's step, passed through unless it is zero (NULL stays NULL: no rows).
    conn.create_scalar_function("pg_series_step", 1, flags, |ctx| {
        let step = ctx.get::<Value>(0)?;
        let zero = match step {
            Value::Integer(n) => n == 0,
            Value::Real(x) => x == 0.0,
            _ => false,
        };
        if zero {
            return Err(pg_function_error(
                SqlState::INVALID_PARAMETER_VALUE,
                "step size cannot equal zero",
            ));
        }
        Ok(step)
    })?;
    conn.create_scalar_function("mod", 2, flags, |ctx| {
        super::arith::divide(ctx, super::arith::Division::Modulo)
    })?;
    conn.create_scalar_function("div", 2, flags, |ctx| {
        let (Some(a), Some(b)) = (float_arg(ctx, 0)?, float_arg(ctx, 1)?) else {
            return Ok(None);
        };
        if b == 0.0 {
            return Err(pg_function_error(
                SqlState::DIVISION_BY_ZERO,
                "division by zero",
            ));
        }
        Ok(Some((a / b).trunc() as i64))
    })?;
    conn.create_scalar_function("gcd", 2, flags, |ctx| {
        let (Some(a), Some(b)) = (ctx.get::<Option<i64>>(0)?, ctx.get::<Option<i64>>(1)?) else {
            return Ok(None);
        };
        Ok(Some(gcd(a, b) as i64))
    })?;
    conn.create_scalar_function("lcm", 2, flags, |ctx| {
        let (Some(a), Some(b)) = (ctx.get::<Option<i64>>(0)?, ctx.get::<Option<i64>>(1)?) else {
            return Ok(None);
        };
        if a == 0 || b == 0 {
            return Ok(Some(0));
        }
        let l = (i128::from(a) / i128::from(gcd(a, b) as i64) * i128::from(b)).abs();
        i64::try_from(l).map(Some).map_err(|_| {
            pg_function_error(SqlState::NUMERIC_VALUE_OUT_OF_RANGE, "integer out of range")
        })
    })?;
    conn.create_scalar_function("factorial", 1, flags, |ctx| {
        let Some(n) = ctx.get::<Option<i64>>(0)? else {
            return Ok(None);
        };
        if n < 0 {
            return Err(pg_function_error(
                SqlState::INVALID_PARAMETER_VALUE,
                "factorial of a negative number is undefined",
            ));
        }
        (1..=n)
            .try_fold(1i64, |acc, k| acc.checked_mul(k))
            .map(Some)
            .ok_or_else(|| {
                pg_function_error(
                    SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
                    "value overflows numeric format",
                )
            })
    })?;
    conn.create_scalar_function("width_bucket", 4, flags, |ctx| {
        let args = (float_arg(ctx, 0)?, float_arg(ctx, 1)?, float_arg(ctx, 2)?);
        let (Some(x), Some(lo), Some(hi)) = args else {
            return Ok(None);
        };
        let Some(count) = ctx.get::<Option<i64>>(3)? else {
            return Ok(None);
        };
        if count <= 0 {
            return Err(pg_function_error(
                SqlState::INVALID_ARGUMENT_FOR_WIDTH_BUCKET_FUNCTION,
                "count must be greater than zero",
            ));
        }
        if lo == hi {
            return Err(pg_function_error(
                SqlState::INVALID_ARGUMENT_FOR_WIDTH_BUCKET_FUNCTION,
                "lower bound cannot equal upper bound",
            ));
        }
        let n = count as f64;
        let bucket = if lo < hi {
            if x < lo {
                0.0
            } else if x >= hi {
                n + 1.0
            } else {
                ((x - lo) / (hi - lo) * n).floor() + 1.0
            }
        } else if x > lo {
            0.0
        } else if x <= hi {
            n + 1.0
        } else {
            ((lo - x) / (lo - hi) * n).floor() + 1.0
        };
        Ok(Some(bucket as i64))
    })?;
    conn.create_scalar_function("greatest", -1, flags, |ctx| extreme(ctx, Ordering::Greater))?;
    conn.create_scalar_function("least", -1, flags, |ctx| extreme(ctx, Ordering::Less))?;
    Ok(())
}

fn log_checked(x: f64, f: impl Fn(f64) -> f64) -> Result<f64> {
    if x == 0.0 {
        Err(pg_function_error(
            SqlState::INVALID_ARGUMENT_FOR_LOGARITHM,
            "cannot take logarithm of zero",
        ))
    } else if x < 0.0 {
        Err(pg_function_error(
            SqlState::INVALID_ARGUMENT_FOR_LOGARITHM,
            "cannot take logarithm of a negative number",
        ))
    } else {
        Ok(f(x))
    }
}

fn gcd(a: i64, b: i64) -> u64 {
    let (mut a, mut b) = (a.unsigned_abs(), b.unsigned_abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// A numeric argument as a float; NULL is `None`, text that is not a number is 22P02.
fn float_arg(ctx: &Context<'_>, i: usize) -> Result<Option<f64>> {
    match ctx.get_raw(i) {
        ValueRef::Null => Ok(None),
        ValueRef::Integer(v) => Ok(Some(v as f64)),
        ValueRef::Real(v) => Ok(Some(v)),
        ValueRef::Text(t) => {
            let text = String::from_utf8_lossy(t);
            text.trim().parse().map(Some).map_err(|_| {
                pg_function_error(
                    SqlState::INVALID_TEXT_REPRESENTATION,
                    &format!("invalid input syntax for type double precision: \"{text}\""),
                )
            })
        }
        ValueRef::Blob(_) => Err(pg_function_error(
            SqlState::UNDEFINED_FUNCTION,
            "function does not exist for bytea arguments",
        )),
    }
}

/// An integer argument keeps an integral result an integer (`ceil(4)` is `4`, not `4.0`).
fn integral(v: f64, ctx: &Context<'_>) -> Value {
    if matches!(ctx.get_raw(0), ValueRef::Integer(_)) && v.fract() == 0.0 && v.abs() < 9.0e15 {
        Value::Integer(v as i64)
    } else {
        Value::Real(v)
    }
}

/// `greatest`/`least`: NULLs are ignored; NULL only when every argument is NULL.
fn extreme(ctx: &Context<'_>, want: Ordering) -> Result<Value> {
    let mut best: Option<ValueRef<'_>> = None;
    for i in 0..ctx.len() {
        let v = ctx.get_raw(i);
        if matches!(v, ValueRef::Null) {
            continue;
        }
        best = match best {
            Some(b) if compare(v, b) != want => Some(b),
            _ => Some(v),
        };
    }
    Ok(best.map_or(Ok(Value::Null), Value::try_from)?)
}

/// SQLite's ordering of two non-NULL values: numbers before text before blobs.
fn compare(a: ValueRef<'_>, b: ValueRef<'_>) -> Ordering {
    let rank = |v: &ValueRef<'_>| match v {
        ValueRef::Integer(_) | ValueRef::Real(_) => 0,
        ValueRef::Text(_) => 1,
        _ => 2,
    };
    let num = |v: &ValueRef<'_>| match v {
        ValueRef::Integer(i) => *i as f64,
        ValueRef::Real(f) => *f,
        _ => 0.0,
    };
    match (rank(&a), rank(&b)) {
        (0, 0) => num(&a).partial_cmp(&num(&b)).unwrap_or(Ordering::Equal),
        (1, 1) | (2, 2) => a.as_bytes().ok().cmp(&b.as_bytes().ok()),
        (x, y) => x.cmp(&y),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_math() {
        let c = Connection::open_in_memory().unwrap();
        register(&c).unwrap();
        super::super::arith::register(&c).unwrap();
        let one = |sql: &str| {
            c.query_row(sql, [], |r| r.get::<_, Value>(0))
                .map_err(|e| e.to_string())
        };
        assert_eq!(one("SELECT ceil(4.1)"), Ok(Value::Real(5.0)));
        assert_eq!(one("SELECT floor(-4)"), Ok(Value::Integer(-4)));
        assert_eq!(one("SELECT greatest(1, NULL, 3)"), Ok(Value::Integer(3)));
        assert_eq!(one("SELECT least('b', 'a')"), Ok(Value::Text("a".into())));
        assert_eq!(one("SELECT gcd(12, 18)"), Ok(Value::Integer(6)));
        assert_eq!(one("SELECT lcm(4, 6)"), Ok(Value::Integer(12)));
        assert_eq!(
            one("SELECT width_bucket(5.35, 0.024, 10.06, 5)"),
            Ok(Value::Integer(3))
        );
        assert_eq!(one("SELECT div(-7, 2)"), Ok(Value::Integer(-3)));
        assert!(one("SELECT sqrt(-1)").unwrap_err().contains("[2201F]"));
        assert!(one("SELECT ln(0)").unwrap_err().contains("[2201E]"));
    }
}
