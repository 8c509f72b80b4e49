"""Differential test harness: runs the SQL corpus on PostgreSQL 15 and on pgsqlite and
compares what a driver sees.

Every statement runs on each server (psycopg 3, autocommit) over both query protocols: as a
simple query (what psycopg sends for a query without parameters) and over the extended
protocol as drivers send a query with parameters (Parse/Bind of the unnamed statement,
Describe, Execute, Sync). For each it records the command status, the result columns (name
and type OID as in cursor.description), the rows exactly as the server sent them in text
format (raw bytes from the PGresult, no type conversion), or the SQLSTATE of an error. The
outcomes are compared without normalisation, except where a statement's options say so:

    -- @unordered   compare rows as a multiset (the statement has no ORDER BY)
    -- @volatile    compare status, columns and row count only (now(), random(), version())
    -- @setup       not counted: must succeed on both servers, its result is not compared
    -- @id NAME     a stable id instead of the ordinal

Corpus files (tests/differential/corpus/*.sql, one category each) hold statements that end
with ';' at the end of a line; a comment line of options may precede a statement. A file
runs whole on one new connection per server and protocol: PostgreSQL, then pgsqlite, simple
protocol first. So a file must create (and first drop) what it uses: it then answers the
same on a fresh database and on one that already saw it. Statement ids are CATEGORY:N (N
counts the file's statements from 1, setup ones included) or CATEGORY:NAME with @id. A
statement matches when it matches over every protocol run.

The known-differences file lists ids that differ today, one per line with a reason
("ID  reason"). The run fails when a statement not on the list differs, when a listed one
now matches, or when the list names an id the corpus does not compare. --update rewrites
the list from this run's differences, keeping the reasons already written.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import pq

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = HERE / "corpus"
DEFAULT_KNOWN = HERE / "known-differences.txt"

# Names for the type OIDs a report is likely to show (others are shown as numbers).
TYPE_NAMES = {
    16: "bool", 17: "bytea", 18: "char", 19: "name", 20: "int8", 21: "int2", 23: "int4",
    25: "text", 26: "oid", 114: "json", 142: "xml", 700: "float4", 701: "float8",
    705: "unknown", 1000: "bool[]", 1005: "int2[]", 1007: "int4[]", 1009: "text[]",
    1014: "bpchar[]", 1015: "varchar[]", 1016: "int8[]", 1021: "float4[]",
    1022: "float8[]", 1042: "bpchar", 1043: "varchar", 1082: "date", 1083: "time",
    1114: "timestamp", 1115: "timestamp[]", 1182: "date[]", 1184: "timestamptz",
    1186: "interval", 1231: "numeric[]", 1266: "timetz", 1700: "numeric", 2249: "record",
    2278: "void", 2950: "uuid", 2951: "uuid[]", 3802: "jsonb", 3807: "jsonb[]",
    2205: "regclass", 2206: "regtype", 3769: "regdictionary", 24: "regproc",
}

# The "SQLSTATE" of a statement whose connection failed: never a comparable answer.
LOST = "connection lost"

MAX_SHOWN_ROWS = 6
MAX_SHOWN_VALUE = 60


@dataclass
class Statement:
    """One corpus statement with its options."""

    category: str
    ordinal: int
    sql: str
    line: int
    options: set[str] = field(default_factory=set)
    name: str | None = None

    @property
    def id(self) -> str:
        return f"{self.category}:{self.name or self.ordinal}"


@dataclass
class Outcome:
    """What a driver saw for one statement on one server."""

    status: str | None = None
    columns: list[tuple[str, int]] | None = None
    rows: list[tuple[str | None, ...]] | None = None
    sqlstate: str | None = None
    message: str | None = None

    @property
    def failed(self) -> bool:
        return self.message is not None


OPTION_RE = re.compile(r"@(\w[\w-]*)(?:\s+([^\s@]+))?")
KNOWN_OPTIONS = {"unordered", "volatile", "setup", "id"}


def parse_corpus(path: Path) -> list[Statement]:
    """Splits a corpus file into statements: each ends with ';' at the end of a line."""
    category = path.stem
    statements: list[Statement] = []
    seen: set[str] = set()
    pending_options: set[str] = set()
    pending_name: str | None = None
    lines: list[str] = []
    start_line = 0
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        stripped = raw.strip()
        if not lines:
            if not stripped:
                continue
            if stripped.startswith("--"):
                comment = stripped[2:].strip()
                if comment.startswith("@"):
                    for option, value in OPTION_RE.findall(comment):
                        if option not in KNOWN_OPTIONS:
                            raise SystemExit(f"{path}:{number}: unknown option @{option}")
                        if option == "id":
                            if not value:
                                raise SystemExit(f"{path}:{number}: @id needs a name")
                            pending_name = value
                        else:
                            pending_options.add(option)
                continue
            start_line = number
        lines.append(raw)
        if stripped.endswith(";"):
            sql = "\n".join(lines).strip()[:-1].rstrip()
            statement = Statement(
                category, len(statements) + 1, sql, start_line, pending_options, pending_name
            )
            if statement.id in seen:
                raise SystemExit(f"{path}:{start_line}: duplicate id {statement.id}")
            seen.add(statement.id)
            statements.append(statement)
            lines, pending_options, pending_name = [], set(), None
    if lines:
        raise SystemExit(f"{path}:{start_line}: statement without a final ';'")
    return statements


class Server:
    """A connection to one server, reopened per corpus file."""

    def __init__(self, label: str, conninfo: str, timeout: float):
        self.label = label
        self.conninfo = conninfo
        self.timeout = timeout
        self.conn: psycopg.Connection | None = None

    def reconnect(self) -> None:
        self.close()
        self.conn = psycopg.connect(self.conninfo, autocommit=True, connect_timeout=10)

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except psycopg.Error:
                pass
            self.conn = None

    def run_all(self, statements: list[str], protocol: str) -> list[Outcome]:
        """Runs statements in order on a new connection."""
        try:
            self.reconnect()
        except psycopg.Error:
            pass  # run() reports it per statement (SQLSTATE "connect") and retries
        try:
            return [self.run(sql, protocol) for sql in statements]
        finally:
            self.close()

    def run(self, sql: str, protocol: str) -> Outcome:
        """Runs one statement; a statement still running after the timeout is cancelled."""
        if self.conn is None or self.conn.closed:
            try:
                self.reconnect()
            except psycopg.Error as error:
                return Outcome(sqlstate=LOST, message=str(error).strip())
        conn = self.conn
        assert conn is not None
        timer = threading.Timer(self.timeout, conn.cancel_safe)
        timer.start()
        try:
            if protocol == "extended":
                return self.run_extended(conn, sql)
            with conn.cursor() as cursor:
                cursor.execute(sql)
                return capture(cursor)
        except psycopg.Error as error:
            if conn.closed or conn.broken:
                self.conn = None
            diag = getattr(error, "diag", None)
            message = (diag.message_primary if diag is not None else None) or str(error)
            return Outcome(sqlstate=error.sqlstate or LOST, message=message.strip())
        finally:
            timer.cancel()


    def run_extended(self, conn: psycopg.Connection, sql: str) -> Outcome:
        """One statement over the extended protocol as drivers send a query with parameters
        (Parse and Bind of the unnamed statement, Describe, Execute, Sync; libpq's
        PQexecParams with none). psycopg's own path would send a query without parameters
        as a simple query, or as a named prepared statement that it reuses for the same
        text, which PostgreSQL refuses once the table's columns change."""
        result = conn.pgconn.exec_params(sql.encode(), [], result_format=pq.Format.TEXT)
        if result.status in (pq.ExecStatus.FATAL_ERROR, pq.ExecStatus.NONFATAL_ERROR):
            sqlstate = result.error_field(pq.DiagnosticField.SQLSTATE)
            primary = result.error_field(pq.DiagnosticField.MESSAGE_PRIMARY)
            message = (primary or result.error_message or b"").decode("utf-8", "replace")
            if sqlstate is None or conn.pgconn.status == pq.ConnStatus.BAD:
                self.conn = None
                return Outcome(sqlstate=LOST, message=message.strip())
            return Outcome(sqlstate=sqlstate.decode(), message=message.strip())
        status = result.command_status
        outcome = Outcome(status=status.decode() if status is not None else None)
        if result.status == pq.ExecStatus.TUPLES_OK:
            outcome.columns = [
                ((result.fname(i) or b"").decode("utf-8"), result.ftype(i))
                for i in range(result.nfields)
            ]
            outcome.rows = raw_rows(result)
        return outcome


