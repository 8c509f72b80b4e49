-- Smoke test run by tests/tools.rs through psql against a fresh pgsqlite:
--   psql -X -A -v ON_ERROR_STOP=1 -f tests/sql/smoke.sql
-- Its stdout must match tests/sql/smoke.expected (written from PostgreSQL semantics).

\echo == create
CREATE TABLE items (
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    qty INTEGER,
    price NUMERIC,
    weight DOUBLE PRECISION,
    active BOOLEAN NOT NULL,
    added DATE,
    updated TIMESTAMP
);

\echo == insert
INSERT INTO items (name, qty, price, weight, active, added, updated)
    VALUES ('Widget', 10, 2.5, 1.25, true, '2024-01-15', '2024-01-15 10:30:00');
INSERT INTO items (name, qty, price, weight, active, added, updated)
    VALUES ('Gadget', 3, 12.75, 0.5, false, '2024-02-29', NULL);
INSERT INTO items (name, qty, price, weight, active, added, updated) VALUES
    ('Gizmo', NULL, 100, 2, true, NULL, NULL),
    ('O''Brien', 7, 0.5, 3.75, false, '2023-12-31', '2023-12-31 23:59:59');

\echo == multi-statement lines
INSERT INTO items (name, qty, active) VALUES ('Doohickey', 1, true); INSERT INTO items (name, qty, active) VALUES ('Thingamajig', 2, false);
-- \; sends both statements to the server in one Query message.
INSERT INTO items (name, qty, active) VALUES ('Whatsit', 4, true)\; INSERT INTO items (name, qty, active) VALUES ('Sprocket', 5, false);

\echo == select all
SELECT id, name, qty, price, weight, active, added, updated FROM items ORDER BY id;

\echo == update and delete
UPDATE items SET qty = qty + 1 WHERE active;
DELETE FROM items WHERE name = 'Gadget';
DELETE FROM items WHERE name = 'Nobody';

\echo == aggregates
SELECT count(*) AS n, count(qty) AS with_qty, sum(qty) AS total_qty,
       min(price) AS min_price, max(weight) AS max_weight
    FROM items;
SELECT active, count(*) AS n, sum(qty) AS qty FROM items GROUP BY active ORDER BY active;
SELECT name, qty FROM items ORDER BY qty DESC NULLS LAST, name LIMIT 3;
SELECT '41'::integer + 1 AS answer, 7 / 2 AS int_div, 'pg' || 'sqlite' AS joined;

\echo == committed transaction
BEGIN;
INSERT INTO items (name, qty, active) VALUES ('Committed', 1, true);
COMMIT;

\echo == rolled back transaction
BEGIN;
DELETE FROM items;
SELECT count(*) AS inside FROM items;
ROLLBACK;
SELECT count(*) AS after_rollback FROM items;

\echo == savepoint
BEGIN;
INSERT INTO items (name, qty, active) VALUES ('Kept', 1, true);
SAVEPOINT sp1;
INSERT INTO items (name, qty, active) VALUES ('Discarded', 1, true);
ROLLBACK TO SAVEPOINT sp1;
RELEASE SAVEPOINT sp1;
COMMIT;
SELECT name FROM items WHERE name IN ('Committed', 'Kept', 'Discarded') ORDER BY name;

\echo == set and show
SHOW application_name;
SET application_name = 'pgsqlite smoke';
SHOW application_name;

\echo == psql variables
\set tbl items
\set min_qty 5
\set who 'O''Brien'
SELECT name, qty FROM :tbl WHERE qty >= :min_qty ORDER BY name;
SELECT id, name FROM :tbl WHERE name = :'who';

\echo == final state
SELECT id, name, qty, active FROM items ORDER BY id;
\echo == done
