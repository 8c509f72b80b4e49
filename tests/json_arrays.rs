//! json, jsonb and arrays through the real server with tokio-postgres: array columns
//! round-trip in text and binary with their array type OIDs, `= ANY($1)` takes a Rust
//! `Vec` as drivers send it (binary, typed from the column), jsonb comes back in
//! PostgreSQL's normal form, and bad literals fail with PostgreSQL's SQLSTATE.

mod common;

use common::{assert_alive, connect, sqlstate, start};
use pgsqlite::writer::WriterStrategy;
use std::error::Error;
use tokio_postgres::SimpleQueryMessage;
use tokio_postgres::types::{FromSql, Type};

/// A jsonb value read in binary format: the version byte, then the text.
#[derive(Debug, PartialEq)]
struct Jsonb(String);

impl<'a> FromSql<'a> for Jsonb {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
        match raw.split_first() {
            Some((1, text)) => Ok(Jsonb(std::str::from_utf8(text)?.to_string())),
            _ => Err("not jsonb version 1".into()),
        }
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::JSONB
    }
}

async fn simple_values(client: &tokio_postgres::Client, sql: &str) -> Vec<Option<String>> {
    let mut out = Vec::new();
    for message in client.simple_query(sql).await.expect(sql) {
        if let SimpleQueryMessage::Row(row) = message {
            for i in 0..row.len() {
                out.push(row.get(i).map(str::to_string));
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn array_columns_round_trip_in_text_and_binary() {
    let server = start(WriterStrategy::best());
    let client = connect(&server).await;
    client
        .batch_execute(
            "CREATE TABLE items (id int PRIMARY KEY, tags text[], nums int[]);
             INSERT INTO items VALUES (1, '{red,\"dark green\"}', '{1,2,3}'), (2, '{}', NULL);",
        )
        .await
        .unwrap();

    // Binary results: the column types are the array types, the values decode as Vecs.
    let statement = client
        .prepare("SELECT tags, nums FROM items WHERE id = $1")
        .await
        .unwrap();
    assert_eq!(statement.columns()[0].type_(), &Type::TEXT_ARRAY);
    assert_eq!(statement.columns()[1].type_(), &Type::INT4_ARRAY);
    let row = client.query_one(&statement, &[&1i32]).await.unwrap();
    assert_eq!(
        row.get::<_, Vec<String>>(0),
        vec!["red".to_string(), "dark green".to_string()]
    );
    assert_eq!(row.get::<_, Vec<i32>>(1), vec![1, 2, 3]);
    let row = client.query_one(&statement, &[&2i32]).await.unwrap();
    assert_eq!(row.get::<_, Vec<String>>(0), Vec::<String>::new());
    assert_eq!(row.get::<_, Option<Vec<i32>>>(1), None);

    // Text results: PostgreSQL's array text.
    assert_eq!(
        simple_values(
            &client,
            "SELECT tags, nums[2], cardinality(nums) FROM items WHERE id = 1"
        )
        .await,
        vec![
            Some("{red,\"dark green\"}".to_string()),
            Some("2".to_string()),
            Some("3".to_string())
        ]
    );

    // A binary array parameter, written back and compared with ANY.
    client
        .execute(
            "INSERT INTO items VALUES (3, $1, $2)",
            &[&vec!["a b", "c"], &vec![Some(7i32), None]],
        )
        .await
        .unwrap();
    assert_eq!(
        simple_values(&client, "SELECT tags, nums FROM items WHERE id = 3").await,
        vec![
            Some("{\"a b\",c}".to_string()),
            Some("{7,NULL}".to_string())
        ]
    );
    let ids: Vec<i32> = client
        .query(
            "SELECT id FROM items WHERE id = ANY($1) ORDER BY id",
            &[&vec![1i32, 3, 9]],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(ids, vec![1, 3]);

    // A malformed literal is PostgreSQL's 22P02, and the session goes on.
    let err = client.query("SELECT '{1,2'::int[]", &[]).await.unwrap_err();
    assert_eq!(sqlstate(&err), "22P02");
    assert_alive(&client).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsonb_comes_back_in_postgres_normal_form() {
    let server = start(WriterStrategy::best());
    let client = connect(&server).await;
    client
        .batch_execute(
            "CREATE TABLE docs (id int PRIMARY KEY, doc jsonb);
             INSERT INTO docs VALUES (1, '{\"name\":\"ann\",\"tags\":[\"a\",\"b\"],\"age\":31}');",
        )
        .await
        .unwrap();
    let row = client
        .query_one(
            "SELECT doc, doc -> 'tags', doc ->> 'name', doc @> '{\"age\": 31}' FROM docs",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        row.get::<_, Jsonb>(0),
        Jsonb(r#"{"age": 31, "name": "ann", "tags": ["a", "b"]}"#.into())
    );
    assert_eq!(row.get::<_, Jsonb>(1), Jsonb(r#"["a", "b"]"#.into()));
    assert_eq!(row.get::<_, String>(2), "ann");
    assert!(row.get::<_, bool>(3));

    let keys = simple_values(
        &client,
        "SELECT key FROM jsonb_each('{\"bb\": 1, \"a\": 2}') ORDER BY key",
    )
    .await;
    assert_eq!(keys, vec![Some("a".to_string()), Some("bb".to_string())]);

    let err = client
        .query("SELECT '{\"a\": 1'::jsonb", &[])
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "22P02");
    assert_alive(&client).await;
}
