"""asyncpg driver scenario for pgsqlite, run by tests/drivers.rs.

Connects with asyncpg's defaults to the server named by PGSQLITE_TEST_HOST and
PGSQLITE_TEST_PORT (user "test", database "test"; asyncpg sends client_encoding 'utf-8'
and checks the types in every ParameterDescription and RowDescription) and covers: DDL,
parameterized CRUD with each supported type round-tripping to an equal value, NULLs, a
committed and a rolled-back transaction, an error whose SQLSTATE asyncpg exposes, a
statement prepared once and run many times, a 10,000-row result, and asyncpg's own type
introspection (set_type_codec, a recursive query over pg_type). Prints one line per check
and exits with status 1 at the first failure.
"""

import asyncio
import datetime
import decimal
import json
import os
import sys
import traceback
import uuid

import asyncpg


async def connect():
    return await asyncpg.connect(
        host=os.environ["PGSQLITE_TEST_HOST"],
        port=int(os.environ["PGSQLITE_TEST_PORT"]),
        user="test",
        database="test",
        ssl=False,
    )


ROW = (
    1,
    2**40,
    -7,
    "héllo, 'world'",
    True,
    2.5,
    decimal.Decimal("12.5"),
    datetime.date(2024, 2, 29),
    datetime.datetime(2024, 1, 2, 3, 4, 5, 123456),
    datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
    uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
    b"\x00\xffbytes",
    ["a", "b c", None],
)

COLUMNS = "id, big, small, name, ok, score, price, day, at, at_tz, uid, data, tags"


async def scenario(conn):
    await conn.execute("DROP TABLE IF EXISTS drv")
    await conn.execute(
        "CREATE TABLE drv (id int PRIMARY KEY, big int8, small int2, name text, ok bool, "
        "score float8, price numeric(10,2), day date, at timestamp, at_tz timestamptz, "
        "uid uuid, data bytea, tags text[])"
    )
    print("ddl: ok")

    placeholders = ", ".join(f"${i}" for i in range(1, 14))
    await conn.execute(f"INSERT INTO drv ({COLUMNS}) VALUES ({placeholders})", *ROW)
    got = await conn.fetchrow(f"SELECT {COLUMNS} FROM drv WHERE id = $1", 1)
    assert tuple(got) == ROW, f"round trip: {tuple(got)} != {ROW}"
    nulls = (2,) + (None,) * 12
    await conn.execute(f"INSERT INTO drv ({COLUMNS}) VALUES ({placeholders})", *nulls)
    got = await conn.fetchrow(f"SELECT {COLUMNS} FROM drv WHERE id = $1", 2)
    assert tuple(got) == nulls, f"nulls: {tuple(got)}"
    status = await conn.execute("UPDATE drv SET name = $1 WHERE id = $2", "changed", 1)
    assert status == "UPDATE 1", status
    assert await conn.fetchval("SELECT name FROM drv WHERE id = 1") == "changed"
    status = await conn.execute("DELETE FROM drv WHERE id = $1", 2)
    assert status == "DELETE 1", status
    print("crud and types: ok")

    async with conn.transaction():
        await conn.execute("INSERT INTO drv (id, name) VALUES (10, 'kept')")
    try:
        async with conn.transaction():
            await conn.execute("INSERT INTO drv (id, name) VALUES (11, 'gone')")
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    ids = [r["id"] for r in await conn.fetch("SELECT id FROM drv ORDER BY id")]
    assert ids == [1, 10], ids
    print("transactions: ok")

    try:
        await conn.execute("INSERT INTO drv (id) VALUES (1)")
        raise AssertionError("duplicate key accepted")
    except asyncpg.UniqueViolationError as e:
        assert e.sqlstate == "23505", e.sqlstate
    try:
        await conn.fetchval("SELECT 1 / 0")
        raise AssertionError("division by zero accepted")
    except asyncpg.DivisionByZeroError as e:
        assert e.sqlstate == "22012", e.sqlstate
    assert await conn.fetchval("SELECT count(*) FROM drv") == 2
    print("errors: ok")

    stmt = await conn.prepare("SELECT name FROM drv WHERE id = $1")
    for _ in range(50):
        assert await stmt.fetchval(10) == "kept"
    assert [p.name for p in stmt.get_parameters()] == ["int4"], stmt.get_parameters()
    assert [a.name for a in stmt.get_attributes()] == ["name"], stmt.get_attributes()
    print("prepared statement: ok")

    await conn.execute("CREATE TABLE drv_many (n int PRIMARY KEY, label text)")
    await conn.executemany(
        "INSERT INTO drv_many VALUES ($1, $2)", [(i, f"row {i}") for i in range(10_000)]
    )
    rows = await conn.fetch("SELECT n, label FROM drv_many ORDER BY n")
    assert len(rows) == 10_000 and rows[-1]["label"] == "row 9999", len(rows)
    total = 0
    async with conn.transaction():
        async for r in conn.cursor("SELECT n FROM drv_many", prefetch=500):
            total += r["n"]
    assert total == sum(range(10_000)), total
    print("10,000 rows: ok")

    # asyncpg looks the type up in pg_type (its introspection query) to install a codec.
    await conn.set_type_codec(
        "jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
    )
    doc = {"a": [1, 2.5, None], "b": "x"}
    assert await conn.fetchval("SELECT $1::jsonb", doc) == doc
    version = conn.get_server_version()
    assert version.major >= 14, version
    print("introspection: ok")


async def main():
    conn = await connect()
    try:
        await asyncio.wait_for(scenario(conn), timeout=120)
    finally:
        await conn.close()
    print("all asyncpg checks passed")


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except Exception:
        traceback.print_exc()
        sys.exit(1)
