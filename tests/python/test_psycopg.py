"""psycopg 3 client test for pgsqlite, run by tests/tools.rs.

Connects to the server named by PGSQLITE_TEST_HOST (a Unix socket directory or a TCP
host) and PGSQLITE_TEST_PORT, user "test", database "test", and checks types, parameters
and transactions in both text and binary formats. Prints one line per check and exits
with status 1 at the first failure.
"""

import datetime
import os
import sys
import traceback
import uuid
from decimal import Decimal

import psycopg
from psycopg import RawCursor
from psycopg.types.json import Json, Jsonb

UTC = datetime.timezone.utc
OFFSET_0530 = datetime.timezone(datetime.timedelta(hours=5, minutes=30))

# OIDs from PostgreSQL's pg_type.
OIDS = {
    "int4": 23,
    "int8": 20,
    "float8": 701,
    "numeric": 1700,
    "bool": 16,
    "text": 25,
    "varchar": 1043,
    "bytea": 17,
    "date": 1082,
    "time": 1083,
    "timestamp": 1114,
    "timestamptz": 1184,
    "uuid": 2950,
    "json": 114,
    "jsonb": 3802,
}

# (column, declared type, Python type expected back, values for rows 1 and 2).
# Row 3 is all NULLs.
COLUMNS = [
    ("c_int4", "INTEGER", "int4", int, [-2147483648, 42]),
    ("c_int8", "BIGINT", "int8", int, [9007199254740993, -1]),
    ("c_float8", "DOUBLE PRECISION", "float8", float, [3.141592653589793, -0.5]),
    ("c_numeric", "NUMERIC", "numeric", Decimal, [Decimal("12345.6789"), Decimal("-0.5")]),
    ("c_bool", "BOOLEAN", "bool", bool, [True, False]),
    ("c_text", "TEXT", "text", str, ["h\u00e9llo w\u00f6rld \u2713 'q' \"dq\" \\ end", ""]),
    ("c_varchar", "VARCHAR(20)", "varchar", str, ["abc", "x y z"]),
    ("c_bytea", "BYTEA", "bytea", bytes, [bytes(range(256)), b""]),
    ("c_date", "DATE", "date", datetime.date, [datetime.date(2024, 2, 29), datetime.date(1999, 12, 31)]),
    ("c_time", "TIME", "time", datetime.time, [datetime.time(23, 59, 59, 999999), datetime.time(0, 0)]),
    (
        "c_timestamp",
        "TIMESTAMP",
        "timestamp",
        datetime.datetime,
        [datetime.datetime(2024, 2, 29, 13, 45, 30, 123456), datetime.datetime(2000, 1, 1)],
    ),
    (
        "c_timestamptz",
        "TIMESTAMPTZ",
        "timestamptz",
        datetime.datetime,
        [
            datetime.datetime(2024, 3, 10, 12, 0, 0, 500000, tzinfo=UTC),
            datetime.datetime(2021, 6, 1, 8, 30, tzinfo=OFFSET_0530),
        ],
    ),
    (
        "c_uuid",
        "UUID",
        "uuid",
        uuid.UUID,
        [uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), uuid.UUID(int=0)],
    ),
    ("c_json", "JSON", "json", dict, [{"a": 1, "b": [1, 2, None], "c": "x"}, {}]),
    ("c_jsonb", "JSONB", "jsonb", dict, [{"k": "v", "n": 1.5, "t": True}, {"nested": {"x": []}}]),
]


class CheckFailed(Exception):
    """A check did not hold."""


def ok(name):
    print(f"ok: {name}", flush=True)


def check(name, condition, detail=""):
    if not condition:
        raise CheckFailed(f"{name}: {detail}" if detail else name)
    ok(name)


def check_eq(name, actual, expected):
    check(name, actual == expected, f"expected {expected!r}, got {actual!r}")


def wrap(type_name, value):
    if value is None:
        return None
    if type_name == "json":
        return Json(value)
    if type_name == "jsonb":
        return Jsonb(value)
    return value


def connect(**kwargs):
    host = os.environ.get("PGSQLITE_TEST_HOST", "/tmp")
    port = int(os.environ.get("PGSQLITE_TEST_PORT", "5432"))
    return psycopg.connect(
        host=host, port=port, user="test", dbname="test", connect_timeout=10, **kwargs
    )


