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
