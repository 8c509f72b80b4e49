//! tokio-postgres against the real server: simple and extended protocol, types in text
//! and binary, parameters, errors, transactions, pipelining and portals, once per writer
//! strategy.

mod common;

use bytes::{BufMut, BytesMut};
use common::{connect, sqlstate, start};
use pgsqlite::writer::WriterStrategy;
use rstest::rstest;
use std::error::Error;
use tokio_postgres::SimpleQueryMessage;
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

/// Raw binary-format bytes, whatever the type: checks encodings byte for byte.
#[derive(Debug, PartialEq)]
struct Raw(Vec<u8>);

impl<'a> FromSql<'a> for Raw {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
        Ok(Raw(raw.to_vec()))
    }
    fn accepts(_: &Type) -> bool {
        true
    }
}

impl ToSql for Raw {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        out.put_slice(&self.0);
        Ok(IsNull::No)
    }
    fn accepts(_: &Type) -> bool {
        true
    }
    to_sql_checked!();
}

/// Text-format values of the first row of a simple query.
async fn simple_row(client: &tokio_postgres::Client, sql: &str) -> Vec<Option<String>> {
    let messages = client.simple_query(sql).await.expect(sql);
    for message in messages {
        if let SimpleQueryMessage::Row(row) = message {
            return (0..row.len())
                .map(|i| row.get(i).map(str::to_string))
                .collect();
        }
    }
    panic!("no row from {sql}");
}

#[rstest]
#[case::framed(WriterStrategy::Framed)]
#[cfg_attr(feature = "direct-writer", case::direct(WriterStrategy::Direct))]
#[cfg_attr(feature = "pooling", case::pooled(WriterStrategy::Pooled))]
#[tokio::test]
async fn simple_protocol_crud_and_tags(#[case] writer: WriterStrategy) {
    let server = start(writer);
    let client = connect(&server).await;
    let messages = client
        .simple_query(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
             INSERT INTO t VALUES (1, 'one'), (2, 'two;two'), (3, 'three');
             UPDATE t SET name = 'uno' WHERE id = 1;
             DELETE FROM t WHERE id = 3;
             SELECT id, name FROM t ORDER BY id",
        )
        .await
        .unwrap();
    let counts: Vec<u64> = messages
        .iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::CommandComplete(n) => Some(*n),
            _ => None,
        })
        .collect();
    assert_eq!(counts, vec![0, 3, 1, 1, 2]);
    let rows: Vec<(String, String)> = messages
        .iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(r) => Some((r.get(0)?.to_string(), r.get(1)?.to_string())),
            _ => None,
        })
        .collect();
    assert_eq!(
        rows,
        vec![("1".into(), "uno".into()), ("2".into(), "two;two".into())]
    );
    // An empty query string is answered (tokio-postgres reports EmptyQueryResponse as
    // CommandComplete(0)), not an error.
    let empty = client.simple_query("").await.unwrap();
    assert!(matches!(
        empty.as_slice(),
        [SimpleQueryMessage::CommandComplete(0)]
    ));
    server.shutdown().unwrap();
}

const TYPES_DDL: &str = "CREATE TABLE v (
    i2 SMALLINT, i4 INTEGER, i8 BIGINT, f4 FLOAT4, f8 DOUBLE PRECISION, num NUMERIC,
    b BOOLEAN, t TEXT, vc VARCHAR(20), by BYTEA, d DATE, tm TIME, ts TIMESTAMP,
    tz TIMESTAMPTZ, u UUID, j JSON, jb JSONB)";