def capture(cursor: psycopg.Cursor) -> Outcome:
    """The outcome of the cursor's last statement, values as the raw text sent."""
    outcome = Outcome(status=cursor.statusmessage)
    if cursor.description is not None:
        outcome.columns = [(column.name, column.type_code) for column in cursor.description]
        assert cursor.pgresult is not None
        outcome.rows = raw_rows(cursor.pgresult)
    return outcome


def raw_rows(result: pq.abc.PGresult) -> list[tuple[str | None, ...]]:
    """The result's values exactly as the server sent them in text format."""
    rows = []
    for row in range(result.ntuples):
        values = []
        for column in range(result.nfields):
            value = result.get_value(row, column)
            text = None if value is None else bytes(value).decode("utf-8", "backslashreplace")
            values.append(text)
        rows.append(tuple(values))
    return rows


def compare(statement: Statement, expected: Outcome, actual: Outcome) -> list[str]:
    """The aspects in which the two outcomes differ (empty when they match)."""
    if expected.failed or actual.failed:
        if expected.sqlstate != actual.sqlstate:
            return ["sqlstate"]
        return []
    aspects = []
    if expected.status != actual.status:
        aspects.append("status")
    if expected.columns != actual.columns:
        if [n for n, _ in expected.columns or []] != [n for n, _ in actual.columns or []]:
            aspects.append("names")
        if [t for _, t in expected.columns or []] != [t for _, t in actual.columns or []]:
            aspects.append("types")
    expected_rows, actual_rows = expected.rows or [], actual.rows or []
    if "volatile" in statement.options:
        if len(expected_rows) != len(actual_rows):
            aspects.append("row count")
    elif "unordered" in statement.options:
        if sorted(expected_rows, key=sort_key) != sorted(actual_rows, key=sort_key):
            aspects.append("rows")
    elif expected_rows != actual_rows:
        aspects.append("rows")
    return aspects


