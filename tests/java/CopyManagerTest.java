// pgjdbc CopyManager test for pgsqlite, compiled and run by tests/copy_clients.rs.
//
// Connects to the server named by PGSQLITE_TEST_HOST and PGSQLITE_TEST_PORT (user "test",
// database "test") and checks CopyManager.copyIn in text and CSV (from a Reader and from
// an InputStream with a small buffer, so rows are cut across CopyData messages),
// CopyManager.copyOut in text and CSV compared byte for byte with PostgreSQL 15's output,
// the low-level CopyIn API (writeToCopy, endCopy), a bad row failing the whole COPY with
// its SQLSTATE and nothing committed, and the connection usable afterwards, in autocommit
// and inside a transaction. Prints one line per check and exits with status 1 at the
// first failure.

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;

public class CopyManagerTest {
    static final String DDL =
        "CREATE TABLE %s (id int PRIMARY KEY, name text, ok bool, price numeric, at timestamp)";

    // Loaded by COPY FROM and expected back from `COPY t TO STDOUT` (PostgreSQL 15 sends
    // exactly these bytes for the same data). No numeric value has trailing zeros: pgsqlite
    // keeps numeric values as SQLite reals, so `1.50` would come back as `1.5`.
    static final String TEXT =
        "1\tplain\tt\t1.5\t2024-01-02 03:04:05\n"
            + "2\ttab\\there\\\\back\\nline \u2713\tf\t-0.001\t1999-12-31 23:59:59.123456\n"
            + "3\t\\N\t\\N\t\\N\t\\N\n";
    static final String CSV_IN =
        "id,name,ok,price\n1,\"quoted, comma\",true,1.25\n2,,f,\n3,\"\",t,-7\n";
    // `COPY t (id, name, ok, price) TO STDOUT (FORMAT csv, HEADER)` in PostgreSQL 15.
    static final String CSV_OUT =
        "id,name,ok,price\n1,\"quoted, comma\",t,1.25\n2,,f,\n3,\"\",t,-7\n";

    interface Check {
        void run(Connection conn) throws Exception;
    }