def read_back(cur, table, label, binary):
    """Selects the three rows written by types_round_trip and checks every value, its
    Python type and its column's type OID."""
    names = ", ".join(name for name, _, _, _, _ in COLUMNS)
    cur.execute(f"SELECT id, {names} FROM {table} ORDER BY id", binary=binary)
    rows = cur.fetchall()
    check_eq(f"{label}: select row count", len(rows), 3)
    desc = cur.description
    check_eq(f"{label}: id column type", desc[0].type_code, OIDS["int4"])
    for i, (name, _, type_name, py_type, values) in enumerate(COLUMNS, start=1):
        check_eq(f"{label}: {name} column type oid", desc[i].type_code, OIDS[type_name])
        for row in range(2):
            got = rows[row][i]
            want = values[row]
            check(
                f"{label}: {name} row {row + 1} value {want!r}",
                type(got) is py_type and got == want,
                f"expected {py_type.__name__} {want!r}, got {type(got).__name__} {got!r}",
            )
            if type_name == "timestamptz":
                check(f"{label}: {name} row {row + 1} is timezone-aware", got.tzinfo is not None)
        check(f"{label}: {name} NULL", rows[2][i] is None, f"got {rows[2][i]!r}")


def types_round_trip(conn, fmt):
    """Creates a table with every type, inserts rows with parameters in `fmt` format and
    reads them back in both formats; then WHERE, UPDATE and DELETE with parameters."""
    binary = fmt == "binary"
    placeholder = "%b" if binary else "%t"
    table = f"types_{fmt}"
    columns = ", ".join(f"{name} {decl}" for name, decl, _, _, _ in COLUMNS)
    with conn.cursor() as cur:
        cur.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, {columns})")
        ok(f"{fmt}: create table with {len(COLUMNS)} typed columns")

        names = ", ".join(name for name, _, _, _, _ in COLUMNS)
        marks = ", ".join([placeholder] * (len(COLUMNS) + 1))
        insert = f"INSERT INTO {table} (id, {names}) VALUES ({marks})"
        for row in range(2):
            params = [row + 1] + [wrap(t, values[row]) for _, _, t, _, values in COLUMNS]
            cur.execute(insert, params)
            check_eq(f"{fmt}: insert row {row + 1} rowcount", cur.rowcount, 1)
        cur.execute(insert, [3] + [None] * len(COLUMNS))
        check_eq(f"{fmt}: insert NULL row rowcount", cur.rowcount, 1)

        # Read back in both result formats: the rows were written in `fmt` either way.
        for result_fmt in ("text", "binary"):
            read_back(cur, table, f"{fmt} params, {result_fmt} results", result_fmt == "binary")

        # Parameters used in a WHERE clause, one type at a time.
        for name, _, type_name, _, values in COLUMNS:
            if type_name in ("json", "jsonb"):
                continue  # json has no equality operator, jsonb's is not textual
            cur.execute(
                f"SELECT id FROM {table} WHERE {name} = {placeholder}",
                [values[0]],
                binary=binary,
            )
            check_eq(f"{fmt}: WHERE {name} = param", cur.fetchall(), [(1,)])

        cur.execute(f"SELECT count(*) FROM {table}", binary=binary)
        check_eq(f"{fmt}: count(*) type is int8", cur.description[0].type_code, OIDS["int8"])
        check_eq(f"{fmt}: count(*) value", cur.fetchone(), (3,))

        cur.execute(f"UPDATE {table} SET c_text = {placeholder} WHERE id >= 2", ["changed"])
        check_eq(f"{fmt}: UPDATE rowcount", cur.rowcount, 2)
        cur.execute(f"SELECT c_text FROM {table} WHERE id = 3", binary=binary)
        check_eq(f"{fmt}: updated value", cur.fetchone(), ("changed",))
        cur.execute(f"DELETE FROM {table} WHERE id = {placeholder}", [3])
        check_eq(f"{fmt}: DELETE rowcount", cur.rowcount, 1)
        cur.execute(f"DELETE FROM {table} WHERE id = {placeholder}", [3])
        check_eq(f"{fmt}: DELETE of nothing rowcount", cur.rowcount, 0)
    conn.commit()
    ok(f"{fmt}: commit")


