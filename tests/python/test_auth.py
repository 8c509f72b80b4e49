"""psycopg 3 logging in to pgsqlite with a password, run by tests/auth_tools.rs.

The server (PGSQLITE_TEST_HOST / PGSQLITE_TEST_PORT) has user "alice" with password
"secret" and uses SCRAM-SHA-256. Prints one line per check; exits with status 1 at the
first failure.
"""

import os
import sys

import psycopg

HOST = os.environ["PGSQLITE_TEST_HOST"]
PORT = os.environ["PGSQLITE_TEST_PORT"]


def connect(user, password):
    return psycopg.connect(
        host=HOST, port=PORT, user=user, password=password, dbname="test", connect_timeout=10
    )


def refused(user, password):
    try:
        connect(user, password).close()
    except psycopg.OperationalError as err:
        text = str(err)
        expected = f'password authentication failed for user "{user}"'
        if expected not in text:
            print(f"FAIL: {user}: expected {expected!r} in {text!r}")
            sys.exit(1)
        print(f"ok: {user} with a wrong password is refused")
        return
    print(f"FAIL: {user} logged in with a wrong password")
    sys.exit(1)


with connect("alice", "secret") as conn:
    value = conn.execute("SELECT 40 + 2").fetchone()[0]
    if value != 42:
        print(f"FAIL: SELECT 40 + 2 gave {value!r}")
        sys.exit(1)
    print("ok: alice logs in with SCRAM-SHA-256")

refused("alice", "wrong")
refused("mallory", "secret")
print("all auth checks passed")