    static Connection connect() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", "test");
        props.setProperty("sslmode", "disable");
        String url = "jdbc:postgresql://" + System.getenv("PGSQLITE_TEST_HOST") + ":"
            + System.getenv("PGSQLITE_TEST_PORT") + "/test";
        return DriverManager.getConnection(url, props);
    }

    static void check(String name, Check check) {
        try (Connection conn = connect()) {
            check.run(conn);
        } catch (Throwable e) {
            System.out.println("FAIL " + name);
            e.printStackTrace(System.out);
            System.exit(1);
        }
        System.out.println("ok " + name);
    }

    static void ensure(boolean cond, String what) {
        if (!cond) {
            throw new AssertionError(what);
        }
    }

    static void ensureEqual(Object expected, Object actual) {
        if (!expected.equals(actual)) {
            throw new AssertionError("expected <" + expected + "> but got <" + actual + ">");
        }
    }

    static long count(Connection conn, String table) throws SQLException {
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static String copyOut(CopyManager copy, String sql) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        copy.copyOut(sql, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    static void execute(Connection conn, String sql) throws SQLException {
        try (Statement st = conn.createStatement()) {
            st.execute(sql);
        }
    }

    static void textBothWays(Connection conn) throws Exception {
        CopyManager copy = conn.unwrap(PGConnection.class).getCopyAPI();
        execute(conn, String.format(DDL, "jtext"));
        ensureEqual(3L, copy.copyIn("COPY jtext FROM STDIN", new StringReader(TEXT)));
        ensureEqual(TEXT, copyOut(copy, "COPY jtext TO STDOUT"));
        // An InputStream read 5 bytes at a time: rows cut across CopyData messages.
        execute(conn, String.format(DDL, "jtext2"));
        byte[] bytes = TEXT.getBytes(StandardCharsets.UTF_8);
        ensureEqual(3L, copy.copyIn("COPY jtext2 FROM STDIN", new ByteArrayInputStream(bytes), 5));
        ensureEqual(TEXT, copyOut(copy, "COPY jtext2 TO STDOUT"));
    }

    static void csvBothWays(Connection conn) throws Exception {
        CopyManager copy = conn.unwrap(PGConnection.class).getCopyAPI();
        execute(conn, String.format(DDL, "jcsv"));
        long n = copy.copyIn(
            "COPY jcsv (id, name, ok, price) FROM STDIN WITH (FORMAT csv, HEADER true)",
            new StringReader(CSV_IN));
        ensureEqual(3L, n);
        ensureEqual(CSV_OUT,
            copyOut(copy, "COPY jcsv (id, name, ok, price) TO STDOUT WITH (FORMAT csv, HEADER)"));
    }

    static void lowLevelCopyIn(Connection conn) throws Exception {
        CopyManager copy = conn.unwrap(PGConnection.class).getCopyAPI();
        execute(conn, String.format(DDL, "jlow"));
        CopyIn in = copy.copyIn("COPY jlow (id, name) FROM STDIN WITH (FORMAT csv)");
        for (int i = 1; i <= 1000; i++) {
            byte[] row = (i + ",row " + i + "\n").getBytes(StandardCharsets.UTF_8);
            in.writeToCopy(row, 0, row.length);
        }
        ensureEqual(1000L, in.endCopy());
        ensureEqual(1000L, count(conn, "jlow"));
        ensureEqual("1000,row 1000\n",
            copyOut(copy, "COPY (SELECT id, name FROM jlow WHERE id = 1000) TO STDOUT (FORMAT csv)"));
    }

    static void badRowCommitsNothing(Connection conn) throws Exception {
        CopyManager copy = conn.unwrap(PGConnection.class).getCopyAPI();
        execute(conn, String.format(DDL, "jbad"));
        try {
            copy.copyIn("COPY jbad FROM STDIN",
                new StringReader("1\tone\tt\t1\t2024-01-01\n2\ttwo\tt\tlots\t2024-01-01\n"));
            throw new AssertionError("the bad row was accepted");
        } catch (SQLException e) {
            ensureEqual("22P02", e.getSQLState());
            ensure(e.getMessage().contains("invalid input syntax for type numeric: \"lots\""),
                e.getMessage());
        }
        try {
            copy.copyIn("COPY jbad (id, name) FROM STDIN WITH (FORMAT csv)",
                new StringReader("7,a\n7,b\n"));
            throw new AssertionError("the duplicate key was accepted");
        } catch (SQLException e) {
            ensureEqual("23505", e.getSQLState());
        }
        ensureEqual(0L, count(conn, "jbad"));
        // Inside a transaction: the failed COPY aborts it, the rollback leaves nothing.
        conn.setAutoCommit(false);
        copy.copyIn("COPY jbad (id) FROM STDIN", new StringReader("10\n"));
        try {
            copy.copyIn("COPY jbad (id) FROM STDIN", new StringReader("eleven\n"));
            throw new AssertionError("the bad row was accepted");
        } catch (SQLException e) {
            ensureEqual("22P02", e.getSQLState());
        }
        try {
            count(conn, "jbad");
            throw new AssertionError("the aborted transaction ran a query");
        } catch (SQLException e) {
            ensureEqual("25P02", e.getSQLState());
        }
        conn.rollback();
        conn.setAutoCommit(true);
        ensureEqual(0L, count(conn, "jbad"));
        ensureEqual(3L, copy.copyIn("COPY jbad FROM STDIN", new StringReader(TEXT)));
    }

    public static void main(String[] args) {
        check("copyIn/copyOut text", CopyManagerTest::textBothWays);
        check("copyIn/copyOut csv", CopyManagerTest::csvBothWays);
        check("low-level CopyIn", CopyManagerTest::lowLevelCopyIn);
        check("bad row commits nothing", CopyManagerTest::badRowCommitsNothing);
        System.out.println("all pgjdbc COPY checks passed");
    }
}
