//! End-to-end latency benchmark: the same single-client operations through tokio-postgres
//! against pgsqlite and PostgreSQL, and in-process through rusqlite on a file database with
//! pgsqlite's settings (WAL, synchronous=FULL). Run by `scripts/bench.sh`.
//!
//! Environment:
//! - `E2E_PGSQLITE_URL`, `E2E_POSTGRES_URL`: tokio-postgres connection strings
//!   (`host=127.0.0.1 port=5432 user=bench dbname=bench`); a server whose variable is unset
//!   or empty is skipped.
//! - `E2E_SQLITE_PATH`: the database file of the direct rusqlite run (default: a file in a
//!   fresh temporary directory). Existing `e2e_*` tables in it are replaced.
//! - `BENCH_ITERS` (default 2000), `BENCH_WARMUP` (default 200): timed and untimed
//!   iterations per operation and target; `BENCH_ROUNDS` (default 4): the timed
//!   iterations are split into this many rounds that alternate between the targets.
//! - `E2E_RESULTS`: a file that receives one tab-separated line per target and operation:
//!   `target op n median_us mean_us p99_us`.
//!
//! Prints a markdown table on stdout, progress on stderr.

use rusqlite::Connection;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Rows in `e2e_accounts`; also the number of distinct uncached SELECT texts.
const ACCOUNTS: i32 = 10_000;
/// First id of the rows written by warmup iterations (timed rows start at 1).
const WARMUP_BASE: i32 = 1_000_000;
/// The 84-character filler of every written row (pgbench's accounts filler width).
const FILLER: &str =
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";

/// Run identically on every target before timing starts.
const SETUP: &str = "\
DROP TABLE IF EXISTS e2e_accounts;
DROP TABLE IF EXISTS e2e_ops;
CREATE TABLE e2e_accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL, filler TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
INSERT INTO e2e_accounts (id, balance, filler)
SELECT i, i, 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' FROM n;
CREATE TABLE e2e_ops (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL, filler TEXT);
";

const SELECT_PREPARED_PG: &str = "SELECT balance FROM e2e_accounts WHERE id = $1";
const INSERT_PG: &str = "INSERT INTO e2e_ops (id, balance, filler) VALUES ($1, $2, $3)";
const UPDATE_PG: &str = "UPDATE e2e_ops SET balance = balance + 1 WHERE id = $1";
const DELETE_PG: &str = "DELETE FROM e2e_ops WHERE id = $1";
const SELECT_PREPARED_LITE: &str = "SELECT balance FROM e2e_accounts WHERE id = ?1";
const INSERT_LITE: &str = "INSERT INTO e2e_ops (id, balance, filler) VALUES (?1, ?2, ?3)";
const UPDATE_LITE: &str = "UPDATE e2e_ops SET balance = balance + 1 WHERE id = ?1";
const DELETE_LITE: &str = "DELETE FROM e2e_ops WHERE id = ?1";

/// One measured operation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Op {
    SelectUncached,
    SelectSimple,
    SelectPrepared,
    Insert,
    Update,
    Delete,
}

impl Op {
    const ALL: [Op; 6] = [
        Op::SelectUncached,
        Op::SelectSimple,
        Op::SelectPrepared,
        Op::Insert,
        Op::Update,
        Op::Delete,
    ];

    fn key(self) -> &'static str {
        match self {
            Op::SelectUncached => "select_uncached",
            Op::SelectSimple => "select_simple",
            Op::SelectPrepared => "select_prepared",
            Op::Insert => "insert",
            Op::Update => "update",
            Op::Delete => "delete",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Op::SelectUncached => "SELECT uncached (new SQL text each time, extended)",
            Op::SelectSimple => "SELECT uncached (new SQL text each time, simple query)",
            Op::SelectPrepared => "SELECT cached (prepared statement)",
            Op::Insert => "INSERT (prepared, autocommit)",
            Op::Update => "UPDATE (prepared, autocommit)",
            Op::Delete => "DELETE (prepared, autocommit)",
        }
    }

    /// The "overall" row covers the seed's five operations; the simple-query SELECT is an
    /// extra row.
    fn in_overall(self) -> bool {
        self != Op::SelectSimple
    }
}

/// Per-operation latencies in nanoseconds.
#[derive(Default, Clone)]
struct Samples {
    nanos: Vec<u64>,
}

impl Samples {
    fn with_capacity(n: usize) -> Samples {
        Samples {
            nanos: Vec::with_capacity(n),
        }
    }

