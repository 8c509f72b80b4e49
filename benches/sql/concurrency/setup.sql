-- Tables for scripts/bench-concurrency.sh; the same text runs on pgsqlite and
-- PostgreSQL. accounts: 10,000 rows (as benches/sql/setup.sql), and the tellers,
-- branches and history of a TPC-B-like transaction (pgbench's shape, scale 1).
DROP TABLE IF EXISTS accounts;
DROP TABLE IF EXISTS tellers;
DROP TABLE IF EXISTS branches;
DROP TABLE IF EXISTS history;
CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL, filler TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
INSERT INTO accounts (id, balance, filler) SELECT i, 0, 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' FROM n;
CREATE TABLE tellers (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL, filler TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10)
INSERT INTO tellers (id, balance, filler) SELECT i, 0, 'x' FROM n;
CREATE TABLE branches (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL, filler TEXT);
INSERT INTO branches (id, balance, filler) VALUES (1, 0, 'x');
CREATE TABLE history (tid INTEGER, bid INTEGER, aid INTEGER, delta INTEGER, mtime TIMESTAMP, filler TEXT);
