//! Date/time and string semantics through a real client (tokio-postgres, extended
//! protocol, binary results where the type has a binary form): intervals in both
//! formats, LIKE with parameters, regular-expression errors.

mod common;

use common::{connect, sqlstate, start};
use pgsqlite::writer::WriterStrategy;
use std::error::Error;
use tokio_postgres::types::{FromSql, Type};

/// An `interval` in PostgreSQL's binary form.
#[derive(Debug, PartialEq, Eq)]
struct Interval {
    micros: i64,
    days: i32,
    months: i32,
}

impl<'a> FromSql<'a> for Interval {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
        let bytes: [u8; 16] = raw.try_into()?;
        Ok(Interval {
            micros: i64::from_be_bytes(bytes[0..8].try_into()?),
            days: i32::from_be_bytes(bytes[8..12].try_into()?),
            months: i32::from_be_bytes(bytes[12..16].try_into()?),
        })
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::INTERVAL
    }
}

#[tokio::test]
async fn intervals_patterns_and_functions_end_to_end() {
    let server = start(WriterStrategy::Framed);
    let client = connect(&server).await;
    client
        .batch_execute(
            "CREATE TABLE spans (id int PRIMARY KEY, span interval, w text);
             INSERT INTO spans VALUES (1, '1 day 2 hours', 'a_c'), (2, '1 mon -90 minutes', 'abc'), (3, '5', 'ABC');",
        )
        .await
        .unwrap();

    // An interval column reads back as interval, in binary form too.
    let rows = client
        .query("SELECT span FROM spans ORDER BY id", &[])
        .await
        .unwrap();
    assert_eq!(rows[0].columns()[0].type_(), &Type::INTERVAL);
    let spans: Vec<Interval> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(
        spans,
        [
            Interval {
                micros: 2 * 3_600_000_000,
                days: 1,
                months: 0
            },
            Interval {
                micros: -90 * 60_000_000,
                days: 0,
                months: 1
            },
            Interval {
                micros: 5_000_000,
                days: 0,
                months: 0
            },
        ]
    );
    // ... and in PostgreSQL's text style.
    let rows = client
        .simple_query("SELECT span, span + interval '1 hour' FROM spans WHERE id = 2")
        .await
        .unwrap();
    let tokio_postgres::SimpleQueryMessage::Row(row) = &rows[1] else {
        panic!("{rows:?}")
    };
    assert_eq!(row.get(0), Some("1 mon -01:30:00"));
    assert_eq!(row.get(1), Some("1 mon -00:30:00"));

    // Timestamp arithmetic gives PostgreSQL's types.
    let row = client
        .query_one(
            "SELECT '2024-01-31'::date + '1 month'::interval, \
             '2024-03-01'::timestamp - '2024-02-28 12:00'::timestamp, \
             extract(year FROM '2024-05-17'::date)::int",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.columns()[0].type_(), &Type::TIMESTAMP);
    assert_eq!(
        row.get::<_, Interval>(1),
        Interval {
            micros: 12 * 3_600_000_000,
            days: 1,
            months: 0
        }
    );
    assert_eq!(row.get::<_, i32>(2), 2024);

    // LIKE with a parameter: case-sensitive, backslash escapes; ILIKE folds case.
    let ids =
        |rows: Vec<tokio_postgres::Row>| -> Vec<i32> { rows.iter().map(|r| r.get(0)).collect() };
    let like = client
        .prepare("SELECT id FROM spans WHERE w LIKE $1 ORDER BY id")
        .await
        .unwrap();
    assert_eq!(ids(client.query(&like, &[&"a%"]).await.unwrap()), [1, 2]);
    assert_eq!(ids(client.query(&like, &[&"a\\_c"]).await.unwrap()), [1]);
    let ilike = client
        .prepare("SELECT id FROM spans WHERE w ILIKE $1 ORDER BY id")
        .await
        .unwrap();
    assert_eq!(ids(client.query(&ilike, &[&"abc"]).await.unwrap()), [2, 3]);
    let regex = client
        .prepare("SELECT id FROM spans WHERE w ~ $1 ORDER BY id")
        .await
        .unwrap();
    assert_eq!(ids(client.query(&regex, &[&"^[A-Z]"]).await.unwrap()), [3]);

    // Bad patterns fail with PostgreSQL's SQLSTATEs; the session goes on.
    let err = client.query(&regex, &[&"("]).await.unwrap_err();
    assert_eq!(sqlstate(&err), "2201B");
    let err = client.query(&like, &[&"a\\"]).await.unwrap_err();
    assert_eq!(sqlstate(&err), "22025");
    let err = client
        .query_one("SELECT '1 day'::interval / 0", &[])
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "22012");
    let row = client
        .query_one("SELECT format('%I = %L', 'my col', $1::text)", &[&"it's"])
        .await
        .unwrap();
    assert_eq!(row.get::<_, &str>(0), "\"my col\" = 'it''s'");
    server.shutdown().unwrap();
}