    fn push(&mut self, since: Instant) {
        let nanos = u64::try_from(since.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.nanos.push(nanos);
    }

    fn finish(mut self) -> Samples {
        self.nanos.sort_unstable();
        self
    }

    fn len(&self) -> usize {
        self.nanos.len()
    }

    fn quantile_us(&self, q: f64) -> f64 {
        if self.nanos.is_empty() {
            return f64::NAN;
        }
        let last = self.nanos.len() - 1;
        let at = ((last as f64) * q).round() as usize;
        self.nanos
            .get(at.min(last))
            .map_or(f64::NAN, |&n| n as f64 / 1e3)
    }

    fn median_us(&self) -> f64 {
        self.quantile_us(0.5)
    }

    fn p99_us(&self) -> f64 {
        self.quantile_us(0.99)
    }

    fn mean_us(&self) -> f64 {
        if self.nanos.is_empty() {
            return f64::NAN;
        }
        let total: u128 = self.nanos.iter().map(|&n| u128::from(n)).sum();
        total as f64 / self.nanos.len() as f64 / 1e3
    }
}

/// The results of one target, in [`Op::ALL`] order.
struct Report {
    name: &'static str,
    ops: Vec<(Op, Samples)>,
}

impl Report {
    fn get(&self, op: Op) -> Option<&Samples> {
        self.ops.iter().find(|(o, _)| *o == op).map(|(_, s)| s)
    }

    /// All samples of the operations in the "overall" row, pooled.
    fn overall(&self) -> Samples {
        let mut all = Samples::default();
        for (op, samples) in &self.ops {
            if op.in_overall() {
                all.nanos.extend_from_slice(&samples.nanos);
            }
        }
        all.finish()
    }
}

/// Iteration counts shared by every target.
#[derive(Clone, Copy)]
struct Plan {
    iters: i32,
    warmup: i32,
    rounds: i32,
}

impl Plan {
    fn from_env() -> Result<Plan, BoxError> {
        let iters = env_number("BENCH_ITERS", 2000)?;
        let warmup = env_number("BENCH_WARMUP", 200)?;
        let rounds = env_number("BENCH_ROUNDS", 4)?;
        if iters < 1 || warmup < 0 || rounds < 1 {
            return Err("BENCH_ITERS and BENCH_ROUNDS must be at least 1, BENCH_WARMUP 0".into());
        }
        if warmup + iters > WARMUP_BASE {
            return Err(format!("BENCH_WARMUP + BENCH_ITERS must be below {WARMUP_BASE}").into());
        }
        Ok(Plan {
            iters,
            warmup,
            rounds: rounds.min(iters),
        })
    }

    /// The timed iterations of one round: `lo..hi`.
    fn round_range(self, round: i32) -> (i32, i32) {
        let bound = |r: i32| (i64::from(self.iters) * i64::from(r) / i64::from(self.rounds)) as i32;
        (bound(round), bound(round + 1))
    }

    /// Timed row ids: 1..=iters.
    fn timed_id(self, i: i32) -> i32 {
        i + 1
    }

    /// Warmup row ids: far away from the timed ones.
    fn warmup_id(self, i: i32) -> i32 {
        WARMUP_BASE + i
    }
}

fn env_number(name: &str, default: i32) -> Result<i32, BoxError> {
    match std::env::var(name) {
        Ok(text) if !text.trim().is_empty() => text
            .trim()
            .parse::<i32>()
            .map_err(|err| format!("{name}={text:?}: {err}").into()),
        _ => Ok(default),
    }
}

/// The account read by the n-th uncached SELECT: a permutation of 1..=ACCOUNTS, so the
/// first ACCOUNTS texts are all different (7919 is prime, coprime with 10,000).
fn account_for(n: i32) -> i32 {
    (n.rem_euclid(ACCOUNTS) * 7919).rem_euclid(ACCOUNTS) + 1
}

/// The SQL text of the n-th uncached SELECT. Past ACCOUNTS texts, a growing run of leading
/// zeros on the literal keeps every text new without changing the row read.
fn uncached_sql(n: i32) -> String {
    let zeros = usize::try_from(n / ACCOUNTS).unwrap_or(0);
    let mut sql = String::with_capacity(64);
    sql.push_str("SELECT balance FROM e2e_accounts WHERE id = ");
    sql.extend(std::iter::repeat_n('0', zeros));
    let _ = write!(sql, "{}", account_for(n));
    sql
}

fn check_balance(op: Op, id: i32, got: i64) -> Result<(), BoxError> {
    if got == i64::from(id) {
        Ok(())
    } else {
        Err(format!("{op:?}: account {id} has balance {got}, expected {id}").into())
    }
}

fn check_affected(op: Op, id: i32, got: u64) -> Result<(), BoxError> {
    if got == 1 {
        Ok(())
    } else {
        Err(format!("{op:?}: row {id}: {got} rows affected, expected 1").into())
    }
}

// ---------------------------------------------------------------------------------------
// Targets and the measuring loop
// ---------------------------------------------------------------------------------------

/// Prepared statements of one server connection.
struct Prepared {
    select: tokio_postgres::Statement,
    insert: tokio_postgres::Statement,
    update: tokio_postgres::Statement,
    delete: tokio_postgres::Statement,
}

/// A system under test, set up and ready to run operations.
enum Target {
    /// rusqlite in-process.
    Direct(Connection),
    /// A server through tokio-postgres; `driver` runs the connection.
    Server {
        client: Client,
        prepared: Prepared,
        driver: tokio::task::JoinHandle<Result<(), tokio_postgres::Error>>,
    },
}

impl Target {
    /// Opens the direct database with pgsqlite's settings and creates the tables.
    fn direct(path: &Path) -> Result<Target, BoxError> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.execute_batch(SETUP)?;
        Ok(Target::Direct(conn))
    }

