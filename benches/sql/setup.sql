-- Tables for the pgbench scenarios of scripts/bench.sh; the same text runs on pgsqlite
-- and PostgreSQL. accounts: 10,000 rows (84-character filler, as in pgbench's own
-- accounts table); events: target of the INSERT/DELETE scenario.
DROP TABLE IF EXISTS accounts;
DROP TABLE IF EXISTS events;
CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL, filler TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
INSERT INTO accounts (id, balance, filler) SELECT i, 0, 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' FROM n;
CREATE TABLE events (id BIGINT PRIMARY KEY, balance INTEGER NOT NULL, filler TEXT);
