"""psycopg 3 over TLS to pgsqlite, run by tests/tls.rs.

The server (PGSQLITE_TEST_HOST / PGSQLITE_TEST_PORT) has user "alice" with password
"secret" (SCRAM-SHA-256) and a certificate signed by the CA in PGSQLITE_TEST_ROOTCERT.
Prints one line per check; exits with status 1 at the first failure.
"""

import os
import sys

import psycopg

HOST = os.environ["PGSQLITE_TEST_HOST"]
PORT = os.environ["PGSQLITE_TEST_PORT"]
ROOT = os.environ["PGSQLITE_TEST_ROOTCERT"]


def fail(message):
    print(f"FAIL: {message}")
    sys.exit(1)


def connect(**params):
    return psycopg.connect(
        host=HOST, port=PORT, user="alice", password="secret", dbname="test",
        connect_timeout=10, **params
    )


def check(name, **params):
    with connect(**params) as conn:
        if not conn.pgconn.ssl_in_use:
            fail(f"{name}: the connection is not encrypted")
        value = conn.execute("SELECT %s::int + 1", [41]).fetchone()[0]
        if value != 42:
            fail(f"{name}: SELECT gave {value!r}")
        print(f"ok: {name}")


# SCRAM-SHA-256-PLUS: libpq refuses to authenticate without channel binding.
check("sslmode=require channel_binding=require", sslmode="require", channel_binding="require")
check("sslmode=verify-full", sslmode="verify-full", sslrootcert=ROOT, channel_binding="require")
# Plain SCRAM-SHA-256 over TLS still works for clients that do not bind.
check("channel_binding=disable", sslmode="require", channel_binding="disable")

# PostgreSQL 17's direct TLS (no SSLRequest, ALPN "postgresql"), where libpq has it.
if psycopg.pq.version() >= 170000:
    check("sslnegotiation=direct", sslmode="require", sslnegotiation="direct",
          channel_binding="require")
else:
    print(f"skipped: sslnegotiation=direct (libpq {psycopg.pq.version()})")

# A wrong password over TLS is still refused.
try:
    psycopg.connect(host=HOST, port=PORT, user="alice", password="wrong", dbname="test",
                    sslmode="require", channel_binding="require", connect_timeout=10).close()
    fail("a wrong password logged in")
except psycopg.OperationalError as err:
    if 'password authentication failed for user "alice"' not in str(err):
        fail(f"wrong password: {err}")
    print("ok: a wrong password is refused over TLS")

print("all TLS checks passed")
