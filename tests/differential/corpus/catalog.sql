-- What drivers and ORMs ask first: version, database, schema, user, types of expressions.
-- @volatile
SELECT version();
-- @volatile
SELECT pg_catalog.version();
SELECT current_database();
SELECT current_schema();
SELECT current_schema;
SELECT current_user;
SELECT session_user;
SELECT user;
SELECT current_catalog;
SELECT pg_typeof(version());
SELECT pg_typeof(current_user);
SELECT pg_typeof(current_database());
SELECT pg_typeof(1::int2), pg_typeof(1::int8), pg_typeof(1::numeric);
SELECT pg_typeof('x'), pg_typeof('x'::varchar), pg_typeof(true);
SELECT pg_typeof(NULL);
SELECT pg_typeof('{}'::jsonb), pg_typeof('{}'::json);
SELECT pg_typeof('1 day'::interval), pg_typeof('2024-01-01'::date - '2023-01-01'::date);
SELECT pg_typeof('2024-01-01'::timestamp - '2023-01-01'::timestamp);
SELECT pg_typeof(gen_random_uuid());
SELECT current_setting('server_version_num')::int >= 150000;
SELECT pg_catalog.lower('ABC');
SELECT pg_catalog.current_database();
-- @volatile
SELECT pg_backend_pid();
SELECT 1 AS one, 'two' AS "Two", 3;
SELECT 1, 2.5, 'three', NULL, true;
SELECT count(*) AS "count(*)";
SELECT;
SELECT nosuchfunction(1);
SELECT * FROM nosuchtable;
SELECT nosuchcolumn;
SELEC 1;
-- The live catalog: a table's columns, constraints and indexes as pg_catalog and
-- information_schema describe them (no OIDs, which differ by design).
CREATE TABLE cat_parent (id integer PRIMARY KEY, code varchar(12) UNIQUE NOT NULL);
CREATE TABLE cat_child (id integer PRIMARY KEY, parent_id integer REFERENCES cat_parent (id), amount numeric(8,2) CHECK (amount > 0), note text DEFAULT 'none');
CREATE INDEX cat_child_note_idx ON cat_child (note);
SELECT c.relname, c.relkind, c.relnatts FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relname LIKE 'cat\_%' ORDER BY 1;
SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atthasdef FROM pg_catalog.pg_attribute a WHERE a.attrelid = 'cat_child'::regclass AND a.attnum > 0 ORDER BY a.attnum;
SELECT conname, contype, pg_catalog.pg_get_constraintdef(oid, true) FROM pg_catalog.pg_constraint WHERE conrelid = 'cat_parent'::regclass ORDER BY conname;
SELECT conname, confrelid::regclass::text FROM pg_constraint WHERE contype = 'f' AND conrelid = 'cat_child'::pg_catalog.regclass;
SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'cat_child' ORDER BY 1;
SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = 'public' AND tablename LIKE 'cat\_%' ORDER BY 1;
SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE 'cat\_%' ORDER BY 1;
SELECT column_name, data_type, is_nullable, character_maximum_length FROM information_schema.columns WHERE table_name = 'cat_parent' ORDER BY ordinal_position;
SELECT constraint_name, constraint_type FROM information_schema.table_constraints WHERE table_name = 'cat_child' AND constraint_type <> 'CHECK' ORDER BY 1;
SELECT typname, typlen, typcategory FROM pg_catalog.pg_type WHERE oid IN (16, 23, 25, 1043, 1700, 1007) ORDER BY oid;
SELECT nspname FROM pg_namespace WHERE nspname !~ '^pg_' ORDER BY 1;
SELECT 'cat_child'::regclass::text, pg_catalog.pg_table_is_visible('cat_child'::regclass);
SELECT c.relname FROM pg_catalog.pg_class c WHERE c.relname OPERATOR(pg_catalog.~) '^(cat_parent)$' COLLATE pg_catalog.default;
-- What SQLAlchemy's reflection reads: index keys with their positions (set-returning
-- functions in one select list run in lockstep), operator classes, collations.
SELECT c.relname, unnest(i.indkey) AS attnum, generate_subscripts(i.indkey, 1) AS ord FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'cat_child'::regclass ORDER BY 1, 3;
SELECT c.relname, i.indkey, i.indclass, i.indcollation, i.indoption, pg_typeof(i.indkey), pg_typeof(i.indclass) FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'cat_parent'::regclass ORDER BY 1;
SELECT o.opcname, o.opcdefault FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid JOIN pg_catalog.pg_opclass o ON o.oid::text = i.indclass::text WHERE c.relname = 'cat_child_note_idx';
SELECT unnest(ARRAY[1, 2, 3]) AS a, unnest(ARRAY['x', 'y']) AS b;
SELECT generate_subscripts(ARRAY[10, 20, 30], 1) AS s, unnest(ARRAY[10, 20, 30]) AS v;
SELECT * FROM generate_subscripts(ARRAY['a', 'b'], 1);
SELECT array_lower('{5,6}'::int[], 1);
SELECT 'pg_constraint'::regclass::oid, 'pg_catalog.pg_class'::regclass::oid, 'pg_index'::regclass, 'information_schema.tables'::regclass::oid > 0;
SELECT bool_and(attnotnull), bool_or(attnotnull), every(attnum > 0) FROM pg_catalog.pg_attribute WHERE attrelid = 'cat_child'::regclass AND attnum > 0;
SELECT bool_and(x), bool_or(x) FROM (SELECT NULL::boolean AS x) s;
SELECT array_agg(attnotnull ORDER BY attnum), array_agg(attnum = 1 ORDER BY attnum) FROM pg_catalog.pg_attribute WHERE attrelid = 'cat_child'::regclass AND attnum > 0;
DROP TABLE cat_child;
DROP TABLE cat_parent;