#[rstest]
#[case::framed(WriterStrategy::Framed)]
#[cfg_attr(feature = "direct-writer", case::direct(WriterStrategy::Direct))]
#[cfg_attr(feature = "pooling", case::pooled(WriterStrategy::Pooled))]
#[tokio::test]
async fn every_type_round_trips_in_binary_and_text(#[case] writer: WriterStrategy) {
    let server = start(writer);
    let client = connect(&server).await;
    client.batch_execute(TYPES_DDL).await.unwrap();
    let insert = client
        .prepare(
            "INSERT INTO v VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)",
        )
        .await
        .unwrap();
    let expected_params = [
        Type::INT2,
        Type::INT4,
        Type::INT8,
        Type::FLOAT4,
        Type::FLOAT8,
        Type::NUMERIC,
        Type::BOOL,
        Type::TEXT,
        Type::VARCHAR,
        Type::BYTEA,
        Type::DATE,
        Type::TIME,
        Type::TIMESTAMP,
        Type::TIMESTAMPTZ,
        Type::UUID,
        Type::JSON,
        Type::JSONB,
    ];
    assert_eq!(
        insert.params(),
        &expected_params,
        "parameter types inferred from the table"
    );

    let days: i32 = 8766; // 2024-01-01
    let micros: i64 = (12 * 3600 + 34 * 60 + 56) * 1_000_000 + 789_000;
    let ts = i64::from(days) * 86_400_000_000 + micros;
    let uuid = [
        0x12u8, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 1, 2, 3, 4, 5, 6, 7, 8,
    ];
    let mut jsonb = vec![1u8];
    jsonb.extend_from_slice(br#"{"k": [1, 2]}"#);
    // numeric 12345.678: ndigits 3, weight 1, sign +, dscale 3, digits 1 2345 6780
    let numeric: Vec<u8> = [3i16, 1, 0, 3, 1, 2345, 6780]
        .iter()
        .flat_map(|d| d.to_be_bytes())
        .collect();
    client
        .execute(
            &insert,
            &[
                &-7i16,
                &2_000_000_000i32,
                &-9_000_000_000_000i64,
                &1.5f32,
                &-2.25e-5f64,
                &Raw(numeric.clone()),
                &true,
                &"héllo",
                &"vc",
                &vec![0u8, 255, 10],
                &Raw(days.to_be_bytes().to_vec()),
                &Raw(micros.to_be_bytes().to_vec()),
                &Raw(ts.to_be_bytes().to_vec()),
                &Raw(ts.to_be_bytes().to_vec()),
                &Raw(uuid.to_vec()),
                &Raw(br#"{"k": [1, 2]}"#.to_vec()),
                &Raw(jsonb.clone()),
            ],
        )
        .await
        .unwrap();
    let none: [&(dyn ToSql + Sync); 17] = [&None::<Raw>; 17];
    client.execute(&insert, &none).await.unwrap();

    let rows = client
        .query("SELECT * FROM v ORDER BY i2 NULLS LAST", &[])
        .await
        .unwrap();
    let types: Vec<Type> = rows[0]
        .columns()
        .iter()
        .map(|c| c.type_().clone())
        .collect();
    assert_eq!(
        types, expected_params,
        "result types from declared column types"
    );
    let row = &rows[0];
    assert_eq!(row.get::<_, i16>(0), -7);
    assert_eq!(row.get::<_, i32>(1), 2_000_000_000);
    assert_eq!(row.get::<_, i64>(2), -9_000_000_000_000);
    assert_eq!(row.get::<_, f32>(3), 1.5);
    assert_eq!(row.get::<_, f64>(4), -2.25e-5);
    assert_eq!(row.get::<_, Raw>(5), Raw(numeric));
    assert!(row.get::<_, bool>(6));
    assert_eq!(row.get::<_, &str>(7), "héllo");
    assert_eq!(row.get::<_, &str>(8), "vc");
    assert_eq!(row.get::<_, Vec<u8>>(9), vec![0u8, 255, 10]);
    assert_eq!(row.get::<_, Raw>(10), Raw(days.to_be_bytes().to_vec()));
    assert_eq!(row.get::<_, Raw>(11), Raw(micros.to_be_bytes().to_vec()));
    assert_eq!(row.get::<_, Raw>(12), Raw(ts.to_be_bytes().to_vec()));
    assert_eq!(row.get::<_, Raw>(13), Raw(ts.to_be_bytes().to_vec()));
    assert_eq!(row.get::<_, Raw>(14), Raw(uuid.to_vec()));
    assert_eq!(row.get::<_, Raw>(15), Raw(br#"{"k": [1, 2]}"#.to_vec()));
    assert_eq!(row.get::<_, Raw>(16), Raw(jsonb));
    let nulls = &rows[1];
    for i in 0..17 {
        assert!(
            nulls.get::<_, Option<Raw>>(i).is_none(),
            "column {i} is NULL"
        );
    }

    let text = simple_row(&client, "SELECT * FROM v ORDER BY i2 NULLS LAST").await;
    let expected = [
        "-7",
        "2000000000",
        "-9000000000000",
        "1.5",
        "-2.25e-05",
        "12345.678",
        "t",
        "héllo",
        "vc",
        "\\x00ff0a",
        "2024-01-01",
        "12:34:56.789",
        "2024-01-01 12:34:56.789",
        "2024-01-01 12:34:56.789+00",
        "12345678-9abc-def0-0102-030405060708",
        r#"{"k": [1, 2]}"#,
        r#"{"k": [1, 2]}"#,
    ];
    let text: Vec<&str> = text
        .iter()
        .map(|v| v.as_deref().unwrap_or("NULL"))
        .collect();
    assert_eq!(text, expected);
    server.shutdown().unwrap();
}

#[rstest]
#[case::framed(WriterStrategy::Framed)]
#[cfg_attr(feature = "direct-writer", case::direct(WriterStrategy::Direct))]
#[cfg_attr(feature = "pooling", case::pooled(WriterStrategy::Pooled))]
#[tokio::test]
async fn text_parameters_and_numbering(#[case] writer: WriterStrategy) {
    let server = start(writer);
    let client = connect(&server).await;
    let row = client
        .query_one(
            "SELECT $2::text, $1::text, $2::text || $1::text",
            &[&"a", &"b"],
        )
        .await
        .unwrap();
    assert_eq!(
        (
            row.get::<_, &str>(0),
            row.get::<_, &str>(1),
            row.get::<_, &str>(2)
        ),
        ("b", "a", "ba")
    );
    client
        .batch_execute("CREATE TABLE p (id INTEGER PRIMARY KEY, d DATE, ok BOOLEAN)")
        .await
        .unwrap();
    // Text-format parameters, as psql-style clients send them.
    let stmt = client
        .prepare_typed(
            "INSERT INTO p VALUES ($1, $2, $3)",
            &[Type::TEXT, Type::TEXT, Type::TEXT],
        )
        .await;
    assert!(stmt.is_ok());
    client
        .simple_query("INSERT INTO p VALUES (1, '2024-02-29', true)")
        .await
        .unwrap();
    let row = client
        .query_one("SELECT id, ok FROM p WHERE id = $1", &[&1i32])
        .await
        .unwrap();
    assert_eq!((row.get::<_, i32>(0), row.get::<_, bool>(1)), (1, true));
    let counted = client
        .query_one("SELECT count(*), 1 = 1 FROM p", &[])
        .await
        .unwrap();
    assert_eq!(counted.columns()[0].type_(), &Type::INT8);
    assert_eq!(counted.columns()[1].type_(), &Type::BOOL);
    assert_eq!(counted.get::<_, i64>(0), 1);
    server.shutdown().unwrap();
}

#[rstest]
#[case::framed(WriterStrategy::Framed)]
#[cfg_attr(feature = "direct-writer", case::direct(WriterStrategy::Direct))]
#[cfg_attr(feature = "pooling", case::pooled(WriterStrategy::Pooled))]
#[tokio::test]
async fn errors_carry_their_sqlstate(#[case] writer: WriterStrategy) {
    let server = start(writer);
    let client = connect(&server).await;
    client
        .batch_execute(
            "CREATE TABLE parent (id INTEGER PRIMARY KEY);
             CREATE TABLE e (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
                             n INTEGER CHECK (n > 0), p INTEGER REFERENCES parent(id));
             INSERT INTO e VALUES (1, 'a', 1, NULL);",
        )
        .await
        .unwrap();
    let cases = [
        ("INSERT INTO e VALUES (1, 'b', 1, NULL)", "23505"),
        ("INSERT INTO e VALUES (2, 'a', 1, NULL)", "23505"),
        ("INSERT INTO e VALUES (2, NULL, 1, NULL)", "23502"),
        ("INSERT INTO e VALUES (2, 'b', 0, NULL)", "23514"),
        ("INSERT INTO e VALUES (2, 'b', 1, 42)", "23503"),
        ("SELECT * FROM missing", "42P01"),
        ("SELECT nope FROM e", "42703"),
        ("SELEKT 1", "42601"),
        ("SELECT no_such_function(1)", "42883"),
    ];
    for (sql, code) in cases {
        let simple = client.simple_query(sql).await.unwrap_err();
        assert_eq!(sqlstate(&simple), code, "simple: {sql}");
        let extended = client.query(sql, &[]).await.unwrap_err();
        assert_eq!(sqlstate(&extended), code, "extended: {sql}");
    }
    // The session is fine afterwards.
    let row = client
        .query_one("SELECT count(*) FROM e", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), 1);
    let err = client
        .query_one("SELECT $1::int4", &[&"x"])
        .await
        .unwrap_err();
    assert!(err.as_db_error().is_none(), "client-side type check: {err}");
    let err = client
        .query_one("SELECT $1::int4 + 0", &[&Raw(b"xyz".to_vec())])
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "22P03", "binary int4 of the wrong length");
    assert_eq!(
        client
            .query_one("SELECT 1", &[])
            .await
            .unwrap()
            .get::<_, i32>(0),
        1
    );
    server.shutdown().unwrap();
}

#[rstest]
#[case::framed(WriterStrategy::Framed)]
#[cfg_attr(feature = "direct-writer", case::direct(WriterStrategy::Direct))]
#[cfg_attr(feature = "pooling", case::pooled(WriterStrategy::Pooled))]
#[tokio::test]
async fn transactions_and_the_aborted_state(#[case] writer: WriterStrategy) {
    let server = start(writer);
    let mut client = connect(&server).await;
    client
        .batch_execute("CREATE TABLE x (id INTEGER PRIMARY KEY)")
        .await
        .unwrap();
    // ROLLBACK discards, COMMIT keeps.
    let tx = client.transaction().await.unwrap();
    tx.execute("INSERT INTO x VALUES (1)", &[]).await.unwrap();
    tx.rollback().await.unwrap();
    let tx = client.transaction().await.unwrap();
    tx.execute("INSERT INTO x VALUES (2)", &[]).await.unwrap();
    tx.commit().await.unwrap();
    let ids: Vec<i32> = client
        .query("SELECT id FROM x", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(ids, vec![2]);

    // An error inside a block aborts it until ROLLBACK.
    client.batch_execute("BEGIN").await.unwrap();
    client
        .batch_execute("INSERT INTO x VALUES (3)")
        .await
        .unwrap();
    let err = client
        .batch_execute("INSERT INTO x VALUES (2)")
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "23505");
    let err = client.query("SELECT 1", &[]).await.unwrap_err();
    assert_eq!(sqlstate(&err), "25P02");
    let err = client.simple_query("SELECT 1").await.unwrap_err();
    assert_eq!(sqlstate(&err), "25P02");
    client.batch_execute("ROLLBACK").await.unwrap();
    let n: i64 = client
        .query_one("SELECT count(*) FROM x", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1, "the insert of 3 was rolled back");

    // Savepoints.
    client
        .batch_execute("BEGIN; INSERT INTO x VALUES (10); SAVEPOINT s1; INSERT INTO x VALUES (11);")
        .await
        .unwrap();
    let err = client
        .batch_execute("INSERT INTO x VALUES (10)")
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "23505");
    client
        .batch_execute("ROLLBACK TO SAVEPOINT s1; COMMIT")
        .await
        .unwrap();
    let ids: Vec<i32> = client
        .query("SELECT id FROM x ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(ids, vec![2, 10]);

    // A failing multi-statement string is all or nothing outside a block.
    let err = client
        .batch_execute("INSERT INTO x VALUES (20); INSERT INTO x VALUES (2)")
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "23505");
    let n: i64 = client
        .query_one("SELECT count(*) FROM x WHERE id = 20", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 0);
    // SAVEPOINT outside a block is an error, as in PostgreSQL.
    let err = client.batch_execute("SAVEPOINT nope").await.unwrap_err();
    assert_eq!(sqlstate(&err), "25P01");
    server.shutdown().unwrap();
}

#[rstest]
#[case::framed(WriterStrategy::Framed)]
#[cfg_attr(feature = "direct-writer", case::direct(WriterStrategy::Direct))]
#[cfg_attr(feature = "pooling", case::pooled(WriterStrategy::Pooled))]
#[tokio::test]
async fn pipelined_queries_and_portals(#[case] writer: WriterStrategy) {
    let server = start(writer);
    let mut client = connect(&server).await;
    client
        .batch_execute(
            "CREATE TABLE n (i INTEGER PRIMARY KEY);
             WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 100)
             INSERT INTO n SELECT i FROM c;",
        )
        .await
        .unwrap();
    // Many queries in flight before any answer is read.
    // Arithmetic has no static type yet over the extended protocol: cast it.
    let stmt = client
        .prepare("SELECT (i * 2)::int4 FROM n WHERE i = $1")
        .await
        .unwrap();
    let futures = (1..=50i32).map(|i| {
        let client = &client;
        let stmt = &stmt;
        async move {
            client
                .query_one(stmt, &[&i])
                .await
                .map(|r| r.get::<_, i32>(0))
        }
    });
    let results = futures_join_all(futures).await;
    for (i, result) in (1..=50).zip(results) {
        assert_eq!(result.unwrap(), i * 2);
    }

    // max_rows: a portal read 30 rows at a time.
    let tx = client.transaction().await.unwrap();
    let stmt = tx
        .prepare("SELECT i FROM n WHERE i > $1 ORDER BY i")
        .await
        .unwrap();
    let portal = tx.bind(&stmt, &[&10i32]).await.unwrap();
    let mut seen = Vec::new();
    loop {
        let rows = tx.query_portal(&portal, 30).await.unwrap();
        let batch = rows.len();
        seen.extend(rows.iter().map(|r| r.get::<_, i32>(0)));
        if batch < 30 {
            break;
        }
    }
    assert_eq!(seen, (11..=100).collect::<Vec<_>>());
    tx.commit().await.unwrap();
    server.shutdown().unwrap();
}

