-- Single-row INSERT then DELETE of the same row, each its own autocommit transaction
-- (one pgbench transaction = two commits). A random 63-bit key makes collisions between
-- clients practically impossible.
\set id random(1, 9000000000000000000)
INSERT INTO events (id, balance, filler) VALUES (:id, 1, 'event');
DELETE FROM events WHERE id = :id;