def sort_key(row: tuple[str | None, ...]) -> tuple:
    return tuple((value is None, value or "") for value in row)


def show_value(value: str | None) -> str:
    if value is None:
        return "NULL"
    text = repr(value)
    return text if len(text) <= MAX_SHOWN_VALUE else text[: MAX_SHOWN_VALUE - 3] + "..."


def show(outcome: Outcome, only: list[int] | None = None) -> str:
    """One compact line for an outcome; `only` picks the rows to show (by index)."""
    if outcome.failed:
        return f"ERROR {outcome.sqlstate}: {outcome.message}"
    parts = [repr(outcome.status)]
    if outcome.columns is not None:
        columns = ", ".join(f"{name}:{TYPE_NAMES.get(oid, oid)}" for name, oid in outcome.columns)
        parts.append(f"[{columns}]")
        rows = outcome.rows or []
        indexes = list(range(len(rows))) if only is None else only
        shown = []
        for index in indexes[:MAX_SHOWN_ROWS]:
            prefix = "" if only is None else f"#{index + 1}"
            shown.append(prefix + "(" + ", ".join(show_value(v) for v in rows[index]) + ")")
        if len(indexes) > MAX_SHOWN_ROWS:
            shown.append(f"... {len(rows)} rows")
        parts.append(" ".join(shown) if shown else "no rows")
    return " ".join(parts)