/// Joins futures concurrently without pulling in the futures crate.
async fn futures_join_all<F: std::future::Future>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output> {
    let mut pinned: Vec<_> = futures.map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in pinned.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *output = Some(value),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().map(|o| o.expect("ready")).collect()
}

#[rstest]
#[case::framed(WriterStrategy::Framed)]
#[cfg_attr(feature = "direct-writer", case::direct(WriterStrategy::Direct))]
#[cfg_attr(feature = "pooling", case::pooled(WriterStrategy::Pooled))]
#[tokio::test]
async fn sessions_share_the_in_memory_database_and_settings_work(#[case] writer: WriterStrategy) {
    let server = start(writer);
    let a = connect(&server).await;
    let b = connect(&server).await;
    a.batch_execute("CREATE TABLE shared (v TEXT); INSERT INTO shared VALUES ('hi')")
        .await
        .unwrap();
    let v: String = b
        .query_one("SELECT v FROM shared", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(v, "hi");

    b.batch_execute("SET application_name = 'tests'; SET extra_float_digits = 3")
        .await
        .unwrap();
    assert_eq!(
        simple_row(&b, "SHOW application_name").await,
        vec![Some("tests".into())]
    );
    assert_eq!(
        simple_row(&b, "SHOW DateStyle").await,
        vec![Some("ISO, MDY".into())]
    );
    b.batch_execute("RESET application_name").await.unwrap();
    assert_eq!(
        simple_row(&b, "SHOW application_name").await,
        vec![Some("".into())]
    );
    let err = b
        .batch_execute("SET no_such_setting = 1")
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "42704");
    server.shutdown().unwrap();
}

