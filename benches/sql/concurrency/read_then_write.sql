-- An ORM's "load, change, save": a read, then a write, in one transaction (issue #12).
\set id random(1, 10000)
BEGIN;
SELECT balance FROM accounts WHERE id = :id;
UPDATE accounts SET balance = balance + 1 WHERE id = :id;
COMMIT;
