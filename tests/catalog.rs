//! The live catalog through real clients: psql's `\d` family compared line by line with
//! PostgreSQL 15's output for the same schema (tests/data/psql_describe, written from
//! PostgreSQL 15 by scripts/gen-catalog.sh), asyncpg-style encoding names, freshness after DDL on
//! another connection, and OIDs that stay put.

mod common;

use std::process::Command;
use std::time::Duration;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/psql_describe");

/// Runs psql against the server; the client encoding is sent as asyncpg spells it.
fn psql(port: u16, args: &[&str]) -> String {
    let mut cmd = Command::new("psql");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("PG") {
            cmd.env_remove(name);
        }
    }
    let output = cmd
        .env("LC_ALL", "C.UTF-8")
        .env("PGCLIENTENCODING", "'utf-8'")
        .env("PGCONNECT_TIMEOUT", "10")
        .args([
            "-X",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
        ])
        .args(["-p", &port.to_string(), "-d", "postgres"])
        .args(args)
        .output()
        .expect("psql runs");
    assert!(
        output.status.success(),
        "psql {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// Lines PostgreSQL prints that pgsqlite cannot: a CHECK constraint keeps the expression
/// as written (PostgreSQL adds the implicit casts it resolved).
fn expected_difference(line: &str) -> Option<String> {
    Some(line.replace("0::numeric", "0"))
}

/// Trailing spaces and column widths depend on the widest value: compare cell by cell.
fn cells(line: &str) -> Vec<String> {
    line.split('|')
        .map(|c| c.trim().trim_matches('-').to_string())
        .collect()
}

#[test]
fn psql_describe_commands_match_postgresql() {
    let server = common::start_with(|_| {});
    let port = server.local_addr().expect("tcp").port();
    let schema = format!("{DATA}/schema.sql");
    psql(port, &["-q", "-f", &schema]);
    for (command, file) in [
        ("\\dt", "dt"),
        ("\\di", "di"),
        ("\\dv", "dv"),
        ("\\dn", "dn"),
        ("\\du", "du"),
        ("\\ds", "ds"),
        ("\\df", "df"),
        ("\\dT", "dT"),
        ("\\d books", "d_books"),
        ("\\d authors", "d_authors"),
        ("\\d+ books", "dp_books"),
    ] {
        let expected =
            std::fs::read_to_string(format!("{DATA}/{file}.out")).expect("expected output");
        let got = psql(port, &["-c", command]);
        let expected: Vec<Vec<String>> = expected
            .lines()
            .filter_map(expected_difference)
            .map(|l| cells(&l))
            .collect();
        let got: Vec<Vec<String>> = got.lines().map(cells).collect();
        assert_eq!(got, expected, "{command}");
    }
    let list = psql(port, &["-c", "\\l"]);
    assert!(
        list.lines().any(|l| cells(l).starts_with(&[
            "postgres".into(),
            "postgres".into(),
            "UTF8".into()
        ])),
        "{list}"
    );
    let info = psql(port, &["-c", "\\conninfo"]);
    assert!(
        info.contains("database \"postgres\" as user \"postgres\""),
        "{info}"
    );
    server.shutdown().expect("clean shutdown");
}

#[tokio::test]
async fn catalog_follows_ddl_of_other_sessions_with_stable_oids() {
    let server = common::start_with(|_| {});
    let a = common::connect(&server).await;
    let b = common::connect(&server).await;
    a.batch_execute("CREATE TABLE t1 (id int PRIMARY KEY, name text NOT NULL)")
        .await
        .unwrap();
    let oid_of = |name: &'static str| {
        let client = &a;
        async move {
            let row = client
                .query_one(
                    "SELECT c.oid FROM pg_catalog.pg_class c WHERE c.relname = $1",
                    &[&name],
                )
                .await
                .unwrap();
            row.get::<_, u32>(0)
        }
    };
    let t1 = oid_of("t1").await;
    assert!(t1 >= 16384);
    // b creates a table: a's next catalog query sees it, and t1 keeps its OID.
    b.batch_execute("CREATE TABLE t2 (x varchar(10) REFERENCES t1 (id))")
        .await
        .unwrap();
    assert_eq!(oid_of("t1").await, t1);
    let t2 = oid_of("t2").await;
    assert_ne!(t2, t1);
    let via_b: u32 = b
        .query_one("SELECT 't1'::regclass::oid", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(via_b, t1, "the same OID on every connection");
    let columns = a
        .query(
            "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull \
             FROM pg_catalog.pg_attribute a WHERE a.attrelid = 't2'::regclass AND a.attnum > 0",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(columns.len(), 1);
    assert_eq!(columns[0].get::<_, &str>(1), "character varying(10)");
    let tables: Vec<String> = a
        .query(
            "SELECT table_name::text FROM information_schema.tables ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(tables, ["t1", "t2"], "nothing of pgsqlite's own is listed");
    // Unqualified catalog names resolve to pg_catalog, as in PostgreSQL.
    let n: i64 = a
        .query_one("SELECT count(*) FROM pg_class WHERE relkind = 'r'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 2);
    // A rebuild inside a transaction that rolls back: the index is back, with its
    // definition.
    a.batch_execute("CREATE INDEX t1_name ON t1 (name)")
        .await
        .unwrap();
    a.batch_execute("BEGIN; DROP INDEX t1_name").await.unwrap();
    let inside = a
        .query("SELECT 1 FROM pg_class WHERE relname = 't1_name'", &[])
        .await
        .unwrap();
    assert!(inside.is_empty());
    a.batch_execute("ROLLBACK").await.unwrap();
    let def: String = a
        .query_one(
            "SELECT pg_get_indexdef(c.oid) FROM pg_class c WHERE c.relname = 't1_name'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(def, "CREATE INDEX t1_name ON public.t1 USING btree (name)");
    b.batch_execute("DROP TABLE t2").await.unwrap();
    tokio::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(oid_of("t1").await, t1);
    let gone = a
        .query("SELECT 1 FROM pg_class WHERE relname = 't2'", &[])
        .await
        .unwrap();
    assert!(gone.is_empty());
}
