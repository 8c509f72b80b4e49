-- Query forms: DISTINCT ON, FILTER, windows, ordinals, NULL ordering, set operations, CTEs,
-- LATERAL, generate_series, and the writes with FROM / USING / RETURNING / ON CONFLICT.
-- @setup
DROP TABLE IF EXISTS q_orders;
-- @setup
DROP TABLE IF EXISTS q_customers;
-- @setup
DROP TABLE IF EXISTS q_stock;
-- @setup
CREATE TABLE q_customers (id int PRIMARY KEY, name text NOT NULL, city text);
-- @setup
CREATE TABLE q_orders (id int PRIMARY KEY, customer_id int REFERENCES q_customers(id), amount numeric(8,2), status text);
-- @setup
CREATE TABLE q_stock (sku text PRIMARY KEY, qty int NOT NULL DEFAULT 0, note text);
-- @setup
INSERT INTO q_customers VALUES (1, 'ann', 'Oslo'), (2, 'bob', 'Rome'), (3, 'cid', NULL), (4, 'dee', 'Oslo');
-- @setup
INSERT INTO q_orders VALUES (10, 1, 25.00, 'paid'), (11, 1, 5.50, 'open'), (12, 2, 100.00, 'paid'), (13, 3, NULL, 'open'), (14, 2, 7.25, 'void'), (15, 1, 25.00, 'paid');
SELECT DISTINCT ON (customer_id) customer_id, id, amount FROM q_orders ORDER BY customer_id, amount DESC, id;
SELECT DISTINCT city FROM q_customers ORDER BY city;
-- @unordered
SELECT DISTINCT status FROM q_orders;
SELECT count(*) FILTER (WHERE status = 'paid'), count(*) FROM q_orders;
SELECT customer_id, sum(amount) FILTER (WHERE status <> 'void') FROM q_orders GROUP BY customer_id ORDER BY customer_id;
SELECT id, row_number() OVER (ORDER BY id) FROM q_orders ORDER BY id;
SELECT id, rank() OVER (ORDER BY amount DESC NULLS LAST), dense_rank() OVER (ORDER BY amount DESC NULLS LAST) FROM q_orders ORDER BY id;
SELECT id, sum(amount) OVER (PARTITION BY customer_id ORDER BY id) FROM q_orders ORDER BY id;
SELECT id, lag(amount) OVER (ORDER BY id), lead(id, 2) OVER (ORDER BY id) FROM q_orders ORDER BY id;
SELECT id, first_value(id) OVER w, count(*) OVER w FROM q_orders WINDOW w AS (PARTITION BY status ORDER BY id) ORDER BY id;
SELECT id, avg(amount) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM q_orders ORDER BY id;
SELECT id, ntile(2) OVER (ORDER BY id) FROM q_orders ORDER BY id;
SELECT status, count(*) FROM q_orders GROUP BY 1 ORDER BY 2 DESC, 1;
SELECT customer_id, count(*), sum(amount) FROM q_orders GROUP BY customer_id HAVING count(*) > 1 ORDER BY 1;
SELECT name, city FROM q_customers ORDER BY 2, 1;
SELECT city FROM q_customers ORDER BY city;
SELECT city FROM q_customers ORDER BY city DESC, id;
SELECT city FROM q_customers ORDER BY city NULLS FIRST, id;
SELECT city FROM q_customers ORDER BY city DESC NULLS LAST, id;
SELECT city FROM q_customers ORDER BY city ASC NULLS FIRST, id;
SELECT id FROM q_customers WHERE city IS DISTINCT FROM 'Oslo' ORDER BY id;
SELECT id FROM q_customers WHERE city IS NOT DISTINCT FROM NULL;
SELECT NULL IS DISTINCT FROM NULL, 1 IS DISTINCT FROM NULL;
SELECT id FROM q_orders ORDER BY id FETCH FIRST 2 ROWS ONLY;
SELECT id FROM q_orders ORDER BY id OFFSET 2 ROWS FETCH NEXT 1 ROW ONLY;
SELECT id FROM q_orders ORDER BY id LIMIT 2 OFFSET 1;
SELECT * FROM generate_series(1, 5);
SELECT generate_series(10, 0, -5);
SELECT x * 2 FROM generate_series(1, 3) AS g(x);
SELECT * FROM generate_series('2024-01-01'::timestamp, '2024-01-03', '1 day'::interval);
SELECT c.name, o.id FROM q_customers c CROSS JOIN LATERAL (SELECT id FROM q_orders WHERE customer_id = c.id ORDER BY amount DESC NULLS LAST, id LIMIT 1) o ORDER BY c.id;
SELECT c.name, o.total FROM q_customers c LEFT JOIN LATERAL (SELECT sum(amount) AS total FROM q_orders WHERE customer_id = c.id) o ON true ORDER BY c.id;
SELECT c.name, count(o.id) FROM q_customers c LEFT JOIN q_orders o ON o.customer_id = c.id GROUP BY c.name ORDER BY c.name;
SELECT c.name, o.id FROM q_customers c JOIN q_orders o ON o.customer_id = c.id WHERE o.status = 'paid' ORDER BY o.id;
SELECT c.name FROM q_customers c RIGHT JOIN q_orders o ON o.customer_id = c.id WHERE o.id = 13;
SELECT a.id, b.id FROM q_customers a FULL JOIN q_orders b ON a.id = b.customer_id WHERE b.id IS NULL ORDER BY a.id;
SELECT name FROM q_customers WHERE id IN (SELECT customer_id FROM q_orders WHERE status = 'paid') ORDER BY name;
SELECT name FROM q_customers c WHERE NOT EXISTS (SELECT 1 FROM q_orders o WHERE o.customer_id = c.id) ORDER BY name;
SELECT name, (SELECT max(amount) FROM q_orders o WHERE o.customer_id = c.id) FROM q_customers c ORDER BY id;
SELECT (SELECT id FROM q_orders);
SELECT * FROM (SELECT customer_id, sum(amount) AS s FROM q_orders GROUP BY customer_id) t WHERE s > 20 ORDER BY customer_id;
WITH paid AS (SELECT * FROM q_orders WHERE status = 'paid') SELECT customer_id, count(*) FROM paid GROUP BY customer_id ORDER BY 1;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5) SELECT sum(i) FROM n;
WITH RECURSIVE fib(a, b, k) AS (SELECT 0::bigint, 1::bigint, 1 UNION ALL SELECT b, a + b, k + 1 FROM fib WHERE k < 10) SELECT a FROM fib ORDER BY k;
SELECT 1 UNION SELECT 2 UNION SELECT 1 ORDER BY 1;
SELECT 1 UNION ALL SELECT 1;
SELECT city FROM q_customers INTERSECT SELECT 'Oslo' ORDER BY 1;
SELECT id FROM q_customers EXCEPT SELECT customer_id FROM q_orders ORDER BY 1;
SELECT id, CASE WHEN amount > 20 THEN 'big' WHEN amount > 6 THEN 'mid' ELSE 'small' END FROM q_orders ORDER BY id;
SELECT CASE status WHEN 'paid' THEN 1 WHEN 'open' THEN 2 END AS rank, id FROM q_orders ORDER BY id;
SELECT coalesce(city, 'unknown') FROM q_customers ORDER BY id;
SELECT nullif(status, 'void') FROM q_orders ORDER BY id;
SELECT coalesce(NULL, NULL, 3), nullif(1, 1), nullif(1, 2);
SELECT count(*), count(amount), sum(amount), avg(amount), min(amount), max(amount) FROM q_orders;
SELECT count(DISTINCT customer_id), count(DISTINCT amount) FROM q_orders;
SELECT bool_and(amount > 5), bool_or(amount > 50), every(status <> 'x') FROM q_orders;
SELECT sum(amount) FROM q_orders WHERE false;
SELECT count(*) FROM q_orders WHERE false;
SELECT status, max(id) FROM q_orders GROUP BY status ORDER BY status;
SELECT EXISTS (SELECT 1 FROM q_orders WHERE amount > 99);
SELECT id FROM q_orders WHERE amount BETWEEN 5 AND 25 ORDER BY id;
SELECT id FROM q_orders WHERE status IN ('open', 'void') ORDER BY id;
SELECT id FROM q_orders WHERE amount IS NULL;
SELECT id FROM q_orders WHERE NOT (amount > 10) ORDER BY id;
SELECT * FROM (VALUES (1, 'one'), (2, 'two')) AS v(n, word) ORDER BY n DESC;
SELECT o.* FROM q_orders o WHERE o.id = 12;
SELECT public.q_customers.name FROM public.q_customers WHERE id = 1;
INSERT INTO q_stock (sku, qty) VALUES ('a', 1);
INSERT INTO q_stock VALUES ('b', 2, 'x'), ('c', 3, NULL);
INSERT INTO q_stock (sku) VALUES ('d') RETURNING sku, qty, note;
INSERT INTO q_stock (sku, qty) VALUES ('a', 5) ON CONFLICT (sku) DO UPDATE SET qty = q_stock.qty + EXCLUDED.qty RETURNING *;
INSERT INTO q_stock (sku, qty) VALUES ('b', 9) ON CONFLICT DO NOTHING;
INSERT INTO q_stock (sku, qty) VALUES ('b', 9) ON CONFLICT (sku) DO NOTHING RETURNING sku;
INSERT INTO q_stock (sku, qty) VALUES ('e', 1), ('c', 10) ON CONFLICT (sku) DO UPDATE SET qty = EXCLUDED.qty WHERE q_stock.qty < EXCLUDED.qty;
INSERT INTO q_stock (sku, qty) VALUES ('a', 1);
INSERT INTO q_stock (qty) VALUES (1);
SELECT * FROM q_stock ORDER BY sku;
UPDATE q_stock SET qty = qty * 2 WHERE sku IN ('a', 'b');
-- @unordered
UPDATE q_stock SET note = 'none' WHERE note IS NULL RETURNING sku;
UPDATE q_stock s SET note = c.name FROM q_customers c WHERE c.id = s.qty;
UPDATE q_stock SET qty = 0 WHERE false;
SELECT sku, qty, note FROM q_stock ORDER BY sku;
DELETE FROM q_stock s USING q_customers c WHERE s.note = c.name AND c.city = 'Oslo';
DELETE FROM q_stock WHERE sku = 'e' RETURNING qty;
DELETE FROM q_stock WHERE sku = 'zzz';
SELECT sku FROM q_stock ORDER BY sku;
INSERT INTO q_stock (sku, qty) SELECT 'from-' || name, id FROM q_customers WHERE city = 'Oslo';
SELECT count(*) FROM q_stock;
-- @unordered
DELETE FROM q_orders WHERE customer_id = 2 RETURNING id, amount;
DELETE FROM q_customers WHERE id = 1;
INSERT INTO q_stock VALUES ('short', 1);
SELECT DISTINCT ON (customer_id) customer_id, id FROM q_orders ORDER BY customer_id, id DESC;
SELECT DISTINCT ON (customer_id) id AS first_id FROM q_orders ORDER BY customer_id, amount DESC NULLS LAST, id;
SELECT DISTINCT ON (status) status FROM q_orders ORDER BY status;
