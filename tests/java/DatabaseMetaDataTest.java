// pgjdbc as DBeaver and DataGrip use it, run by tests/drivers.rs against pgsqlite and
// against PostgreSQL 15, whose outputs it compares: DatabaseMetaData (getTables,
// getColumns, getPrimaryKeys, getImportedKeys, getIndexInfo, getSchemas, getTypeInfo)
// on a schema with a composite primary key, a foreign key and indexes; executeBatch; a
// PreparedStatement run past pgjdbc's prepareThreshold (5), after which it uses a
// named server-side statement; a 10,000-row read with setFetchSize(100) in a
// transaction (a portal fetched 100 rows at a time). Prints what it reads; exits with
// status 1 on the first failure.
//
// The server comes from PGSQLITE_TEST_HOST, PGSQLITE_TEST_PORT, PGSQLITE_TEST_USER and
// PGSQLITE_TEST_DB ("test" by default).

import java.sql.*;
import java.util.*;

public class DatabaseMetaDataTest {
    static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null ? fallback : v;
    }

    /** Prints the named columns of every row of `rs`, one line per row. */
    static int print(String title, ResultSet rs, String... columns) throws SQLException {
        System.out.println("== " + title);
        int n = 0;
        while (rs.next()) {
            StringBuilder line = new StringBuilder();
            for (String c : columns) {
                if (line.length() > 0) {
                    line.append(" | ");
                }
                line.append(c).append('=').append(rs.getString(c));
            }
            System.out.println(line);
            n++;
        }
        rs.close();
        return n;
    }

    public static void main(String[] args) throws Exception {
        String url = "jdbc:postgresql://" + env("PGSQLITE_TEST_HOST", "127.0.0.1") + ":"
                + env("PGSQLITE_TEST_PORT", "5432") + "/" + env("PGSQLITE_TEST_DB", "test");
        Properties props = new Properties();
        props.setProperty("user", env("PGSQLITE_TEST_USER", "test"));
        try (Connection conn = DriverManager.getConnection(url, props)) {
            try (Statement st = conn.createStatement()) {
                st.execute("DROP TABLE IF EXISTS md_item");
                st.execute("DROP TABLE IF EXISTS md_order");
                st.execute("CREATE TABLE md_order (region text NOT NULL, num integer NOT NULL, "
                        + "placed date, total numeric(10,2), PRIMARY KEY (region, num))");
                st.execute("CREATE TABLE md_item (id bigint PRIMARY KEY, region text NOT NULL, "
                        + "num integer NOT NULL, sku varchar(20) NOT NULL, qty smallint DEFAULT 1, "
                        + "price double precision, ok boolean, "
                        + "CONSTRAINT md_item_order_fk FOREIGN KEY (region, num) "
                        + "REFERENCES md_order (region, num) ON DELETE CASCADE)");
                st.execute("CREATE UNIQUE INDEX md_item_sku ON md_item (sku)");
                st.execute("CREATE INDEX md_item_qty ON md_item (qty, num)");
            }
            DatabaseMetaData md = conn.getMetaData();
            print("getTables", md.getTables(null, "public", "md_%", new String[] {"TABLE"}),
                    "TABLE_SCHEM", "TABLE_NAME", "TABLE_TYPE", "REMARKS");
            print("getColumns", md.getColumns(null, "public", "md_%", "%"), "TABLE_NAME",
                    "COLUMN_NAME", "DATA_TYPE", "TYPE_NAME", "COLUMN_SIZE", "DECIMAL_DIGITS",
                    "NULLABLE", "COLUMN_DEF", "ORDINAL_POSITION", "IS_NULLABLE",
                    "IS_AUTOINCREMENT");
            print("getPrimaryKeys md_order", md.getPrimaryKeys(null, "public", "md_order"),
                    "TABLE_NAME", "COLUMN_NAME", "KEY_SEQ", "PK_NAME");
            print("getImportedKeys md_item", md.getImportedKeys(null, "public", "md_item"),
                    "PKTABLE_NAME", "PKCOLUMN_NAME", "FKTABLE_NAME", "FKCOLUMN_NAME", "KEY_SEQ",
                    "UPDATE_RULE", "DELETE_RULE", "FK_NAME", "PK_NAME", "DEFERRABILITY");
            print("getExportedKeys md_order", md.getExportedKeys(null, "public", "md_order"),
                    "PKTABLE_NAME", "FKTABLE_NAME", "FKCOLUMN_NAME", "KEY_SEQ", "FK_NAME");
            print("getIndexInfo md_item", md.getIndexInfo(null, "public", "md_item", false, false),
                    "TABLE_NAME", "NON_UNIQUE", "INDEX_NAME", "TYPE", "ORDINAL_POSITION",
                    "COLUMN_NAME", "ASC_OR_DESC");
            print("getSchemas", md.getSchemas(), "TABLE_SCHEM");
            System.out.println("== getTypeInfo (common types)");
            Set<String> common = new TreeSet<>(Arrays.asList("bool", "bytea", "date", "float8",
                    "int2", "int4", "int8", "json", "jsonb", "numeric", "text", "timestamp",
                    "timestamptz", "uuid", "varchar"));
            int types = 0;
            try (ResultSet rs = md.getTypeInfo()) {
                while (rs.next()) {
                    types++;
                    if (common.contains(rs.getString("TYPE_NAME"))) {
                        System.out.println(rs.getString("TYPE_NAME") + " | DATA_TYPE="
                                + rs.getInt("DATA_TYPE") + " | PRECISION=" + rs.getInt("PRECISION")
                                + " | NULLABLE=" + rs.getInt("NULLABLE") + " | SEARCHABLE="
                                + rs.getInt("SEARCHABLE"));
                    }
                }
            }
            check(types > 50, "getTypeInfo lists the built-in types: " + types);

            // executeBatch
            try (PreparedStatement ps = conn.prepareStatement(
                    "INSERT INTO md_order (region, num, placed, total) VALUES (?, ?, ?, ?)")) {
                for (int i = 1; i <= 3; i++) {
                    ps.setString(1, "eu");
                    ps.setInt(2, i);
                    ps.setDate(3, java.sql.Date.valueOf("2024-01-0" + i));
                    ps.setBigDecimal(4, new java.math.BigDecimal(i + ".50"));
                    ps.addBatch();
                }
                int[] counts = ps.executeBatch();
                System.out.println("== executeBatch " + Arrays.toString(counts));
            }
            // A statement reused past prepareThreshold: from the 5th run pgjdbc uses a named
            // server-side statement.
            conn.setAutoCommit(false);
            try (PreparedStatement ps = conn.prepareStatement(
                    "INSERT INTO md_item (id, region, num, sku, qty, price, ok) "
                            + "VALUES (?, 'eu', ?, ?, ?, ?, ?)")) {
                for (int i = 1; i <= 10_000; i++) {
                    ps.setLong(1, i);
                    ps.setInt(2, 1 + i % 3);
                    ps.setString(3, "sku-" + i);
                    ps.setShort(4, (short) (i % 7));
                    ps.setDouble(5, i / 4.0);
                    ps.setBoolean(6, i % 2 == 0);
                    ps.executeUpdate();
                }
            }
            conn.commit();
            try (PreparedStatement ps = conn.prepareStatement(
                    "SELECT sku, price FROM md_item WHERE id = ?")) {
                StringBuilder seen = new StringBuilder();
                for (int i = 1; i <= 8; i++) {
                    ps.setLong(1, i * 100);
                    try (ResultSet rs = ps.executeQuery()) {
                        check(rs.next(), "row " + i * 100);
                        seen.append(rs.getString(1)).append('=').append(rs.getDouble(2)).append(' ');
                    }
                }
                System.out.println("== prepared reuse " + seen.toString().trim());
            }
            // setFetchSize in a transaction: the rows come through a portal, 100 at a time.
            try (Statement st = conn.createStatement()) {
                st.setFetchSize(100);
                long sum = 0;
                int rows = 0;
                try (ResultSet rs = st.executeQuery(
                        "SELECT id, qty, ok FROM md_item ORDER BY id")) {
                    while (rs.next()) {
                        rows++;
                        sum += rs.getLong(1) * rs.getShort(2) + (rs.getBoolean(3) ? 1 : 0);
                    }
                }
                check(rows == 10_000, "rows: " + rows);
                System.out.println("== fetch size 100: " + rows + " rows, checksum " + sum);
            }
            conn.commit();
            try (Statement st = conn.createStatement()) {
                st.execute("DELETE FROM md_order WHERE num = 1");
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM md_item")) {
                    rs.next();
                    System.out.println("== after cascade " + rs.getLong(1));
                }
            }
            conn.rollback();
        }
        System.out.println("all pgjdbc metadata checks passed");
    }
}
