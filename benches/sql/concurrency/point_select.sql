-- Point select by primary key on the 10,000-row table.
\set id random(1, 10000)
SELECT balance FROM accounts WHERE id = :id;
