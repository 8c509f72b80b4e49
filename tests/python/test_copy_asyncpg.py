"""asyncpg COPY test for pgsqlite, run by tests/copy_clients.rs.

Connects to the server named by PGSQLITE_TEST_HOST and PGSQLITE_TEST_PORT (user "test",
database "test") and checks asyncpg's COPY API: copy_records_to_table (binary COPY FROM),
copy_to_table in text and CSV, copy_from_query and copy_from_table (COPY TO) compared byte
for byte with PostgreSQL 15's output, a bad row failing the whole COPY with its SQLSTATE
and nothing committed, and the connection usable afterwards. Prints one line per check
and exits with status 1 at the first failure.
"""

import asyncio
import datetime
import decimal
import io
import os
import sys
import traceback

import asyncpg

DDL = (
    "CREATE TABLE {} (id int PRIMARY KEY, name text, data bytea, score float8, ok bool, "
    "at timestamp, price numeric, big int8)"
)

RECORDS = [
    (1, "plain", b"\x00\xff", 1.5, True, datetime.datetime(2024, 1, 2, 3, 4, 5), decimal.Decimal("12.5"), 9007199254740993),
    (2, "tab\there\\back\nnewline \u2713", b"", -0.25, False, datetime.datetime(1999, 12, 31, 23, 59, 59, 123456), decimal.Decimal("-0.001"), -1),
    (3, None, None, None, None, None, None, None),
    (4, "a,b\"c", bytes(range(256)), 1e100, True, datetime.datetime(2000, 1, 1), decimal.Decimal("0"), 0),
]

# What PostgreSQL 15 sends for `COPY t TO STDOUT` after loading RECORDS (checked against
# a PostgreSQL 15 cluster with the same statements). No numeric value has trailing zeros:
# pgsqlite keeps numeric values as SQLite reals, so `12.50` would come back as `12.5`.
EXPECTED_TEXT = (
    b"1\tplain\t\\\\x00ff\t1.5\tt\t2024-01-02 03:04:05\t12.5\t9007199254740993\n"
    b"2\ttab\\there\\\\back\\nnewline \xe2\x9c\x93\t\\\\x\t-0.25\tf\t1999-12-31 23:59:59.123456\t-0.001\t-1\n"
    b"3\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\n"
    b"4\ta,b\"c\t\\\\x" + bytes(range(256)).hex().encode() + b"\t1e+100\tt\t2000-01-01 00:00:00\t0\t0\n"
)

# `COPY (SELECT id, name, ok FROM t WHERE id IN (1, 3, 4) ORDER BY id) TO STDOUT
# (FORMAT csv, HEADER)` on the same data in PostgreSQL 15.
EXPECTED_QUERY_CSV = b'id,name,ok\n1,plain,t\n3,,\n4,"a,b""c",t\n'


async def connect():
    return await asyncpg.connect(
        host=os.environ["PGSQLITE_TEST_HOST"],
        port=int(os.environ["PGSQLITE_TEST_PORT"]),
        user="test",
        database="test",
        ssl=False,
    )


async def check(name, fn):
    try:
        await asyncio.wait_for(fn(), timeout=60)
    except Exception:
        print(f"FAIL {name}")
        traceback.print_exc()
        sys.exit(1)
    print(f"ok {name}")


async def copy_out(conn, *args, **kwargs):
    out = io.BytesIO()
    if "query" in kwargs:
        query = kwargs.pop("query")
        await conn.copy_from_query(query, *args, output=out, **kwargs)
    else:
        table = kwargs.pop("table")
        await conn.copy_from_table(table, output=out, **kwargs)
    return out.getvalue()


async def records_to_table_binary():
    conn = await connect()
    try:
        await conn.execute(DDL.format("arecords"))
        status = await conn.copy_records_to_table("arecords", records=RECORDS)
        assert status == "COPY 4", status
        rows = await conn.fetch("SELECT * FROM arecords ORDER BY id")
        assert [tuple(r) for r in rows] == RECORDS, rows
        text = await copy_out(conn, table="arecords")
        assert text == EXPECTED_TEXT, (text, EXPECTED_TEXT)
        # A column subset, the other columns taking their defaults (NULL).
        status = await conn.copy_records_to_table(
            "arecords", records=[(10, "ten"), (11, None)], columns=["id", "name"]
        )
        assert status == "COPY 2", status
        assert await conn.fetchval("SELECT count(*) FROM arecords WHERE data IS NULL") == 3
    finally:
        await conn.close()


