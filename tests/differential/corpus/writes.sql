-- Writes that PostgreSQL refuses because the value does not fit its column (ids from 100,
-- so that a write wrongly accepted does not collide with the valid ones), and what is
-- stored when it does fit (rounding, padding, boolean spellings, bytea literals).
-- @setup
DROP TABLE IF EXISTS wr_t;
-- @setup
CREATE TABLE wr_t (id int PRIMARY KEY, i int, s smallint, b bigint, v varchar(5), c char(3), n numeric(5,2), d date, ts timestamp, flag boolean, u uuid, j jsonb, raw bytea);
INSERT INTO wr_t (id, i) VALUES (101, 'abc');
INSERT INTO wr_t (id, i) VALUES (1, '12');
INSERT INTO wr_t (id, i) VALUES (2, 2.5);
INSERT INTO wr_t (id, i) VALUES (103, 3000000000);
INSERT INTO wr_t (id, s) VALUES (104, 40000);
INSERT INTO wr_t (id, s) VALUES (3, -32768);
INSERT INTO wr_t (id, b) VALUES (105, 'x1');
INSERT INTO wr_t (id, v) VALUES (106, 'toolong');
INSERT INTO wr_t (id, v) VALUES (4, 'fits ');
INSERT INTO wr_t (id, v) VALUES (5, 'abc     ');
INSERT INTO wr_t (id, c) VALUES (107, 'abcd');
INSERT INTO wr_t (id, c) VALUES (6, 'ab');
INSERT INTO wr_t (id, n) VALUES (108, 1234.5);
INSERT INTO wr_t (id, n) VALUES (7, 123.456);
INSERT INTO wr_t (id, n) VALUES (8, 'NaN');
INSERT INTO wr_t (id, d) VALUES (109, '2024-02-30');
INSERT INTO wr_t (id, d) VALUES (110, 'yesterday-ish');
INSERT INTO wr_t (id, d) VALUES (9, '2024-02-29');
INSERT INTO wr_t (id, ts) VALUES (111, '2024-01-01 25:00:00');
INSERT INTO wr_t (id, ts) VALUES (10, '2024-01-01 23:00:00.123456');
INSERT INTO wr_t (id, flag) VALUES (112, 'maybe');
INSERT INTO wr_t (id, flag) VALUES (11, 'yes'), (12, 'off'), (13, '1'), (14, 'F');
INSERT INTO wr_t (id, u) VALUES (113, 'zzz');
INSERT INTO wr_t (id, u) VALUES (15, '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}');
INSERT INTO wr_t (id, j) VALUES (114, '{bad json}');
INSERT INTO wr_t (id, j) VALUES (16, '{"b": [1, 2.0], "a": null}');
INSERT INTO wr_t (id, raw) VALUES (115, '\xzz');
INSERT INTO wr_t (id, raw) VALUES (17, '\xdeadbeef');
INSERT INTO wr_t (id, raw) VALUES (18, 'a\\b');
INSERT INTO wr_t (id) VALUES (NULL);
INSERT INTO wr_t (id, i) VALUES (19, 1), (19, 2);
UPDATE wr_t SET i = 'nope' WHERE id = 1;
UPDATE wr_t SET v = 'way too long' WHERE id = 4;
UPDATE wr_t SET s = s - 1 WHERE id = 3;
UPDATE wr_t SET i = i * 1000000 WHERE id = 1;
UPDATE wr_t SET n = n * 10 WHERE id = 7;
SELECT count(*) FROM wr_t WHERE id >= 100 OR id IS NULL;
SELECT id, i, s, b FROM wr_t WHERE id < 100 ORDER BY id;
SELECT id, v, c, n FROM wr_t WHERE id < 100 ORDER BY id;
SELECT id, d, ts FROM wr_t WHERE id < 100 ORDER BY id;
SELECT id, flag FROM wr_t WHERE id < 100 ORDER BY id;
SELECT id, u, j, raw FROM wr_t WHERE id < 100 ORDER BY id;
SELECT id, length(v), length(c), octet_length(raw) FROM wr_t WHERE id < 100 ORDER BY id;
SELECT count(*) FROM wr_t WHERE flag;
SELECT id FROM wr_t WHERE flag = false ORDER BY id;
SELECT id FROM wr_t WHERE n = 123.46;