    /// Connects, creates the tables and prepares the statements.
    async fn server(name: &str, url: &str) -> Result<Target, BoxError> {
        let (client, connection) = tokio_postgres::connect(url, NoTls)
            .await
            .map_err(|err| format!("{name}: connect {url:?}: {err}"))?;
        let driver = tokio::spawn(connection);
        client
            .batch_execute(SETUP)
            .await
            .map_err(|err| format!("{name}: setup: {err}"))?;
        let prepared = Prepared {
            select: client.prepare(SELECT_PREPARED_PG).await?,
            insert: client.prepare(INSERT_PG).await?,
            update: client.prepare(UPDATE_PG).await?,
            delete: client.prepare(DELETE_PG).await?,
        };
        Ok(Target::Server {
            client,
            prepared,
            driver,
        })
    }

    /// Closes a server connection and waits for its task.
    async fn close(self) {
        if let Target::Server { client, driver, .. } = self {
            drop(client);
            // The connection ends once the client is gone; its own error is secondary.
            let _ = driver.await;
        }
    }

    /// One operation on `row` (writes) or on the `n`-th account (selects).
    async fn run(&self, op: Op, row: i32, n: i32) -> Result<(), BoxError> {
        match self {
            Target::Direct(conn) => direct_op(conn, op, row, n),
            Target::Server {
                client, prepared, ..
            } => server_op(client, prepared, op, row, n).await,
        }
    }
}

fn direct_op(conn: &Connection, op: Op, row: i32, n: i32) -> Result<(), BoxError> {
    match op {
        Op::SelectUncached | Op::SelectSimple => {
            let id = account_for(n);
            let mut stmt = conn.prepare(&uncached_sql(n))?;
            let got: i64 = stmt.query_row([], |r| r.get(0))?;
            check_balance(op, id, got)
        }
        Op::SelectPrepared => {
            let id = account_for(n);
            let mut stmt = conn.prepare_cached(SELECT_PREPARED_LITE)?;
            let got: i64 = stmt.query_row([id], |r| r.get(0))?;
            check_balance(op, id, got)
        }
        Op::Insert => {
            let mut stmt = conn.prepare_cached(INSERT_LITE)?;
            let n = stmt.execute(rusqlite::params![row, 0, FILLER])?;
            check_affected(op, row, n as u64)
        }
        Op::Update => {
            let n = conn.prepare_cached(UPDATE_LITE)?.execute([row])?;
            check_affected(op, row, n as u64)
        }
        Op::Delete => {
            let n = conn.prepare_cached(DELETE_LITE)?.execute([row])?;
            check_affected(op, row, n as u64)
        }
    }
}

