-- Dates, times, intervals: arithmetic, date_trunc, extract, age, to_char, make_*, AT TIME ZONE.
-- @setup
DROP TABLE IF EXISTS dt_events;
-- @setup
CREATE TABLE dt_events (id int PRIMARY KEY, d date, ts timestamp, tz timestamptz);
-- @setup
INSERT INTO dt_events VALUES (1, '2024-01-31', '2024-01-31 10:15:30', '2024-01-31 10:15:30+00'), (2, '2023-12-25', '2023-12-25 23:59:59.5', '2023-12-25 23:59:59+05'), (3, NULL, NULL, NULL);
SELECT date '2024-01-01';
SELECT timestamp '2024-01-01 10:00';
SELECT timestamptz '2024-01-01 10:00+02';
SELECT interval '1 day 2 hours';
SELECT date '2024-01-01' + 31;
SELECT '2024-01-01'::date + 1;
SELECT '2024-01-01'::date + 31;
SELECT '2024-03-01'::date - 1;
SELECT '2024-03-01'::date - '2024-01-01'::date;
SELECT '2024-01-31'::date + '1 month'::interval;
SELECT '2024-01-01 10:00'::timestamp + '1 day'::interval;
SELECT '2024-01-01 10:00'::timestamp + '90 minutes'::interval;
SELECT '2024-01-01 10:00'::timestamp - '2 hours'::interval;
SELECT '2024-03-01 00:00'::timestamp - '2024-02-28 12:00'::timestamp;
SELECT '1 day'::interval + '3 hours'::interval;
SELECT '1 hour'::interval * 3;
SELECT '1 day'::interval / 2;
SELECT -'2 days'::interval;
SELECT date_trunc('month', '2024-05-17 13:45:12'::timestamp);
SELECT date_trunc('day', '2024-05-17 13:45:12'::timestamp);
SELECT date_trunc('hour', '2024-05-17 13:45:12'::timestamp);
SELECT date_trunc('year', '2024-05-17'::date);
SELECT date_trunc('week', '2024-05-17 13:45:12'::timestamp);
SELECT extract(year FROM '2024-05-17'::date);
SELECT extract(month FROM '2024-05-17 13:45:12'::timestamp);
SELECT extract(dow FROM '2024-05-17'::date);
SELECT extract(doy FROM '2024-05-17'::date);
SELECT extract(epoch FROM '2024-01-01 00:00:00'::timestamp);
SELECT extract(second FROM '2024-01-01 00:00:12.5'::timestamp);
SELECT extract(hour FROM '5 hours 30 minutes'::interval);
SELECT date_part('day', '2024-05-17 13:45:12'::timestamp);
SELECT date_part('epoch', '1 day'::interval);
SELECT age('2024-05-17'::timestamp, '2000-02-29'::timestamp);
SELECT age('2024-03-01'::date, '2024-01-15'::date);
SELECT to_char('2024-05-07 13:05:09'::timestamp, 'YYYY-MM-DD HH24:MI:SS');
SELECT to_char('2024-05-07'::date, 'DD/MM/YYYY');
SELECT to_char('2024-05-07 13:05:09'::timestamp, 'HH12:MI AM');
SELECT to_char('2024-05-07'::date, 'Mon DD, YYYY');
SELECT to_char('2024-05-07'::date, 'FMMonth FMDD');
SELECT to_char('2024-05-07'::date, 'Day');
SELECT to_date('07/05/2024', 'DD/MM/YYYY');
SELECT to_timestamp('2024-05-07 13:05', 'YYYY-MM-DD HH24:MI');
SELECT make_date(2024, 2, 29);
SELECT make_timestamp(2024, 2, 29, 12, 30, 15.5);
SELECT make_interval(days => 3, hours => 4);
SELECT make_date(2023, 2, 29);
SELECT '2024-01-01 12:00'::timestamp AT TIME ZONE 'UTC';
SELECT '2024-01-01 12:00+02'::timestamptz AT TIME ZONE 'UTC';
SELECT '2024-01-01 12:00'::timestamp AT TIME ZONE '+02';
SELECT '2024-06-01 08:00:00+00'::timestamptz;
SELECT d, d + 7 FROM dt_events ORDER BY id;
SELECT id, ts + '1 day'::interval FROM dt_events ORDER BY id;
SELECT id, tz FROM dt_events ORDER BY id;
SELECT id, extract(year FROM d) FROM dt_events ORDER BY id;
SELECT id FROM dt_events WHERE d > '2024-01-01' ORDER BY id;
SELECT id FROM dt_events WHERE ts BETWEEN '2023-12-25' AND '2023-12-26' ORDER BY id;
SELECT max(d), min(ts) FROM dt_events;
SELECT date_trunc('month', d) FROM dt_events ORDER BY id;
SELECT count(*) FROM dt_events WHERE tz < '2024-01-01 00:00+00'::timestamptz;
SELECT '2024-02-28'::date + '1 day'::interval = '2024-02-29'::timestamp;
SELECT '2024-01-01'::date < '2024-01-02'::date;
SELECT '2024-01-01'::date = '2024-01-01 00:00:00'::timestamp;
SELECT ('2024-01-01'::date, '2024-12-31'::date) OVERLAPS ('2024-06-01'::date, '2025-01-01'::date);
SELECT justify_hours('30 hours'::interval);
SELECT isfinite('2024-01-01'::date);
-- @volatile
SELECT now();
-- @volatile
SELECT current_date;
-- @volatile
SELECT current_timestamp;
-- @volatile
SELECT localtimestamp;
-- @volatile
SELECT current_time;
SELECT now() = current_timestamp;
SELECT pg_typeof(current_date);
SELECT pg_typeof(localtimestamp);
SELECT now() > '2020-01-01 00:00+00'::timestamptz;
-- @setup
DROP TABLE IF EXISTS dt_spans;
-- @setup
CREATE TABLE dt_spans (id int PRIMARY KEY, span interval);
-- @setup
INSERT INTO dt_spans VALUES (1, '1 day 2 hours'), (2, '-90 minutes'), (3, NULL), (4, '1 year 13 months 2 weeks');
SELECT id, span FROM dt_spans ORDER BY id;
SELECT interval '1' day, interval '-1 day', '1.5 hours'::interval, '1 day ago'::interval;
SELECT '-1 day +2 hours'::interval, '0'::interval, '1 mon -1 days'::interval;
SELECT '2024-01-01 12:00+02'::timestamptz AT TIME ZONE '-03:30';
SELECT to_char('2024-05-07 13:05:09.123456'::timestamp, 'MS US Q DDD IW');
SELECT extract(epoch FROM '1 day 2 hours'::interval), date_part('dow', '2024-05-19'::date);
SELECT age('2000-02-29'::timestamp, '2024-05-17'::timestamp);
SELECT '2024-03-31'::timestamp - '1 month'::interval;
SELECT '1 day'::interval * 1.5, '3 mons'::interval / 2;
SELECT '1 day'::interval / 0;
SELECT 'soon'::interval;
SELECT date_trunc('fortnight', '2024-05-17 13:45:12'::timestamp);
SELECT date_trunc('quarter', '2024-05-17 13:45:12'::timestamp), date_trunc('minute', '2024-05-17 13:45:12.5'::timestamp);
SELECT make_interval(years => 1, mins => 30);
