-- Arrays: constructors, literals, ANY/ALL, aggregates, unnest, subscripts, array columns.
-- @setup
DROP TABLE IF EXISTS arr_items;
-- @setup
CREATE TABLE arr_items (id int PRIMARY KEY, tags text[], nums int[]);
-- @setup
INSERT INTO arr_items VALUES (1, '{red,green}', '{1,2,3}'), (2, '{blue}', '{10}'), (3, '{}', NULL);
SELECT ARRAY[1, 2, 3];
SELECT ARRAY['a', 'b c', NULL];
SELECT '{1,2,3}'::int[];
SELECT '{"x y", z}'::text[];
SELECT ARRAY[1.5, 2];
SELECT ARRAY[[1, 2], [3, 4]];
SELECT pg_typeof(ARRAY[1, 2]);
SELECT 2 = ANY(ARRAY[1, 2, 3]);
SELECT 5 = ANY('{1,2,3}'::int[]);
SELECT 5 <> ALL(ARRAY[1, 2, 3]);
SELECT 'b' = ANY(ARRAY['a', 'b']);
SELECT 1 = ANY(ARRAY[NULL, 2]::int[]);
SELECT array_length(ARRAY[1, 2, 3], 1);
SELECT array_length('{}'::int[], 1);
SELECT cardinality(ARRAY[[1, 2], [3, 4]]);
SELECT (ARRAY[10, 20, 30])[2];
SELECT (ARRAY[10, 20, 30])[5];
SELECT (ARRAY[10, 20, 30, 40])[2:3];
SELECT array_append(ARRAY[1, 2], 3), array_prepend(0, ARRAY[1]);
SELECT array_cat(ARRAY[1], ARRAY[2, 3]);
SELECT ARRAY[1, 2] || 3;
SELECT array_position(ARRAY['a', 'b', 'c'], 'b');
SELECT array_remove(ARRAY[1, 2, 1], 1);
SELECT array_to_string(ARRAY[1, NULL, 3], ',', '*');
SELECT string_to_array('a,b,,c', ',');
SELECT ARRAY[1, 2] @> ARRAY[1], ARRAY[1, 2] && ARRAY[3];
SELECT unnest(ARRAY[3, 1, 2]);
SELECT * FROM unnest(ARRAY['x', 'y']) WITH ORDINALITY AS u(v, n);
SELECT array_agg(id ORDER BY id DESC) FROM arr_items;
SELECT array_agg(DISTINCT x ORDER BY x) FROM unnest(ARRAY[2, 1, 2]) AS x;
SELECT tags, nums FROM arr_items ORDER BY id;
SELECT id, tags[1], nums[2] FROM arr_items ORDER BY id;
SELECT id, array_length(tags, 1), cardinality(nums) FROM arr_items ORDER BY id;
SELECT id FROM arr_items WHERE 'blue' = ANY(tags);
SELECT id FROM arr_items WHERE id = ANY('{1,3}'::int[]) ORDER BY id;
SELECT id, unnest(tags) FROM arr_items ORDER BY id, 2;
SELECT id FROM arr_items WHERE tags @> '{red}';
SELECT ARRAY(SELECT id FROM arr_items ORDER BY id);
SELECT '{1,2'::int[];
SELECT ARRAY[1, 'x'];