#[rstest]
#[case::framed(WriterStrategy::Framed)]
#[cfg_attr(feature = "direct-writer", case::direct(WriterStrategy::Direct))]
#[cfg_attr(feature = "pooling", case::pooled(WriterStrategy::Pooled))]
#[tokio::test]
async fn postgres_names_functions_and_literals(#[case] writer: WriterStrategy) {
    let server = start(writer);
    let client = connect(&server).await;
    client
        .batch_execute("CREATE TABLE c (id INTEGER PRIMARY KEY, v TEXT)")
        .await
        .unwrap();
    let stmt = client
        .prepare("SELECT count(*), 1 + 1, 42::int8, id, c.v, v AS alias, CASE WHEN true THEN 1 END FROM c")
        .await
        .unwrap();
    let names: Vec<&str> = stmt.columns().iter().map(|c| c.name()).collect();
    assert_eq!(
        names,
        ["count", "?column?", "int8", "id", "v", "alias", "case"]
    );
    // Dollar quoting is a string, not a parameter.
    let row = simple_row(&client, "SELECT $$it's$$, $tag$x;y$tag$").await;
    assert_eq!(row, vec![Some("it's".to_string()), Some("x;y".to_string())]);
    // A parameter with nothing bound.
    let err = client.simple_query("SELECT $1").await.unwrap_err();
    assert_eq!(sqlstate(&err), "42P02");
    // Functions SQLite lacks.
    let row = client
        .query_one("SELECT now(), version()", &[])
        .await
        .unwrap();
    assert_eq!(row.columns()[0].type_(), &Type::TIMESTAMPTZ);
    assert!(row.get::<_, &str>(1).starts_with("PostgreSQL 15"));
    // Arithmetic is typed as PostgreSQL types it: int4 + int4 is int4, numeric * int4
    // is numeric.
    let row = client
        .query_one("SELECT 40 + 2, 1.5 * 2", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, i32>(0), 42);
    assert_eq!(row.columns()[1].type_(), &Type::NUMERIC);
    // An expression the text cannot type is typed by running it when described.
    let row = client.query_one("SELECT abs(-40) + 2", &[]).await.unwrap();
    assert_eq!(row.get::<_, i64>(0), 42);
    server.shutdown().unwrap();
}