def differing_rows(statement: Statement, expected: Outcome, actual: Outcome) -> list[int] | None:
    """Indexes of the rows that differ when both sides have as many rows, in order."""
    if expected.failed or actual.failed or "unordered" in statement.options:
        return None
    if "volatile" in statement.options:
        return None
    a, b = expected.rows or [], actual.rows or []
    if len(a) != len(b) or len(a) <= MAX_SHOWN_ROWS:
        return None
    return [i for i, (x, y) in enumerate(zip(a, b)) if x != y]


def one_line(sql: str, width: int = 100) -> str:
    text = " ".join(sql.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def read_known(path: Path) -> dict[str, str]:
    """The known-differences list: id -> reason, in file order."""
    known: dict[str, str] = {}
    if not path.exists():
        return known
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        ident, _, reason = line.partition(" ")
        if ident in known:
            raise SystemExit(f"{path}:{number}: {ident} listed twice")
        known[ident] = reason.strip() or "TODO: reason"
    return known


KNOWN_HEADER = """\
# Corpus statements (tests/differential/corpus) whose answer on pgsqlite differs today
# from PostgreSQL 15's, one per line: ID REASON. The differential run fails when a
# statement not listed here differs, or when a listed one matches (then remove it).
# `bash scripts/differential.sh --update` rewrites the ids, keeping the reasons. Ids are
# file:ordinal: add corpus statements at the end of a file (or name them with -- @id).
"""


def write_known(path: Path, differing: list[Statement], old: dict[str, str]) -> None:
    width = max((len(s.id) for s in differing), default=0)
    lines = [KNOWN_HEADER]
    for statement in differing:
        reason = old.get(statement.id, "TODO: reason")
        lines.append(f"{statement.id.ljust(width)}  {reason}\n")
    path.write_text("".join(lines), encoding="utf-8")


PROTOCOLS = ("simple", "extended")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", required=True, help="conninfo of the PostgreSQL 15 oracle")
    parser.add_argument("--target", required=True, help="conninfo of the server under test")
    parser.add_argument("--target-label", default="pgsqlite")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--known", type=Path, default=DEFAULT_KNOWN)
    parser.add_argument("--only", action="append", default=[], metavar="CATEGORY",
                        help="run only these corpus files (repeatable); the list is checked "
                        "for their ids only")
    parser.add_argument("--protocol", choices=[*PROTOCOLS, "both"], default="both",
                        help="query protocol(s) to compare over (default: both; the list "
                        "holds what differs over either, so with one protocol a listed "
                        "statement may 'now match')")
    parser.add_argument("--update", action="store_true",
                        help="rewrite the known-differences list from this run")
    parser.add_argument("--no-known", action="store_true",
                        help="ignore the known-differences list: every difference fails")
    parser.add_argument("--timeout", type=float, default=10.0,
                        help="seconds before a statement is cancelled")
    parser.add_argument("--verbose", action="store_true",
                        help="also print the known differences (by default only new ones)")
    parser.add_argument("--dump", type=Path, metavar="FILE",
                        help="write every differing statement with both outcomes as JSON "
                        "lines (for tools)")
    parser.add_argument("--oracle-errors", action="store_true",
                        help="also list the statements that fail on PostgreSQL (to check "
                        "that a corpus's errors are intended)")
    args = parser.parse_args()
    if args.update and (args.only or args.protocol != "both"):
        parser.error("--update rewrites the whole list: run it without --only or --protocol")
    args.protocols = PROTOCOLS if args.protocol == "both" else (args.protocol,)
    return args


def corpus_files(corpus: Path, only: list[str]) -> list[Path]:
    files = sorted(corpus.glob("*.sql"))
    if only:
        files = [f for f in files if f.stem in only]
        missing = set(only) - {f.stem for f in files}
        if missing:
            raise SystemExit(f"no corpus file for {', '.join(sorted(missing))}")
    if not files:
        raise SystemExit(f"no corpus files in {corpus}")
    return files


@dataclass
class Run:
    """One statement's outcomes on both servers over one protocol."""

    protocol: str
    expected: Outcome
    actual: Outcome


class Report:
    """Checks each statement's outcomes against the known differences and prints what a
    reader needs: new differences, listed ones that now match, the per-category rates."""

    def __init__(self, args: argparse.Namespace, oracle: str, target: str):
        self.args = args
        self.known = {} if args.no_known else read_known(args.known)
        self.labels = (oracle, target)
        self.width = max(len(oracle), len(target)) + 1
        self.dump = args.dump.open("w", encoding="utf-8") if args.dump else None
        self.differing: list[Statement] = []
        self.stale: list[Statement] = []
        self.ids: set[str] = set()
        self.unexpected = 0
        self.setup_failures = 0
        self.lost = 0
        self.categories: list[tuple[str, int, int]] = []
        self.per_protocol = {protocol: 0 for protocol in args.protocols}

    def print_runs(self, statement: Statement, runs: list[Run]) -> None:
        """Both answers of each run, once for protocols whose answers are the same."""
        shown: list[tuple[Outcome, Outcome, list[str]]] = []
        for run in runs:
            for expected, actual, protocols in shown:
                if expected == run.expected and actual == run.actual:
                    protocols.append(run.protocol)
                    break
            else:
                shown.append((run.expected, run.actual, [run.protocol]))
        for expected, actual, protocols in shown:
            prefix = f"  [{'+'.join(protocols)}]" if len(shown) > 1 else ""
            if prefix:
                print(prefix)
            only = differing_rows(statement, expected, actual)
            print(f"  {self.labels[0].ljust(self.width)} {show(expected, only)}")
            print(f"  {self.labels[1].ljust(self.width)} {show(actual, only)}")

    def check_file(self, category: str, statements: list[Statement],
                   runs: list[list[Run]]) -> None:
        counted = matched = 0
        for statement, statement_runs in zip(statements, runs):
            if "setup" not in statement.options:
                self.ids.add(statement.id)
                counted += 1
            if any(LOST in (r.expected.sqlstate, r.actual.sqlstate) for r in statement_runs):
                self.lost += 1
                print(f"CONNECTION LOST {statement.id} (line {statement.line}): "
                      f"{one_line(statement.sql)}")
                self.print_runs(statement, statement_runs)
            elif "setup" in statement.options:
                if any(r.expected.failed or r.actual.failed for r in statement_runs):
                    self.setup_failures += 1
                    print(f"SETUP FAILED {statement.id} (line {statement.line}): "
                          f"{one_line(statement.sql)}")
                    self.print_runs(statement, statement_runs)
            elif self.check(statement, statement_runs):
                matched += 1
        self.categories.append((category, matched, counted))

    def check(self, statement: Statement, runs: list[Run]) -> bool:
        """Records one compared statement; true when it matches over every protocol."""
        if self.args.oracle_errors and runs[0].expected.failed:
            print(f"ORACLE ERROR {statement.id} (line {statement.line}): "
                  f"{one_line(statement.sql)}\n  {show(runs[0].expected)}")
        aspects = {}
        for run in runs:
            found = compare(statement, run.expected, run.actual)
            if found:
                aspects[run.protocol] = found
            else:
                self.per_protocol[run.protocol] += 1
        listed = statement.id in self.known
        if not aspects:
            if listed:
                self.stale.append(statement)
            return True
        self.differing.append(statement)
        if self.dump is not None:
            record = {"id": statement.id, "sql": statement.sql,
                      "known": self.known.get(statement.id),
                      "runs": [{"protocol": r.protocol, "aspects": aspects.get(r.protocol, []),
                                "postgres": vars(r.expected), "target": vars(r.actual)}
                               for r in runs]}
            self.dump.write(json.dumps(record) + "\n")
        if not listed:
            self.unexpected += 1
        elif self.args.update or not self.args.verbose:
            return False
        where = "; ".join(f"{protocol}: {', '.join(found)}" for protocol, found in aspects.items())
        print(f"{'KNOWN' if listed else 'DIFF'} {statement.id} (line {statement.line}; {where}): "
              f"{one_line(statement.sql)}")
        self.print_runs(statement, runs)
        if listed:
            print(f"  known: {self.known[statement.id]}")
        return False

    def finish(self, elapsed: float) -> int:
        """Prints the summary and returns the exit status."""
        if self.dump is not None:
            self.dump.close()
        print(f"\n{'category':<12} {'matched':>8} {'total':>6} {'rate':>7}")
        for category, matched, counted in self.categories:
            print(f"{category:<12} {matched:>8} {counted:>6} {percent(matched, counted):>6.1f}%")
        matched = sum(m for _, m, _ in self.categories)
        total = sum(c for _, _, c in self.categories)
        print(f"{'all':<12} {matched:>8} {total:>6} {percent(matched, total):>6.1f}%   "
              f"({' and '.join(self.args.protocols)} protocol, {elapsed:.1f} s)")
        if len(self.per_protocol) > 1:
            print("by protocol: " + ", ".join(
                f"{protocol} {count} of {total} ({percent(count, total):.1f}%)"
                for protocol, count in self.per_protocol.items()))

        if self.args.update:
            write_known(self.args.known, self.differing, self.known)
            print(f"\nwrote {len(self.differing)} ids to {self.args.known}")
            return 1 if self.setup_failures or self.lost else 0

        failed = False
        if self.lost:
            print(f"\n{self.lost} statements lost their connection (a server crashed or "
                  "cannot be reached): the comparison is incomplete")
            failed = True
        if self.setup_failures:
            print(f"\n{self.setup_failures} setup statements failed: "
                  "the files' results are unreliable")
            failed = True
        if self.unexpected:
            print(f"\n{self.unexpected} statements differ and are not in "
                  f"{self.args.known.name}")
            failed = True
        for statement in self.stale:
            print(f"now matches: remove from known-differences: {statement.id}")
            failed = True
        if not self.args.only:
            for ident in self.known:
                if ident not in self.ids:
                    print("not a compared statement of the corpus: remove from "
                          f"known-differences: {ident}")
                    failed = True
        listed = len(self.differing) - self.unexpected
        verdict = "FAILED" if failed else "passed"
        print(f"\ndifferential test {verdict}: {matched} of {total} statements match "
              f"PostgreSQL 15, {listed} known differences, {self.unexpected} new, "
              f"{len(self.stale)} now matching")
        return 1 if failed else 0


def percent(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else 100.0


def main() -> int:
    args = parse_args()
    files = corpus_files(args.corpus, args.only)
    oracle = Server("postgres", args.pg, args.timeout)
    target = Server(args.target_label, args.target, args.timeout)
    report = Report(args, oracle.label, target.label)
    started = time.monotonic()
    for path in files:
        statements = parse_corpus(path)
        sqls = [s.sql for s in statements]
        per_protocol = []
        for protocol in args.protocols:
            expected = oracle.run_all(sqls, protocol)
            actual = target.run_all(sqls, protocol)
            per_protocol.append([Run(protocol, e, a) for e, a in zip(expected, actual)])
        report.check_file(path.stem, statements, [list(runs) for runs in zip(*per_protocol)])
    return report.finish(time.monotonic() - started)


if __name__ == "__main__":
    sys.exit(main())