def parameters(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT %(b)s::text, %(a)s::text, %(b)s::text", {"a": "one", "b": "two"})
        check_eq("named parameter used twice", cur.fetchone(), ("two", "one", "two"))
    with RawCursor(conn) as cur:
        cur.execute("SELECT $2::text, $1::text", ["first", "second"])
        check_eq("SELECT $2, $1 with RawCursor", cur.fetchone(), ("second", "first"))
        cur.execute("SELECT $2::integer, $1::integer", [1, 2], binary=True)
        check_eq("SELECT $2, $1 binary", cur.fetchone(), (2, 1))
    conn.commit()


def transactions(conn):
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE tx (id INTEGER PRIMARY KEY, name TEXT UNIQUE)")
        with conn.transaction():
            cur.execute("INSERT INTO tx (id, name) VALUES (%s, %s)", [1, "committed"])
        cur.execute("SELECT name FROM tx ORDER BY id")
        check_eq("transaction committed", cur.fetchall(), [("committed",)])

        with conn.transaction():
            cur.execute("INSERT INTO tx (id, name) VALUES (%s, %s)", [2, "rolled back"])
            raise psycopg.Rollback()
        cur.execute("SELECT name FROM tx ORDER BY id")
        check_eq("transaction rolled back", cur.fetchall(), [("committed",)])

        with conn.transaction():
            cur.execute("INSERT INTO tx (id, name) VALUES (%s, %s)", [3, "outer"])
            with conn.transaction():
                cur.execute("INSERT INTO tx (id, name) VALUES (%s, %s)", [4, "inner"])
                raise psycopg.Rollback()
        cur.execute("SELECT name FROM tx ORDER BY id")
        check_eq("savepoint rolled back inside a committed transaction",
                 cur.fetchall(), [("committed",), ("outer",)])

        # A failed statement inside a savepoint: ROLLBACK TO SAVEPOINT recovers the
        # transaction, which then commits the rest.
        with conn.transaction():
            cur.execute("INSERT INTO tx (id, name) VALUES (%s, %s)", [6, "before error"])
            try:
                with conn.transaction():
                    cur.execute("INSERT INTO tx (id, name) VALUES (%s, %s)", [7, "committed"])
            except psycopg.errors.UniqueViolation as e:
                check_eq("unique violation inside a savepoint", e.sqlstate, "23505")
            else:
                raise CheckFailed("duplicate insert inside a savepoint did not raise")
            cur.execute("INSERT INTO tx (id, name) VALUES (%s, %s)", [8, "after error"])
        cur.execute("SELECT id, name FROM tx WHERE id >= 6 ORDER BY id")
        check_eq("transaction recovered by ROLLBACK TO SAVEPOINT committed",
                 cur.fetchall(), [(6, "before error"), (8, "after error")])

        try:
            with conn.transaction():
                cur.execute("INSERT INTO tx (id, name) VALUES (%s, %s)", [5, "gone"])
                raise RuntimeError("application error")
        except RuntimeError:
            pass
        cur.execute("SELECT count(*) FROM tx WHERE id = 5")
        check_eq("exception rolls the transaction back", cur.fetchone(), (0,))
    conn.autocommit = False


def errors(conn):
    with conn.cursor() as cur:
        cur.execute("INSERT INTO tx (id, name) VALUES (%s, %s)", [10, "first"])
        try:
            cur.execute("INSERT INTO tx (id, name) VALUES (%s, %s)", [11, "committed"])
        except psycopg.Error as e:
            check_eq("unique violation sqlstate", e.sqlstate, "23505")
            check("unique violation is psycopg.errors.UniqueViolation",
                  isinstance(e, psycopg.errors.UniqueViolation), type(e).__name__)
        else:
            raise CheckFailed("duplicate insert did not raise")
        try:
            cur.execute("SELECT 1")
        except psycopg.Error as e:
            check_eq("statement in failed transaction sqlstate", e.sqlstate, "25P02")
        else:
            raise CheckFailed("statement in a failed transaction did not raise")
        conn.rollback()
        cur.execute("SELECT count(*) FROM tx WHERE id = 10")
        check_eq("rollback discarded the failed transaction's insert", cur.fetchone(), (0,))
        cur.execute("SELECT 1 + 1")
        check_eq("connection usable after rollback", cur.fetchone(), (2,))

        try:
            cur.execute("SELECT * FROM no_such_table")
        except psycopg.Error as e:
            check_eq("undefined table sqlstate", e.sqlstate, "42P01")
        else:
            raise CheckFailed("select from a missing table did not raise")
        conn.rollback()
        cur.execute("CREATE TABLE nn (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
        conn.commit()
        try:
            cur.execute("INSERT INTO nn (id, v) VALUES (%s, %s)", [1, None])
        except psycopg.Error as e:
            check_eq("not null violation sqlstate", e.sqlstate, "23502")
        else:
            raise CheckFailed("NULL into a NOT NULL column did not raise")
        conn.rollback()
        ok("rollback after not null violation")


def executemany(conn):
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE many (id INTEGER PRIMARY KEY, label TEXT, score DOUBLE PRECISION)")
        rows = [(i, f"label {i}", i / 4) for i in range(1, 51)]
        cur.executemany("INSERT INTO many (id, label, score) VALUES (%s, %s, %s)", rows)
        check_eq("executemany total rowcount", cur.rowcount, 50)
        cur.execute("SELECT id, label, score FROM many ORDER BY id")
        check_eq("executemany rows read back", cur.fetchall(), rows)
        cur.executemany(
            "INSERT INTO many (id, label, score) VALUES (%s, %s, %s) RETURNING id",
            [(101, "a", 1.0), (102, "b", 2.0)],
            returning=True,
        )
        returned = []
        while True:
            returned.extend(cur.fetchall())
            if not cur.nextset():
                break
        check_eq("executemany RETURNING ids", returned, [(101,), (102,)])
    conn.commit()

    # Repeating a statement makes psycopg prepare it (named statement, prepare_threshold).
    with conn.cursor() as cur:
        for i in range(8):
            cur.execute("SELECT label FROM many WHERE id = %s", [i + 1])
            check_eq(f"repeated statement run {i + 1}", cur.fetchone(), (f"label {i + 1}",))
    conn.rollback()


def expression_types(conn):
    """Result types of expressions, which have no declared column type to go by.

    PostgreSQL types integer arithmetic on int4 as int4; int8 is accepted too, since
    SQLite computes every integer expression in 64 bits. Text is not acceptable: the
    client would get a str instead of a number.
    """
    cases = [
        ("SELECT %s::integer + %s::integer", [40, 2], (OIDS["int4"], OIDS["int8"]), int, 42),
        ("SELECT 1 + 1", None, (OIDS["int4"], OIDS["int8"]), int, 2),
        ("SELECT 1.5::float8 * 2", None, (OIDS["float8"],), float, 3.0),
    ]
    with conn.cursor() as cur:
        for binary in (False, True):
            fmt = "binary" if binary else "text"
            for query, params, oids, py_type, value in cases:
                cur.execute(query, params, binary=binary)
                oid = cur.description[0].type_code
                (got,) = cur.fetchone()
                check(
                    f"{fmt}: {query}{' ' + repr(params) if params else ''} gives {py_type.__name__} {value!r}",
                    oid in oids and type(got) is py_type and got == value,
                    f"expected type oid in {oids} and {py_type.__name__} {value!r}, "
                    f"got type oid {oid} and {type(got).__name__} {got!r}",
                )
    conn.rollback()


def arrays_and_json(conn):
    """Array columns and parameters as psycopg sends and loads them (lists), ANY(%s) with
    a list, jsonb documents and operators."""
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE py_arrays (id int PRIMARY KEY, tags text[], nums int[], doc jsonb)")
        cur.execute(
            "INSERT INTO py_arrays VALUES (%s, %s, %s, %s), (%s, %s, %s, %s)",
            [1, ["red", "dark green"], [1, 2, 3], Jsonb({"b": [1, 2], "a": True}),
             2, [], None, None],
        )
        for binary in (False, True):
            fmt = "binary" if binary else "text"
            cur.execute("SELECT tags, nums, doc FROM py_arrays ORDER BY id", binary=binary)
            check_eq(f"{fmt}: array and jsonb columns", cur.fetchall(),
                     [(["red", "dark green"], [1, 2, 3], {"a": True, "b": [1, 2]}), ([], None, None)])
            cur.execute("SELECT id FROM py_arrays WHERE id = ANY(%s) ORDER BY id", [[2, 5]], binary=binary)
            check_eq(f"{fmt}: id = ANY(list)", cur.fetchall(), [(2,)])
            cur.execute("SELECT tags[2], doc -> 'b' ->> 1, doc ? 'a' FROM py_arrays WHERE id = 1", binary=binary)
            check_eq(f"{fmt}: subscript and json operators", cur.fetchone(), ("dark green", "2", True))
    conn.rollback()


def main():
    with connect() as conn:
        ok(f"connected (server_version {conn.info.server_version})")
        for fmt in ("text", "binary"):
            types_round_trip(conn, fmt)
        parameters(conn)
        transactions(conn)
        errors(conn)
        executemany(conn)
        expression_types(conn)
        arrays_and_json(conn)
    print("all psycopg checks passed", flush=True)


if __name__ == "__main__":
    try:
        main()
    except CheckFailed as failure:
        print(f"FAIL: {failure}", flush=True)
        sys.exit(1)
    except Exception:  # noqa: BLE001 - report anything unexpected as a failure
        traceback.print_exc()
        print("FAIL: unexpected exception (traceback above)", flush=True)
        sys.exit(1)
