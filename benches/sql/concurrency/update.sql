-- Single-row UPDATE by primary key, autocommit.
\set id random(1, 10000)
\set delta random(-5000, 5000)
UPDATE accounts SET balance = balance + :delta WHERE id = :id;
