"""SQLAlchemy 2 reflection for pgsqlite, run by tests/drivers.rs against pgsqlite and
against PostgreSQL 15, whose outputs it compares.

Connects to the server named by PGSQLITE_TEST_HOST and PGSQLITE_TEST_PORT (user and
database from PGSQLITE_TEST_USER and PGSQLITE_TEST_DB, "test" by default), creates a
schema with a composite primary key, a unique constraint, a unique and a plain
multi-column index, a composite foreign key with ON DELETE CASCADE and check
constraints, then prints as JSON what `inspect(engine)` reflects of it: primary keys,
indexes, foreign keys, unique constraints, check constraints, and columns of a table
loaded with `Table(..., autoload_with=engine)`. These run the dialect's queries over
pg_catalog, among them select lists with set-returning functions in lockstep
(`unnest(indkey), unnest(indclass), generate_subscripts(indkey, 1)`).
"""

import json
import os
import sys
import traceback

from sqlalchemy import MetaData, Table, create_engine, inspect


def main():
    host = os.environ["PGSQLITE_TEST_HOST"]
    port = os.environ["PGSQLITE_TEST_PORT"]
    user = os.environ.get("PGSQLITE_TEST_USER", "test")
    db = os.environ.get("PGSQLITE_TEST_DB", "test")
    engine = create_engine(f"postgresql+psycopg://{user}@{host}:{port}/{db}")
    with engine.begin() as c:
        c.exec_driver_sql("DROP TABLE IF EXISTS rf_line")
        c.exec_driver_sql("DROP TABLE IF EXISTS rf_order")
        c.exec_driver_sql(
            """CREATE TABLE rf_order (
                region text NOT NULL, num integer NOT NULL, code varchar(20) NOT NULL,
                total numeric(10,2) CHECK (total >= 0), note text,
                PRIMARY KEY (region, num), CONSTRAINT rf_order_code_key UNIQUE (code))"""
        )
        c.exec_driver_sql(
            """CREATE TABLE rf_line (
                id integer PRIMARY KEY, region text NOT NULL, num integer NOT NULL,
                qty integer NOT NULL,
                CONSTRAINT rf_line_order_fk FOREIGN KEY (region, num)
                    REFERENCES rf_order (region, num) ON DELETE CASCADE,
                CONSTRAINT rf_line_qty_check CHECK (qty > 0))"""
        )
        c.exec_driver_sql("CREATE INDEX rf_line_qty ON rf_line (qty, num)")
        c.exec_driver_sql("CREATE UNIQUE INDEX rf_line_uq ON rf_line (region, id)")

    insp = inspect(engine)
    out = {}
    for table in ["rf_order", "rf_line"]:
        out[table] = {
            "pk": insp.get_pk_constraint(table),
            "indexes": insp.get_indexes(table),
            "foreign_keys": insp.get_foreign_keys(table),
            "unique": insp.get_unique_constraints(table),
            "checks": insp.get_check_constraints(table),
        }
    loaded = Table("rf_line", MetaData(), autoload_with=engine)
    out["autoload"] = {
        "columns": [(c.name, str(c.type), c.nullable, c.primary_key) for c in loaded.columns],
        "foreign_keys": sorted(str(fk.target_fullname) for fk in loaded.foreign_keys),
        "indexes": sorted((i.name, i.unique, [c.name for c in i.columns]) for i in loaded.indexes),
    }
    # A check of its own, so that an empty reflection cannot compare equal.
    assert out["rf_order"]["pk"]["constrained_columns"] == ["region", "num"], out["rf_order"]["pk"]
    print(json.dumps(out, indent=1, sort_keys=True, default=str))
    print("all SQLAlchemy reflection checks passed")


if __name__ == "__main__":
    try:
        main()
    except Exception:
        traceback.print_exc()
        sys.exit(1)