#[rstest]
#[case::framed(WriterStrategy::Framed)]
#[cfg_attr(feature = "direct-writer", case::direct(WriterStrategy::Direct))]
#[cfg_attr(feature = "pooling", case::pooled(WriterStrategy::Pooled))]
#[tokio::test]
async fn cancel_requests_stop_the_running_statement(#[case] writer: WriterStrategy) {
    let server = start(writer);
    let client = connect(&server).await;
    let token = client.cancel_token();
    let canceller = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        token.cancel_query(tokio_postgres::NoTls).await
    });
    let started = std::time::Instant::now();
    let err = client
        .query_one(
            "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) \
             SELECT count(*) FROM c",
            &[],
        )
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "57014");
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    canceller.await.unwrap().unwrap();
    // The session carries on.
    common::assert_alive(&client).await;
    server.shutdown().unwrap();
}

#[tokio::test]
async fn statement_timeout_is_enforced() {
    let server = start(WriterStrategy::best());
    let client = connect(&server).await;
    client
        .batch_execute("SET statement_timeout = '200ms'")
        .await
        .unwrap();
    let endless = "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) \
                   SELECT count(*) FROM c";
    let started = std::time::Instant::now();
    let err = client.query_one(endless, &[]).await.unwrap_err();
    assert_eq!(sqlstate(&err), "57014");
    let message = err.as_db_error().unwrap().message();
    assert_eq!(message, "canceling statement due to statement timeout");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    client
        .batch_execute("RESET statement_timeout")
        .await
        .unwrap();
    common::assert_alive(&client).await;
    server.shutdown().unwrap();
}
