"""psycopg2 scenario for pgsqlite, run by tests/drivers.rs against pgsqlite and against
PostgreSQL 15, whose outputs it compares.

Connects with default settings to the server named by PGSQLITE_TEST_HOST and
PGSQLITE_TEST_PORT (user and database from PGSQLITE_TEST_USER and PGSQLITE_TEST_DB,
"test" by default): DDL; parameterized CRUD with int, float, numeric, text, bytea, bool,
date, timestamp, json, uuid and arrays round-tripping to equal values, and NULLs; a
committed and a rolled-back transaction; an error's pgcode; executemany; a 10,000-row
fetch; a named (server-side) cursor read in batches where the server has DECLARE (not
pgsqlite yet: there it must fail cleanly). Prints what it reads, then exits with status
1 at the first failure.
"""

import datetime
import decimal
import json
import os
import sys
import traceback
import uuid

import psycopg2
import psycopg2.errors
import psycopg2.extras


def main():
    psycopg2.extras.register_uuid()
    conn = psycopg2.connect(
        host=os.environ["PGSQLITE_TEST_HOST"],
        port=os.environ["PGSQLITE_TEST_PORT"],
        user=os.environ.get("PGSQLITE_TEST_USER", "test"),
        dbname=os.environ.get("PGSQLITE_TEST_DB", "test"),
    )
    cur = conn.cursor()
    cur.execute("DROP TABLE IF EXISTS p2_item")
    cur.execute(
        """CREATE TABLE p2_item (
            id integer PRIMARY KEY, n bigint, f double precision, price numeric(10,2),
            name text, data bytea, ok boolean, day date, at timestamp, doc jsonb,
            key uuid, tags text[], nums integer[])"""
    )
    conn.commit()
    print("ddl: ok")

    row = (
        1, 2**40, 1.5, decimal.Decimal("12.34"), "héllo 'q'", b"\x00\x01\xff", True,
        datetime.date(2024, 2, 29), datetime.datetime(2024, 1, 2, 3, 4, 5, 123456),
        json.dumps({"a": [1, 2], "b": None}), uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
        ["x", "y z", None], [1, 2, 3],
    )
    cur.execute("INSERT INTO p2_item VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", row)
    cur.execute("INSERT INTO p2_item (id) VALUES (%s)", (2,))
    conn.commit()
    cur.execute("SELECT * FROM p2_item ORDER BY id")
    got = cur.fetchall()
    expected = row[:5] + (bytes(row[5]),) + row[6:9] + ({"a": [1, 2], "b": None},) + row[10:]
    first = tuple(bytes(v) if isinstance(v, memoryview) else v for v in got[0])
    assert first == expected, (first, expected)
    assert got[1] == (2,) + (None,) * 12, got[1]
    print("round trip:", [type(v).__name__ for v in first])
    print("nulls: ok")

    cur.execute("UPDATE p2_item SET name = %(name)s WHERE id = %(id)s", {"name": "renamed", "id": 1})
    assert cur.rowcount == 1, cur.rowcount
    conn.rollback()
    cur.execute("SELECT name FROM p2_item WHERE id = 1")
    assert cur.fetchone()[0] == "héllo 'q'"
    cur.execute("DELETE FROM p2_item WHERE id = %s", (2,))
    conn.commit()
    cur.execute("SELECT count(*) FROM p2_item")
    print("commit and rollback:", cur.fetchone()[0])

    try:
        cur.execute("INSERT INTO p2_item (id) VALUES (1)")
        raise AssertionError("duplicate key accepted")
    except psycopg2.errors.UniqueViolation as e:
        print("unique violation:", e.pgcode)
    conn.rollback()
    try:
        cur.execute("SELECT 1/0")
    except psycopg2.DataError as e:
        print("division by zero:", e.pgcode)
    conn.rollback()
    try:
        cur.execute("SELECT * FROM p2_missing")
    except psycopg2.errors.UndefinedTable as e:
        print("undefined table:", e.pgcode)
    conn.rollback()

    cur.executemany(
        "INSERT INTO p2_item (id, n, name) VALUES (%s, %s, %s)",
        [(i, i * i, f"row {i}") for i in range(10, 10_010)],
    )
    conn.commit()
    cur.execute("SELECT id, n, name FROM p2_item WHERE id >= 10 ORDER BY id")
    rows = cur.fetchall()
    assert len(rows) == 10_000 and rows[-1] == (10_009, 10_009**2, "row 10009"), rows[-1]
    print("executemany and fetch:", len(rows), sum(r[1] for r in rows))

    # A named cursor runs DECLARE ... CURSOR and FETCH, which pgsqlite does not have
    # yet: it must fail cleanly (a syntax error) and leave the connection usable.
    named = conn.cursor(name="p2_cursor")
    named.itersize = 500
    try:
        named.execute("SELECT id FROM p2_item WHERE id >= 10 ORDER BY id")
        total = sum(r[0] for r in named)
        named.close()
        print("named cursor:", total)
    except psycopg2.errors.SyntaxError as e:
        print("named cursor: unsupported,", e.pgcode)
    conn.rollback()
    cur = conn.cursor()
    cur.execute("SELECT count(*) FROM p2_item")
    assert cur.fetchone()[0] == 10_001
    conn.close()
    print("all psycopg2 checks passed")


if __name__ == "__main__":
    try:
        main()
    except Exception:
        traceback.print_exc()
        sys.exit(1)
