-- Error test run by tests/tools.rs through psql with ON_ERROR_STOP=1: the duplicate
-- key must stop the script (psql exit status 3) with SQLSTATE 23505 on stderr, and
-- nothing after it may run.

\set VERBOSITY verbose
CREATE TABLE codes (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE);
INSERT INTO codes (id, code) VALUES (1, 'alpha'), (2, 'beta');
\echo marker-before-error
INSERT INTO codes (id, code) VALUES (3, 'alpha');
\echo marker-after-error
SELECT 'marker-after-error-select' AS marker;
