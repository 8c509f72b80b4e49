//! Simple-query statements that differ only in their constants share one prepared
//! statement (the constants are lifted out and bound), and still mean exactly what
//! their text says. Through tokio-postgres's simple query protocol.

mod common;

use common::{connect, start};
use pgsqlite::writer::WriterStrategy;
use tokio_postgres::{Client, SimpleQueryMessage};

/// The first column of every row, as text (NULL as "NULL").
async fn column(client: &Client, sql: &str) -> Vec<String> {
    client
        .simple_query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(row) => Some(row.get(0).unwrap_or("NULL").to_string()),
            _ => None,
        })
        .collect()
}

async fn prepared_so_far(client: &Client) -> u64 {
    common::stat(client, "statements.prepared")
        .await
        .parse()
        .unwrap()
}

#[tokio::test]
async fn constants_are_bound_and_the_statement_is_prepared_once() {
    let server = start(WriterStrategy::best());
    let client = connect(&server).await;
    client
        .batch_execute(
            "CREATE TABLE acct (id INTEGER PRIMARY KEY, balance INTEGER, name TEXT);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
             INSERT INTO acct SELECT i, i * 10, 'name ' || i FROM n;
             INSERT INTO acct VALUES (1000, -5, 'it''s')",
        )
        .await
        .unwrap();
    // Warm up: the stats query and the first point select are prepared once each.
    column(&client, "SELECT balance FROM acct WHERE id = 1").await;
    prepared_so_far(&client).await;
    let before = prepared_so_far(&client).await;
    for id in 1..=200 {
        let sql = format!("SELECT balance FROM acct WHERE id = {id}");
        assert_eq!(
            column(&client, &sql).await,
            [(id * 10).to_string()],
            "{sql}"
        );
    }
    let after = prepared_so_far(&client).await;
    assert_eq!(after, before, "200 point selects reused one statement");

    // Strings, negative numbers, reals, arithmetic in SET.
    assert_eq!(
        column(&client, "SELECT id FROM acct WHERE name = 'it''s'").await,
        ["1000"]
    );
    assert_eq!(
        column(&client, "SELECT id FROM acct WHERE balance = -5").await,
        ["1000"]
    );
    assert_eq!(
        column(&client, "SELECT count(*) FROM acct WHERE balance > 1995.5").await,
        ["1"]
    );
    assert_eq!(
        column(&client, "SELECT count(*) FROM acct WHERE balance >= 1990.0").await,
        ["2"]
    );
    for delta in [-7, 3, 12] {
        let sql = format!("UPDATE acct SET balance = balance + {delta} WHERE id = 2");
        client.simple_query(&sql).await.unwrap();
    }
    assert_eq!(
        column(&client, "SELECT balance FROM acct WHERE id = 2").await,
        ["28"]
    );
    // A text constant compared with an integer column is converted as SQLite would.
    assert_eq!(
        column(&client, "SELECT name FROM acct WHERE id = '3'").await,
        ["name 3"]
    );
    // Constants that must stay in the text still work: select list, ORDER BY, LIMIT.
    assert_eq!(
        column(&client, "SELECT 1 + 1 FROM acct ORDER BY 1 LIMIT 1").await,
        ["2"]
    );
    // `$1` in a simple query is still an error, not a lifted constant.
    let err = client
        .simple_query("SELECT balance FROM acct WHERE id = $1")
        .await
        .unwrap_err();
    assert_eq!(common::sqlstate(&err), "42P02");
}
