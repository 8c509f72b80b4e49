//! Deterministic mutation fuzzing, on the stable toolchain (cargo-fuzz needs nightly,
//! which this project's machines do not have), of what a client's bytes reach after the
//! wire codec (fuzzed in `tests/codec.rs`) and a whole session (`tests/hostile.rs`):
//!
//! - the SQL front end (`sql::analyze`: parse, describe, rewrite), seeded with every
//!   statement of the differential corpus (`tests/differential/corpus/*.sql`);
//! - the parameter decoders (`value::params::decode_text` / `decode_binary`) for every
//!   type pgsqlite knows, seeded with valid values of each.
//!
//! Each input must give a result or an error, never a panic. The runs are bounded by a
//! count and by `PGSQLITE_FUZZ_SECONDS` (default 4 s per target); the seed is fixed, so a
//! failure names the input and reproduces.

mod common;

use common::rng::Rng;
use pgsqlite::executor::TableColumn;
use pgsqlite::protocol::types::{Oid, oid};
use pgsqlite::value::params::{decode_binary, decode_text};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

fn budget() -> Duration {
    let seconds = std::env::var("PGSQLITE_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4);
    Duration::from_secs(seconds)
}

/// The differential corpus, one statement per entry.
fn statements() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap();
        let mut current = String::new();
        for line in text.lines() {
            if line.trim_start().starts_with("--") {
                continue;
            }
            current.push_str(line);
            current.push('\n');
            if line.trim_end().ends_with(';') {
                out.push(std::mem::take(&mut current));
            }
        }
    }
    out
}

/// Pieces of PostgreSQL syntax worth splicing into a statement.
const FRAGMENTS: &[&str] = &[
    "(",
    ")",
    "'",
    "\"",
    "$1",
    "$0",
    "$99999999999",
    "::",
    "::int",
    "::numeric(3,1)",
    "::text[]",
    "[",
    "]",
    ",",
    ";",
    "--",
    "/*",
    "*/",
    "E'\\",
    "U&'\\0041'",
    "$$",
    "$x$",
    " OVER (",
    " FILTER (WHERE ",
    " ORDER BY ",
    " NULLS FIRST",
    " LIMIT ",
    " FETCH FIRST ",
    " RETURNING *",
    " USING ",
    " AS t(a, b)",
    "ARRAY[",
    "ROW(",
    " IS DISTINCT FROM ",
    " AT TIME ZONE ",
    "interval '",
    "->>",
    "#>",
    "@>",
    "||",
    "^",
    "#",
    "~*",
    " COLLATE ",
    "pg_typeof(",
    "generate_series(",
    "date_trunc('",
    "current_setting('",
    "\0",
    "é",
    "\u{feff}",
    " SELECT ",
    " FROM ",
    " WHERE ",
    " GROUP BY ",
    " HAVING ",
    " UNION ",
    " WITH ",
    "9999999999999999999999",
    "-",
    "1e400",
    "NaN",
    "NULL",
    "DEFAULT",
];

fn mutate_text(rng: &mut Rng, seed: &str) -> String {
    let mut s: Vec<char> = seed.chars().collect();
    for _ in 0..=rng.below(4) {
        let at = rng.below(s.len() + 1);
        match rng.below(6) {
            0 => {
                let fragment = FRAGMENTS[rng.below(FRAGMENTS.len())];
                s.splice(at..at, fragment.chars());
            }
            1 if !s.is_empty() => {
                let end = (at + 1 + rng.below(12)).min(s.len());
                s.drain(at.min(end)..end);
            }
            2 if !s.is_empty() => {
                let end = (at + 1 + rng.below(24)).min(s.len());
                let copy: Vec<char> = s[at.min(end)..end].to_vec();
                let to = rng.below(s.len() + 1);
                s.splice(to..to, copy);
            }
            3 => s.truncate(at),
            4 if !s.is_empty() => {
                let i = at.min(s.len() - 1);
                s[i] = char::from_u32(rng.below(0x80) as u32).unwrap_or(' ');
            }
            _ => s.insert(at, ' '),
        }
    }
    s.into_iter().collect()
}

/// The catalog the statements see: every corpus table name gets these columns.
fn columns(table: &str) -> Vec<TableColumn> {
    if table.starts_with("nosuch") {
        return Vec::new();
    }
    let column = |name: &str, ty: Oid, declared: &str| TableColumn {
        name: name.to_string(),
        ty,
        declared: declared.to_string(),
    };
    vec![
        column("id", oid::INT4, "int"),
        column("name", oid::TEXT, "text"),
        column("amount", oid::NUMERIC, "numeric(10,2)"),
        column("d", oid::DATE, "date"),
        column("ts", oid::TIMESTAMPTZ, "timestamptz"),
        column("tags", oid::TEXT_ARRAY, "text[]"),
        column("doc", oid::JSONB, "jsonb"),
    ]
}

