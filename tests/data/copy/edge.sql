-- COPY edge cases, run by tests/copy.rs; edge.expected is PostgreSQL 15's output.
CREATE TABLE h (a int, b text);
COPY h FROM stdin (HEADER);
a	b
1	one
\.
COPY h FROM stdin;
\.
COPY h FROM stdin;
2	two
\.
COPY h FROM stdin (FORMAT csv, HEADER MATCH);
a,b,c
\.
COPY h FROM stdin (FORMAT csv, HEADER MATCH);
a,\N
\.
COPY h FROM stdin (FORMAT csv, NULL 'NULL', HEADER MATCH);
a,NULL
\.
COPY h (b, a) FROM stdin (FORMAT csv);
"x""y",4
\.
COPY h FROM stdin (DELIMITER '|');
5|a\|b
\.
COPY h FROM stdin;
6	a\x41\101\Z
\.
COPY h FROM stdin;
7	\0
\.
COPY h FROM stdin (FORMAT csv, FORCE_NOT_NULL (a));
,x
\.
COPY h FROM stdin (FORMAT csv, FORCE_QUOTE (a));
\.
COPY h TO stdout (FORMAT csv, FORCE_NULL (a));
SELECT * FROM h ORDER BY a;
COPY h (a) TO stdout (FORMAT csv, FORCE_QUOTE (b));
COPY h TO stdout (FORMAT csv, HEADER, FORCE_QUOTE *);
COPY (SELECT '\.' AS x) TO stdout (FORMAT csv, HEADER);
CREATE TABLE e (a int PRIMARY KEY, b text NOT NULL, c bool);
COPY e FROM stdin;
1	x	t
2	y
\.
COPY e FROM stdin;
1	x	t
zz	y	f
\.
COPY e FROM stdin;
1	x	t
2	y	f	extra
\.
COPY e FROM stdin (FORMAT csv, HEADER MATCH);
a,b,c
7,"q",maybe
\.
COPY e FROM stdin (FORMAT csv);
8,"unterminated
\.
COPY e (a, b) FROM stdin (FORMAT csv, FORCE_NOT_NULL (b), FORCE_NULL (a));
10,
\.
COPY e FROM stdin (FORMAT csv, FORCE_NULL (c));
11,z,""
\.
COPY e FROM stdin (FORMAT csv, QUOTE '''', ESCAPE '\');
12,'it\'s',t
13,'a\\b',f
\.
SELECT * FROM e ORDER BY a;
COPY e TO stdout (FORMAT csv, QUOTE '''', ESCAPE '\', FORCE_QUOTE *);
COPY e FROM stdin (FORMAT xml);
COPY e FROM stdin (DELIMITER 'ab');
COPY e FROM stdin (foo 1);
COPY e FROM stdin (FORMAT csv, FORMAT csv);
COPY e TO stdout (FORCE_QUOTE (a));
COPY e TO stdout (HEADER match);
COPY e TO stdout (FORMAT binary, NULL 'x');
COPY e FROM stdin (DELIMITER '\');
COPY e TO stdout (FORMAT csv, DELIMITER ',', QUOTE ',');
COPY e (zz) FROM stdin;
COPY e (a, a) FROM stdin;
COPY nosuch FROM stdin;
COPY (SELECT 1) FROM stdin;
-- Last: psql sends a binary COPY's data up to the end of the file.
COPY e FROM stdin (FORMAT binary);
not a binary copy header
