"""psycopg 3 COPY test for pgsqlite, run by tests/copy.rs.

Connects to the server named by PGSQLITE_TEST_HOST and PGSQLITE_TEST_PORT (user "test",
database "test") and checks cursor.copy() both ways: text rows, raw text blocks compared
byte for byte, binary with set_types, a failing row, and an exception inside the copy
block (CopyFail). Prints one line per check and exits with status 1 at the first failure.
"""

import datetime
import os
import sys
import traceback

import psycopg
from psycopg import errors

ROWS = [
    (1, "plain", b"\x00\xff", 1.5, True, datetime.datetime(2024, 1, 2, 3, 4, 5)),
    (2, "tab\there\\back\nnewline \u2713", b"", -0.25, False, datetime.datetime(1999, 12, 31, 23, 59, 59, 123456)),
    (3, None, None, None, None, None),
    (4, "a,b\"c", bytes(range(256)), 1e100, True, datetime.datetime(2000, 1, 1)),
]

TYPES = ["int4", "text", "bytea", "float8", "bool", "timestamp"]

DDL = "CREATE TABLE {} (id int PRIMARY KEY, name text, data bytea, score float8, ok bool, at timestamp)"

# What PostgreSQL 15 sends for `COPY t TO STDOUT` after loading ROWS (checked against a
# PostgreSQL 15.18 cluster with the same statements).
EXPECTED_TEXT = (
    b"1\tplain\t\\\\x00ff\t1.5\tt\t2024-01-02 03:04:05\n"
    b"2\ttab\\there\\\\back\\nnewline \xe2\x9c\x93\t\\\\x\t-0.25\tf\t1999-12-31 23:59:59.123456\n"
    b"3\t\\N\t\\N\t\\N\t\\N\t\\N\n"
    b"4\ta,b\"c\t\\\\x" + bytes(range(256)).hex().encode() + b"\t1e+100\tt\t2000-01-01 00:00:00\n"
)


def connect():
    return psycopg.connect(
        host=os.environ["PGSQLITE_TEST_HOST"],
        port=os.environ["PGSQLITE_TEST_PORT"],
        user="test",
        dbname="test",
        autocommit=True,
    )


def check(name, fn):
    try:
        fn()
    except Exception:
        print(f"FAIL {name}")
        traceback.print_exc()
        sys.exit(1)
    print(f"ok {name}")


def count(cur, table):
    cur.execute(f"SELECT count(*) FROM {table}")
    return cur.fetchone()[0]


def text_rows_both_ways():
    with connect() as conn:
        cur = conn.cursor()
        cur.execute(DDL.format("ptext"))
        with cur.copy("COPY ptext FROM STDIN") as copy:
            for row in ROWS:
                copy.write_row(row)
        assert cur.rowcount == 4, cur.rowcount
        # Raw blocks, compared byte for byte with PostgreSQL's output.
        out = bytearray()
        with cur.copy("COPY ptext TO STDOUT") as copy:
            for block in copy:
                out += block
        assert bytes(out) == EXPECTED_TEXT, (bytes(out), EXPECTED_TEXT)
        # Rows parsed back with the column types.
        with cur.copy("COPY ptext TO STDOUT") as copy:
            copy.set_types(TYPES)
            back = list(copy.rows())
        assert back == ROWS, back


def raw_text_blocks_in():
    with connect() as conn:
        cur = conn.cursor()
        cur.execute(DDL.format("praw"))
        # The same data as written by PostgreSQL, sent in blocks cut mid-row.
        with cur.copy("COPY praw FROM STDIN") as copy:
            for i in range(0, len(EXPECTED_TEXT), 11):
                copy.write(EXPECTED_TEXT[i : i + 11])
        out = bytearray()
        with cur.copy("COPY praw TO STDOUT") as copy:
            for block in copy:
                out += block
        assert bytes(out) == EXPECTED_TEXT, bytes(out)


def csv_with_header():
    with connect() as conn:
        cur = conn.cursor()
        cur.execute(DDL.format("pcsv"))
        with cur.copy("COPY pcsv FROM STDIN (FORMAT csv, HEADER MATCH)") as copy:
            copy.write(b"id,name,data,score,ok,at\n1,\"x,\"\"y\"\"\",\\x01,2,t,2020-01-01 00:00:00\n2,,,,,\n")
        with cur.copy("COPY pcsv TO STDOUT (FORMAT csv, HEADER)") as copy:
            out = b"".join(bytes(b) for b in copy)
        assert out == b'id,name,data,score,ok,at\n1,"x,""y""",\\x01,2,t,2020-01-01 00:00:00\n2,,,,,\n', out


def binary_with_set_types():
    with connect() as conn:
        cur = conn.cursor()
        cur.execute(DDL.format("pbin"))
        with cur.copy("COPY pbin FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(TYPES)
            for row in ROWS:
                copy.write_row(row)
        with cur.copy("COPY pbin TO STDOUT (FORMAT BINARY)") as copy:
            copy.set_types(TYPES)
            back = list(copy.rows())
        assert back == ROWS, back
        # Binary out and text out agree with what the text COPY loaded.
        with cur.copy("COPY pbin TO STDOUT") as copy:
            out = b"".join(bytes(b) for b in copy)
        assert out == EXPECTED_TEXT, out


def bad_row_fails_everything():
    with connect() as conn:
        cur = conn.cursor()
        cur.execute(DDL.format("pbad"))
        try:
            with cur.copy("COPY pbad (id, name) FROM STDIN") as copy:
                copy.write(b"1\tok\n2\tok\nthree\tbad\n4\tnever\n")
        except errors.InvalidTextRepresentation as e:
            assert e.sqlstate == "22P02", e.sqlstate
            assert e.diag.context == 'COPY pbad, line 3, column id: "three"', e.diag.context
        else:
            raise AssertionError("the COPY should have failed")
        assert count(cur, "pbad") == 0
        cur.execute("SELECT 1")
        assert cur.fetchone() == (1,)


def exception_in_block_sends_copy_fail():
    with connect() as conn:
        cur = conn.cursor()
        cur.execute(DDL.format("pfail"))
        try:
            with cur.copy("COPY pfail (id) FROM STDIN") as copy:
                copy.write_row((1,))
                raise RuntimeError("client gave up")
        except RuntimeError:
            pass
        except errors.QueryCanceled as e:
            assert "COPY from stdin failed" in str(e), str(e)
        assert count(cur, "pfail") == 0
        cur.execute("SELECT 2")
        assert cur.fetchone() == (2,)


def main():
    check("text rows both ways", text_rows_both_ways)
    check("raw text blocks in", raw_text_blocks_in)
    check("csv with header", csv_with_header)
    check("binary with set_types", binary_with_set_types)
    check("bad row fails everything", bad_row_fails_everything)
    check("exception in block sends CopyFail", exception_in_block_sends_copy_fail)
    print("all psycopg COPY checks passed")


if __name__ == "__main__":
    main()
