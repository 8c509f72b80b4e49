// node-postgres + pg-copy-streams COPY test for pgsqlite, run by tests/copy_clients.rs.
//
// Connects to the server named by PGSQLITE_TEST_HOST and PGSQLITE_TEST_PORT (user "test",
// database "test") and checks COPY FROM STDIN in text and CSV (the data cut into small
// chunks), COPY TO STDOUT in text, CSV and binary compared byte for byte with PostgreSQL
// 15's output, a bad row failing the whole COPY with its SQLSTATE and nothing committed,
// and the connection usable afterwards. Prints one line per check and exits with status 1
// at the first failure.
'use strict';

const assert = require('node:assert/strict');
const { pipeline } = require('node:stream/promises');
const { Readable, Writable } = require('node:stream');
const { Client } = require('pg');
const { from: copyFrom, to: copyTo } = require('pg-copy-streams');

const DDL = (t) =>
  `CREATE TABLE ${t} (id int PRIMARY KEY, name text, ok bool, price numeric, at timestamp)`;

// Loaded by COPY FROM and expected back from `COPY t TO STDOUT` (PostgreSQL 15 sends
// exactly these bytes for the same data). No numeric value has trailing zeros: pgsqlite
// keeps numeric values as SQLite reals, so `1.50` would come back as `1.5`.
const TEXT = Buffer.from(
  '1\tplain\tt\t1.5\t2024-01-02 03:04:05\n' +
    '2\ttab\\there\\\\back\\nline \u2713\tf\t-0.001\t1999-12-31 23:59:59.123456\n' +
    '3\t\\N\t\\N\t\\N\t\\N\n',
);
const CSV_IN = Buffer.from('id,name,ok,price\n1,"quoted, comma",true,1.25\n2,,f,\n3,"",t,-7\n');
// `COPY t (id, name, ok, price) TO STDOUT (FORMAT csv, HEADER)` in PostgreSQL 15.
const CSV_OUT = Buffer.from('id,name,ok,price\n1,"quoted, comma",t,1.25\n2,,f,\n3,"",t,-7\n');
// `COPY (SELECT id FROM t ORDER BY id) TO STDOUT (FORMAT binary)` in PostgreSQL 15.
const BINARY_IDS = Buffer.concat([
  Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'),
  Buffer.alloc(8),
  ...[1, 2, 3].map((id) => {
    const row = Buffer.alloc(10);
    row.writeInt16BE(1, 0);
    row.writeInt32BE(4, 2);
    row.writeInt32BE(id, 6);
    return row;
  }),
  Buffer.from([0xff, 0xff]),
]);

async function connect() {
  const client = new Client({
    host: process.env.PGSQLITE_TEST_HOST,
    port: Number(process.env.PGSQLITE_TEST_PORT),
    user: 'test',
    database: 'test',
  });
  await client.connect();
  return client;
}

/** Streams `data` into `sql` (a COPY FROM STDIN) in chunks of `chunk` bytes. */
async function copyIn(client, sql, data, chunk) {
  const pieces = [];
  for (let i = 0; i < data.length; i += chunk) pieces.push(data.subarray(i, i + chunk));
  const stream = client.query(copyFrom(sql));
  await pipeline(Readable.from(pieces), stream);
  return stream.rowCount;
}

/** Everything a COPY TO STDOUT sends. */
async function copyOut(client, sql) {
  const parts = [];
  await pipeline(
    client.query(copyTo(sql)),
    new Writable({
      write(chunk, _encoding, done) {
        parts.push(chunk);
        done();
      },
    }),
  );
  return Buffer.concat(parts);
}

async function count(client, table) {
  const res = await client.query(`SELECT count(*)::int AS n FROM ${table}`);
  return res.rows[0].n;
}

async function textBothWays() {
  const client = await connect();
  try {
    await client.query(DDL('ntext'));
    assert.equal(await copyIn(client, 'COPY ntext FROM STDIN', TEXT, 7), 3);
    assert.deepEqual(await copyOut(client, 'COPY ntext TO STDOUT'), TEXT);
    const res = await client.query('SELECT name FROM ntext WHERE id = 2');
    assert.equal(res.rows[0].name, 'tab\there\\back\nline \u2713');
  } finally {
    await client.end();
  }
}

async function csvBothWays() {
  const client = await connect();
  try {
    await client.query(DDL('ncsv'));
    const n = await copyIn(
      client,
      'COPY ncsv (id, name, ok, price) FROM STDIN WITH (FORMAT csv, HEADER true)',
      CSV_IN,
      5,
    );
    assert.equal(n, 3);
    const out = await copyOut(
      client,
      'COPY ncsv (id, name, ok, price) TO STDOUT WITH (FORMAT csv, HEADER)',
    );
    assert.deepEqual(out.toString(), CSV_OUT.toString());
    const bin = await copyOut(client, 'COPY (SELECT id FROM ncsv ORDER BY id) TO STDOUT (FORMAT binary)');
    assert.deepEqual(bin, BINARY_IDS);
  } finally {
    await client.end();
  }
}

async function badRowCommitsNothing() {
  const client = await connect();
  try {
    await client.query(DDL('nbad'));
    const data = Buffer.from('1\tone\tt\t1\t2024-01-01\n2\ttwo\tmaybe\t2\t2024-01-01\n');
    await assert.rejects(copyIn(client, 'COPY nbad FROM STDIN', data, 4), (err) => {
      assert.equal(err.code, '22P02');
      assert.equal(err.message, 'invalid input syntax for type boolean: "maybe"');
      assert.match(err.where, /^COPY nbad, line 2, column ok: "maybe"$/);
      return true;
    });
    // A missing column: 22P04 with PostgreSQL's wording.
    await assert.rejects(copyIn(client, 'COPY nbad FROM STDIN', Buffer.from('3\tthree\n'), 64), (err) => {
      assert.equal(err.code, '22P04');
      assert.equal(err.message, 'missing data for column "ok"');
      return true;
    });
    assert.equal(await count(client, 'nbad'), 0);
    const res = await client.query('SELECT $1::int + 1 AS v', [41]);
    assert.equal(res.rows[0].v, 42);
    // The same table loads fine afterwards on the same connection.
    assert.equal(await copyIn(client, 'COPY nbad FROM STDIN', TEXT, 1000), 3);
    assert.equal(await count(client, 'nbad'), 3);
  } finally {
    await client.end();
  }
}

async function check(name, fn) {
  try {
    await fn();
  } catch (err) {
    console.log(`FAIL ${name}`);
    console.log(err && err.stack ? err.stack : err);
    process.exit(1);
  }
  console.log(`ok ${name}`);
}

(async () => {
  await check('text both ways', textBothWays);
  await check('csv both ways, binary out', csvBothWays);
  await check('bad row commits nothing', badRowCommitsNothing);
  console.log('all node-postgres COPY checks passed');
})();