#[test]
fn sql_front_end_survives_mutated_statements() {
    let seeds = statements();
    assert!(
        seeds.len() > 500,
        "the corpus has {} statements",
        seeds.len()
    );
    let mut rng = Rng(0xf0e1_d2c3_b4a5_9687);
    let deadline = Instant::now() + budget();
    let (mut runs, mut errors) = (0u32, 0u32);
    // Every seed once as it is, then mutations.
    let mut inputs = seeds.clone();
    while runs < 200_000 && Instant::now() < deadline {
        let text = match inputs.pop() {
            Some(text) => text,
            None => {
                let seed = &seeds[rng.below(seeds.len())];
                mutate_text(&mut rng, seed)
            }
        };
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            pgsqlite::sql::analyze(&text, &mut columns).is_err()
        }));
        match outcome {
            Ok(failed) => errors += u32::from(failed),
            Err(_) => panic!("sql::analyze panicked on {text:?}"),
        }
        runs += 1;
    }
    eprintln!("sql front end: {runs} statements, {errors} syntax errors");
    assert!(runs as usize > seeds.len(), "only {runs} runs");
}

/// Valid text values of each type, to mutate.
fn text_seeds(ty: Oid) -> &'static [&'static str] {
    match ty {
        oid::BOOL => &["t", "false", "yes", "0"],
        oid::INT2 | oid::INT4 | oid::INT8 | oid::OID => &["0", "-32768", "9223372036854775807"],
        oid::FLOAT4 | oid::FLOAT8 => &["1.5", "-1e300", "NaN", "-Infinity"],
        oid::NUMERIC => &["12.345", "-0.00", "1e-7", "NaN"],
        oid::DATE => &["2024-02-29", "infinity", "0001-01-01 BC", "20240315"],
        oid::TIME | oid::TIMETZ => &["24:00:00", "10:15:30.123456+05:30", "allballs"],
        oid::TIMESTAMP | oid::TIMESTAMPTZ => &[
            "2024-01-31 10:15:30.5",
            "2023-12-25T23:59:59+05",
            "-infinity",
        ],
        oid::INTERVAL => &["1 day 02:00:00", "-3 months", "P1Y2M3DT4H5M6S"],
        oid::UUID => &["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"],
        oid::JSON | oid::JSONB => &["{\"a\": [1, 2.5, null]}", "[]", "\"x\""],
        oid::BYTEA => &["\\x00ff", "a\\\\b\\001"],
        t if pgsqlite::protocol::types::element_of(t).is_some() => {
            &["{1,2,NULL}", "{{\"a\",\"b\"},{c,d}}", "{}"]
        }
        _ => &["text", ""],
    }
}

fn mutate_bytes(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for _ in 0..=rng.below(3) {
        let at = rng.below(b.len() + 1);
        match rng.below(5) {
            0 => b.insert(at, rng.next() as u8),
            1 if !b.is_empty() => {
                b.remove(at.min(b.len() - 1));
            }
            2 if !b.is_empty() => {
                let i = at.min(b.len() - 1);
                b[i] ^= 1 << rng.below(8);
            }
            3 => b.truncate(at),
            _ => {
                let fragment = [
                    b"-".as_slice(),
                    b"9999999999",
                    b"{",
                    b"}",
                    b"\"",
                    b",",
                    b"e",
                    b":",
                ][rng.below(8)];
                b.splice(at..at, fragment.iter().copied());
            }
        }
    }
    b
}

#[test]
fn parameter_decoders_survive_mutated_values() {
    let types = [
        oid::BOOL,
        oid::BYTEA,
        oid::NAME,
        oid::INT8,
        oid::INT2,
        oid::INT4,
        oid::TEXT,
        oid::OID,
        oid::JSON,
        oid::FLOAT4,
        oid::FLOAT8,
        oid::UNKNOWN,
        oid::BPCHAR,
        oid::VARCHAR,
        oid::DATE,
        oid::TIME,
        oid::TIMESTAMP,
        oid::TIMESTAMPTZ,
        oid::INTERVAL,
        oid::TIMETZ,
        oid::NUMERIC,
        oid::UUID,
        oid::JSONB,
        oid::BOOL_ARRAY,
        oid::INT4_ARRAY,
        oid::INT8_ARRAY,
        oid::TEXT_ARRAY,
        oid::FLOAT8_ARRAY,
        oid::NUMERIC_ARRAY,
        oid::DATE_ARRAY,
        oid::TIMESTAMPTZ_ARRAY,
        oid::UUID_ARRAY,
        oid::JSONB_ARRAY,
    ];
    let mut rng = Rng(0x0bad_c0de_dead_beef);
    let deadline = Instant::now() + budget();
    let mut runs = 0u32;
    while runs < 500_000 && Instant::now() < deadline {
        let ty = types[rng.below(types.len())];
        let seeds = text_seeds(ty);
        let seed = seeds[rng.below(seeds.len())].as_bytes();
        let text = mutate_bytes(&mut rng, seed);
        // Binary input: valid binary encodings are not at hand here, so mutated text,
        // random bytes and lengths around each type's fixed width.
        let binary = match rng.below(3) {
            0 => text.clone(),
            1 => (0..rng.below(24)).map(|_| rng.next() as u8).collect(),
            _ => {
                let width = [1, 2, 4, 8, 12, 16][rng.below(6)];
                (0..width).map(|_| rng.next() as u8).collect()
            }
        };
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let _ = decode_text(&text, ty);
            let _ = decode_binary(&binary, ty);
        }));
        assert!(
            outcome.is_ok(),
            "a decoder panicked on type {ty}: text {text:?}, binary {binary:?}"
        );
        runs += 1;
    }
    eprintln!("parameter decoders: {runs} values");
    assert!(runs > 1_000, "only {runs} runs");
}