async def to_table_text_and_csv():
    conn = await connect()
    try:
        await conn.execute(DDL.format("atext"))
        status = await conn.copy_to_table("atext", source=io.BytesIO(EXPECTED_TEXT))
        assert status == "COPY 4", status
        assert await copy_out(conn, table="atext") == EXPECTED_TEXT
        await conn.execute(DDL.format("acsv"))
        csv = b'id,name,ok,price\n1,"quoted, comma",t,1.25\n2,,f,\n3,"",true,-7\n'
        status = await conn.copy_to_table(
            "acsv", source=io.BytesIO(csv), columns=["id", "name", "ok", "price"],
            format="csv", header=True,
        )
        assert status == "COPY 3", status
        rows = await conn.fetch("SELECT id, name, ok, price FROM acsv ORDER BY id")
        assert [tuple(r) for r in rows] == [
            (1, "quoted, comma", True, decimal.Decimal("1.25")),
            (2, None, False, None),
            (3, "", True, decimal.Decimal("-7")),
        ], rows
        back = await copy_out(conn, table="acsv", columns=["id", "name", "ok", "price"],
                              format="csv", header=True)
        assert back == b'id,name,ok,price\n1,"quoted, comma",t,1.25\n2,,f,\n3,"",t,-7\n', back
    finally:
        await conn.close()


async def from_query_and_table():
    conn = await connect()
    try:
        await conn.execute(DDL.format("aquery"))
        await conn.copy_records_to_table("aquery", records=RECORDS)
        out = await copy_out(
            conn, query="SELECT id, name, ok FROM aquery WHERE id IN (1, 3, 4) ORDER BY id",
            format="csv", header=True,
        )
        assert out == EXPECTED_QUERY_CSV, out
        # A query with parameters (asyncpg inlines them into the COPY statement).
        out = await copy_out(conn, 1, query="SELECT id FROM aquery WHERE id > $1 ORDER BY id")
        assert out == b"2\n3\n4\n", out
        # Binary COPY TO: the signature, the header, 4 rows and the trailer.
        out = await copy_out(conn, table="aquery", columns=["id"], format="binary")
        assert out.startswith(b"PGCOPY\n\xff\r\n\x00"), out[:11]
        assert out.endswith(b"\xff\xff"), out[-2:]
        assert len(out) == 19 + 4 * (2 + 4 + 4) + 2, len(out)
    finally:
        await conn.close()


async def bad_row_commits_nothing():
    conn = await connect()
    try:
        await conn.execute(DDL.format("abad"))
        try:
            await conn.copy_to_table("abad", source=io.BytesIO(b"1\tone\n2\ttwo\nthree\tthree\n"),
                                     columns=["id", "name"])
        except asyncpg.PostgresError as e:
            assert e.sqlstate == "22P02", (e.sqlstate, e)
            assert 'invalid input syntax for type integer: "three"' in str(e), str(e)
        else:
            raise AssertionError("the bad row was accepted")
        # A duplicate key in binary COPY (records) fails with 23505.
        try:
            await conn.copy_records_to_table("abad", records=[(1, "a"), (1, "b")], columns=["id", "name"])
        except asyncpg.PostgresError as e:
            assert e.sqlstate == "23505", (e.sqlstate, e)
        else:
            raise AssertionError("the duplicate key was accepted")
        # Nothing of either COPY is there, and the connection is usable.
        assert await conn.fetchval("SELECT count(*) FROM abad") == 0
        assert await conn.fetchval("SELECT $1::int + 1", 41) == 42
        # A COPY inside a transaction that fails aborts the transaction (25P02 after it).
        tr = conn.transaction()
        await tr.start()
        await conn.copy_records_to_table("abad", records=[(5, "five")], columns=["id", "name"])
        try:
            await conn.copy_to_table("abad", source=io.BytesIO(b"x\ty\n"), columns=["id", "name"])
        except asyncpg.PostgresError as e:
            assert e.sqlstate == "22P02", e.sqlstate
        else:
            raise AssertionError("the bad row was accepted")
        try:
            await conn.fetchval("SELECT 1")
        except asyncpg.PostgresError as e:
            assert e.sqlstate == "25P02", e.sqlstate
        else:
            raise AssertionError("the aborted transaction ran a query")
        await tr.rollback()
        assert await conn.fetchval("SELECT count(*) FROM abad") == 0
    finally:
        await conn.close()


async def main():
    await check("copy_records_to_table (binary)", records_to_table_binary)
    await check("copy_to_table text and csv", to_table_text_and_csv)
    await check("copy_from_query and copy_from_table", from_query_and_table)
    await check("bad row commits nothing", bad_row_commits_nothing)
    print("all asyncpg COPY checks passed")


if __name__ == "__main__":
    asyncio.run(main())