async fn server_op(
    client: &Client,
    prepared: &Prepared,
    op: Op,
    row: i32,
    n: i32,
) -> Result<(), BoxError> {
    match op {
        Op::SelectUncached => {
            let id = account_for(n);
            let got: i32 = client
                .query_one(uncached_sql(n).as_str(), &[])
                .await?
                .try_get(0)?;
            check_balance(op, id, i64::from(got))
        }
        Op::SelectSimple => {
            let id = account_for(n);
            let messages = client.simple_query(&uncached_sql(n)).await?;
            let text = messages.iter().find_map(|m| match m {
                SimpleQueryMessage::Row(row) => row.get(0),
                _ => None,
            });
            let got = text
                .ok_or_else(|| format!("{op:?}: no row for account {id}"))?
                .parse::<i64>()?;
            check_balance(op, id, got)
        }
        Op::SelectPrepared => {
            let id = account_for(n);
            let got: i32 = client
                .query_one(&prepared.select, &[&id])
                .await?
                .try_get(0)?;
            check_balance(op, id, i64::from(got))
        }
        Op::Insert => {
            let n = client
                .execute(&prepared.insert, &[&row, &0i32, &FILLER])
                .await?;
            check_affected(op, row, n)
        }
        Op::Update => {
            let n = client.execute(&prepared.update, &[&row]).await?;
            check_affected(op, row, n)
        }
        Op::Delete => {
            let n = client.execute(&prepared.delete, &[&row]).await?;
            check_affected(op, row, n)
        }
    }
}

