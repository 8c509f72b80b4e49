-- TPC-B-like, as pgbench's built-in script (scale 1: 10 tellers, 1 branch).
\set aid random(1, 10000)
\set tid random(1, 10)
\set delta random(-5000, 5000)
BEGIN;
UPDATE accounts SET balance = balance + :delta WHERE id = :aid;
SELECT balance FROM accounts WHERE id = :aid;
UPDATE tellers SET balance = balance + :delta WHERE id = :tid;
UPDATE branches SET balance = balance + :delta WHERE id = 1;
INSERT INTO history (tid, bid, aid, delta, mtime) VALUES (:tid, 1, :aid, :delta, CURRENT_TIMESTAMP);
END;