/// Measures every operation on every target. Operations run one after the other (all
/// INSERTs before the UPDATEs of the same rows); within one operation the timed
/// iterations are split into `plan.rounds` rounds that visit the targets in turn, so a
/// burst of noise on a shared machine lands on all of them rather than on one.
async fn measure(targets: &[(&'static str, Target)], plan: Plan) -> Result<Vec<Report>, BoxError> {
    let mut reports: Vec<Report> = targets
        .iter()
        .map(|(name, _)| Report {
            name,
            ops: Vec::with_capacity(Op::ALL.len()),
        })
        .collect();
    for op in Op::ALL {
        eprintln!("e2e: {}", op.key());
        for (name, target) in targets {
            for i in 0..plan.warmup {
                target
                    .run(op, plan.warmup_id(i), i)
                    .await
                    .map_err(|err| format!("{name}: {err}"))?;
            }
        }
        let mut samples: Vec<Samples> = targets
            .iter()
            .map(|_| Samples::with_capacity(plan.iters as usize))
            .collect();
        for round in 0..plan.rounds {
            let (lo, hi) = plan.round_range(round);
            for ((name, target), samples) in targets.iter().zip(samples.iter_mut()) {
                for i in lo..hi {
                    let start = Instant::now();
                    target
                        .run(op, plan.timed_id(i), plan.warmup + i)
                        .await
                        .map_err(|err| format!("{name}: {err}"))?;
                    samples.push(start);
                }
            }
        }
        for (report, samples) in reports.iter_mut().zip(samples) {
            report.ops.push((op, samples.finish()));
        }
    }
    Ok(reports)
}

// ---------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------

fn cell(samples: Option<&Samples>) -> String {
    match samples {
        Some(s) if s.len() > 0 => format!("{:.1} / {:.1}", s.median_us(), s.mean_us()),
        _ => "-".to_string(),
    }
}

fn ratio(num: Option<&Samples>, den: Option<&Samples>) -> String {
    match (num, den) {
        (Some(a), Some(b)) if a.len() > 0 && b.len() > 0 => {
            format!("{:.2}x", a.mean_us() / b.mean_us())
        }
        _ => "-".to_string(),
    }
}

fn table(direct: Option<&Report>, lite: Option<&Report>, pg: Option<&Report>) -> String {
    let mut out = String::new();
    out.push_str(
        "| operation | rusqlite direct µs (median / mean) | pgsqlite µs (median / mean) \
         | pgsqlite / rusqlite | PostgreSQL µs (median / mean) | pgsqlite / PostgreSQL |\n",
    );
    out.push_str("|---|---:|---:|---:|---:|---:|\n");
    let overall = |r: Option<&Report>| r.map(Report::overall);
    let rows = Op::ALL
        .iter()
        .map(|&op| {
            (
                op.label().to_string(),
                direct.and_then(|r| r.get(op)).cloned(),
                lite.and_then(|r| r.get(op)).cloned(),
                pg.and_then(|r| r.get(op)).cloned(),
            )
        })
        .chain(std::iter::once((
            "overall (the five operations above without the simple-query row)".to_string(),
            overall(direct),
            overall(lite),
            overall(pg),
        )));
    for (label, d, l, p) in rows {
        let _ = writeln!(
            out,
            "| {label} | {} | {} | {} | {} | {} |",
            cell(d.as_ref()),
            cell(l.as_ref()),
            ratio(l.as_ref(), d.as_ref()),
            cell(p.as_ref()),
            ratio(l.as_ref(), p.as_ref()),
        );
    }
    out
}

fn results_tsv(reports: &[&Report]) -> String {
    let mut out = String::new();
    for report in reports {
        let named = report
            .ops
            .iter()
            .map(|(op, s)| (op.key(), s.clone()))
            .chain(std::iter::once(("overall", report.overall())));
        for (key, s) in named {
            let _ = writeln!(
                out,
                "{}\t{key}\t{}\t{:.3}\t{:.3}\t{:.3}",
                report.name,
                s.len(),
                s.median_us(),
                s.mean_us(),
                s.p99_us()
            );
        }
    }
    out
}

fn env_url(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn main() -> Result<(), BoxError> {
    if std::env::args().skip(1).any(|arg| arg == "--check") {
        self_check()?;
        eprintln!("e2e: self-check passed");
        return Ok(());
    }
    let plan = Plan::from_env()?;
    let lite_url = env_url("E2E_PGSQLITE_URL");
    let pg_url = env_url("E2E_POSTGRES_URL");

    let scratch = tempfile::tempdir()?;
    let sqlite_path = match env_url("E2E_SQLITE_PATH") {
        Some(path) => path.into(),
        None => scratch.path().join("direct.sqlite"),
    };

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let reports = runtime.block_on(async {
        let mut targets = vec![("rusqlite", Target::direct(&sqlite_path)?)];
        if let Some(url) = &lite_url {
            targets.push(("pgsqlite", Target::server("pgsqlite", url).await?));
        }
        if let Some(url) = &pg_url {
            targets.push(("postgres", Target::server("postgres", url).await?));
        }
        let reports = measure(&targets, plan).await;
        for (_, target) in targets {
            target.close().await;
        }
        reports
    })?;

    let by_name = |name: &str| reports.iter().find(|r| r.name == name);
    print!(
        "{}",
        table(
            by_name("rusqlite"),
            by_name("pgsqlite"),
            by_name("postgres")
        )
    );
    if let Some(path) = env_url("E2E_RESULTS") {
        let all: Vec<&Report> = reports.iter().collect();
        std::fs::write(path, results_tsv(&all))?;
    }
    Ok(())
}

/// Checks of the pieces above, run by `e2e --check` (a `harness = false` bench runs no
/// `#[test]` functions, so `scripts/bench.sh` runs this before measuring).
fn self_check() -> Result<(), BoxError> {
    let mut seen = std::collections::HashSet::new();
    for n in 0..(2 * ACCOUNTS + 10) {
        let id = account_for(n);
        if !(1..=ACCOUNTS).contains(&id) {
            return Err(format!("account_for({n}) = {id} is out of range").into());
        }
        if !seen.insert(uncached_sql(n)) {
            return Err(format!("uncached_sql({n}) repeats an earlier text").into());
        }
    }
    if uncached_sql(0) != "SELECT balance FROM e2e_accounts WHERE id = 1"
        || !uncached_sql(ACCOUNTS).ends_with("= 01")
    {
        return Err("uncached_sql texts are not as designed".into());
    }

    let s = Samples {
        nanos: vec![100_000, 2000, 3000, 1000, 4000],
    }
    .finish();
    let stats = (s.median_us(), s.mean_us(), s.p99_us());
    if stats != (3.0, 22.0, 100.0) || !Samples::default().mean_us().is_nan() {
        return Err(format!("sample statistics wrong: {stats:?}").into());
    }

    let plan = Plan {
        iters: 5,
        warmup: 2,
        rounds: 2,
    };
    if plan.round_range(0) != (0, 2) || plan.round_range(1) != (2, 5) {
        return Err("rounds do not split the iterations".into());
    }
    let dir = tempfile::tempdir()?;
    let targets = [(
        "rusqlite",
        Target::direct(&dir.path().join("check.sqlite"))?,
    )];
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let reports = runtime.block_on(measure(&targets, plan))?;
    let report = reports.first().ok_or("no report")?;
    if report.ops.len() != Op::ALL.len()
        || report.ops.iter().any(|(_, s)| s.len() != 5)
        || report.overall().len() != 25
    {
        return Err("direct run did not measure every operation".into());
    }
    let text = table(Some(report), None, None);
    if text.lines().count() != 2 + Op::ALL.len() + 1 {
        return Err(format!("table has the wrong shape:\n{text}").into());
    }
    Ok(())
}
