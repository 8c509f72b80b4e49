//! Fills the catalog tables: their creation with the system rows, the rows describing
//! the user's schema (from `sqlite_schema` and the `pragma_*` functions), the session's
//! database and role, and `pg_settings`.

use super::generated::{self, INFORMATION_SCHEMA_OID, RELATIONS};
use super::oids::{assign, identity};
use super::{DATABASE_OWNER_OID, PG_CATALOG_OID, PUBLIC_OID, SUPERUSER_OID, State};
use crate::protocol::types::{Oid, oid, oid_from_type_name, sql_type_name};
use rusqlite::{Connection, params};
use sqlparser::ast::{ColumnOption, Expr, Statement, TableConstraint};
use sqlparser::dialect::SQLiteDialect;
use sqlparser::parser::Parser;

/// Indexes on the columns catalog queries join and filter on.
const INDEXES: &[(&str, &str, &str)] = &[
    ("pg_catalog", "pg_class", "oid"),
    ("pg_catalog", "pg_class", "relname"),
    ("pg_catalog", "pg_attribute", "attrelid, attnum"),
    ("pg_catalog", "pg_attrdef", "adrelid, adnum"),
    ("pg_catalog", "pg_index", "indrelid"),
    ("pg_catalog", "pg_index", "indexrelid"),
    ("pg_catalog", "pg_constraint", "conrelid"),
    ("pg_catalog", "pg_constraint", "confrelid"),
    ("pg_catalog", "pg_constraint", "oid"),
    ("pg_catalog", "pg_type", "oid"),
    ("pg_catalog", "pg_type", "typname"),
    ("pg_catalog", "pg_namespace", "oid"),
    ("information_schema", "columns", "table_name"),
];

/// The relations whose rows describe the user's schema (emptied on every rebuild).
const SCHEMA_RELATIONS: &[&str] = &[
    "pg_catalog.pg_class",
    "pg_catalog.pg_attribute",
    "pg_catalog.pg_attrdef",
    "pg_catalog.pg_index",
    "pg_catalog.pg_constraint",
    "pg_catalog.pg_sequence",
    "pg_catalog.pg_tables",
    "pg_catalog.pg_views",
    "pg_catalog.pg_indexes",
    "information_schema.tables",
    "information_schema.columns",
    "information_schema.views",
    "information_schema.table_constraints",
    "information_schema.key_column_usage",
    "information_schema.referential_constraints",
    "information_schema.check_constraints",
    "information_schema.constraint_column_usage",
];

/// A column's default in the catalog: 0 for numbers and flags, NULL otherwise.
fn column_default(declared: &str) -> &'static str {
    match declared {
        "oid" | "int2" | "int4" | "int8" | "float4" | "xid" | "bool" | "regproc" => " DEFAULT 0",
        "\"char\"" => " DEFAULT ''",
        _ => "",
    }
}

/// Attaches the schemas and creates the tables with their system rows.
pub fn create(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "ATTACH DATABASE ':memory:' AS pg_catalog;\
         ATTACH DATABASE ':memory:' AS information_schema;",
    )?;
    create_tables(conn)
}

/// True when the attached schemas have their tables: creating them inside a transaction
/// the user then rolled back leaves the schemas empty.
pub fn has_tables(conn: &Connection) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM pg_catalog.sqlite_schema)")?
        .query_row([], |r| r.get(0))
}

/// Creates the catalog tables in the attached schemas, with the system rows.
pub fn create_tables(conn: &Connection) -> rusqlite::Result<()> {
    let mut sql = String::new();
    for (schema, name, columns) in RELATIONS {
        let columns: Vec<String> = columns
            .iter()
            .map(|(c, ty)| {
                let quoted = ty.replace('"', "\"\"");
                format!("\"{c}\" \"{quoted}\"{}", column_default(ty))
            })
            .collect();
        sql.push_str(&format!(
            "CREATE TABLE {schema}.{name} ({});",
            columns.join(", ")
        ));
    }
    for (i, (schema, table, columns)) in INDEXES.iter().enumerate() {
        sql.push_str(&format!(
            "CREATE INDEX {schema}.pgsqlite_index_{i} ON {table} ({columns});"
        ));
    }
    for (table, rows) in [
        ("pg_type", generated::PG_TYPE),
        ("pg_am", generated::PG_AM),
        ("pg_collation", generated::PG_COLLATION),
        ("pg_opclass", generated::PG_OPCLASS),
    ] {
        sql.push_str(&format!(
            "INSERT INTO pg_catalog.{table} VALUES {};",
            rows.join(",")
        ));
    }
    sql.push_str(&format!(
        "INSERT INTO pg_catalog.pg_namespace (oid, nspname, nspowner) VALUES \
         ({PG_CATALOG_OID}, 'pg_catalog', {SUPERUSER_OID}), (99, 'pg_toast', {SUPERUSER_OID}), \
         ({PUBLIC_OID}, 'public', {DATABASE_OWNER_OID}), \
         ({INFORMATION_SCHEMA_OID}, 'information_schema', {SUPERUSER_OID});"
    ));
    conn.execute_batch(&sql)
}

/// Refills the session's database and roles.
pub fn session(conn: &Connection, user: &str, database: &str) -> rusqlite::Result<()> {
    conn.execute_batch(
        "DELETE FROM pg_catalog.pg_database; DELETE FROM pg_catalog.pg_authid;\
         DELETE FROM pg_catalog.pg_roles; DELETE FROM pg_catalog.pg_user;\
         DELETE FROM information_schema.schemata;",
    )?;
    conn.execute(
        "INSERT INTO pg_catalog.pg_database (oid, datname, datdba, encoding, datlocprovider, \
         datistemplate, datallowconn, datconnlimit, datcollate, datctype, dattablespace) \
         VALUES (16384, ?1, 10, 6, 'c', 0, 1, -1, 'C', 'C', 1663)",
        [database],
    )?;
    for (oid, name, superuser) in [
        (SUPERUSER_OID, user, true),
        (DATABASE_OWNER_OID, "pg_database_owner", false),
    ] {
        conn.execute(
            "INSERT INTO pg_catalog.pg_authid (oid, rolname, rolsuper, rolinherit, \
             rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls, \
             rolconnlimit) VALUES (?1, ?2, ?3, 1, ?3, ?3, ?3, ?3, ?3, -1)",
            params![oid, name, superuser],
        )?;
        conn.execute(
            "INSERT INTO pg_catalog.pg_roles (oid, rolname, rolsuper, rolinherit, \
             rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls, \
             rolconnlimit, rolpassword) VALUES (?1, ?2, ?3, 1, ?3, ?3, ?3, ?3, ?3, -1, '********')",
            params![oid, name, superuser],
        )?;
    }
    conn.execute(
        "INSERT INTO pg_catalog.pg_user (usename, usesysid, usecreatedb, usesuper, userepl, \
         usebypassrls, passwd) VALUES (?1, 10, 1, 1, 1, 1, '********')",
        [user],
    )?;
    conn.execute(
        "INSERT INTO information_schema.schemata (catalog_name, schema_name, schema_owner) \
         SELECT ?1, nspname, CASE nspowner WHEN 10 THEN ?2 ELSE 'pg_database_owner' END \
         FROM pg_catalog.pg_namespace ORDER BY oid",
        [database, user],
    )?;
    Ok(())
}

/// Refills `pg_settings` from the session's parameters.
pub fn settings(conn: &Connection, state: &State) -> rusqlite::Result<()> {
    conn.execute_batch("DELETE FROM pg_catalog.pg_settings")?;
    let Some(settings) = &state.settings else {
        return Ok(());
    };
    let rows: Vec<(String, String, String)> = crate::session::settings::lock(settings)
        .all()
        .map(|(n, v, d)| (n.to_string(), v.to_string(), d.to_string()))
        .collect();
    let mut insert = conn.prepare_cached(
        "INSERT INTO pg_catalog.pg_settings (name, setting, short_desc, context, vartype, \
         source, boot_val, reset_val, pending_restart) \
         VALUES (?1, ?2, ?3, 'user', 'string', 'default', ?2, ?2, 0)",
    )?;
    for (name, value, description) in rows {
        insert.execute(params![name, value, description])?;
    }
    Ok(())
}

/// A column as SQLite describes it.
struct ColumnRow {
    name: String,
    declared: String,
    not_null: bool,
    default: Option<String>,
    pk: i64,
    hidden: i64,
}

/// An index as SQLite describes it, or the primary key of a rowid table.
struct IndexRow {
    /// PostgreSQL's name for it.
    name: String,
    unique: bool,
    /// `c` (CREATE INDEX), `u` (UNIQUE), `pk` (PRIMARY KEY).
    origin: String,
    /// Key columns: (attnum or 0 for an expression, name or expression text, descending).
    keys: Vec<(i64, String, bool)>,
    predicate: Option<String>,
}

/// A constraint to list in pg_constraint.
struct ConstraintRow {
    name: String,
    kind: char,
    keys: Vec<i64>,
    /// The index (by position in the table's indexes) of a primary key or unique one.
    index: Option<usize>,
    definition: String,
    /// Foreign keys: referenced table, its key attnums, actions, referenced names.
    references: Option<(String, Vec<i64>, char, char)>,
    check: Option<String>,
}

/// A relation of the user's schema.
struct Relation {
    name: String,
    kind: char,
    sql: String,
    columns: Vec<ColumnRow>,
    indexes: Vec<IndexRow>,
    constraints: Vec<ConstraintRow>,
}

/// Rebuilds the rows describing the user's schema, and the lookup state.
pub fn schema(conn: &Connection, state: &mut State) -> rusqlite::Result<()> {
    let mut sql = String::new();
    for rel in SCHEMA_RELATIONS {
        sql.push_str(&format!("DELETE FROM {rel};"));
    }
    conn.execute_batch(&sql)?;
    let relations = read_relations(conn)?;
    let mut identities = Vec::new();
    for rel in &relations {
        identities.push(identity('r', &rel.name));
        for index in &rel.indexes {
            identities.push(identity('r', &index.name));
        }
        for con in &rel.constraints {
            identities.push(identity('c', &format!("{}.{}", rel.name, con.name)));
        }
        for col in &rel.columns {
            identities.push(identity('d', &format!("{}.{}", rel.name, col.name)));
        }
    }
    let oids = assign(&identities);
    let mut next = oids.into_iter();
    state.relations.clear();
    state.relation_oids.clear();
    state.definitions.clear();
    state.index_columns.clear();
    // First pass: relation OIDs, so that foreign keys can name the referenced table.
    struct Numbered<'a> {
        rel: &'a Relation,
        oid: u32,
        index_oids: Vec<u32>,
        constraint_oids: Vec<u32>,
        default_oids: Vec<u32>,
    }
    let mut numbered = Vec::new();
    for rel in &relations {
        let oid = next.next().unwrap_or_default();
        let index_oids: Vec<u32> = rel
            .indexes
            .iter()
            .map(|_| next.next().unwrap_or_default())
            .collect();
        let constraint_oids: Vec<u32> = rel
            .constraints
            .iter()
            .map(|_| next.next().unwrap_or_default())
            .collect();
        let default_oids: Vec<u32> = rel
            .columns
            .iter()
            .map(|_| next.next().unwrap_or_default())
            .collect();
        state.relations.insert(oid, rel.name.clone());
        state.relation_oids.insert(rel.name.clone(), oid);
        for (index, ioid) in rel.indexes.iter().zip(&index_oids) {
            state.relations.insert(*ioid, index.name.clone());
            state.relation_oids.insert(index.name.clone(), *ioid);
        }
        numbered.push(Numbered {
            rel,
            oid,
            index_oids,
            constraint_oids,
            default_oids,
        });
    }
    let mut class = conn.prepare_cached(
        "INSERT INTO pg_catalog.pg_class (oid, relname, relnamespace, relowner, relam, \
         relfilenode, reltablespace, reltuples, relhasindex, relpersistence, relkind, relnatts, \
         relchecks, relispopulated, relreplident, relfrozenxid, relminmxid) \
         VALUES (?1, ?2, 2200, 10, ?3, ?1, 0, -1, ?4, 'p', ?5, ?6, ?7, 1, ?8, 0, 0)",
    )?;
    let mut attribute = conn.prepare_cached(
        "INSERT INTO pg_catalog.pg_attribute (attrelid, attname, atttypid, attstattarget, \
         attlen, attnum, attndims, attcacheoff, atttypmod, attbyval, attalign, attstorage, \
         attcompression, attnotnull, atthasdef, attidentity, attgenerated, attislocal, \
         attcollation) \
         SELECT ?1, ?2, ?3, -1, coalesce(t.typlen, -1), ?4, ?5, -1, ?6, coalesce(t.typbyval, 0), \
         coalesce(t.typalign, 'i'), coalesce(t.typstorage, 'x'), '', ?7, ?8, '', ?9, 1, \
         coalesce(t.typcollation, 0) \
         FROM (SELECT 1) LEFT JOIN pg_catalog.pg_type t ON t.oid = ?3",
    )?;
    let mut attrdef = conn.prepare_cached(
        "INSERT INTO pg_catalog.pg_attrdef (oid, adrelid, adnum, adbin) VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut index_row = conn.prepare_cached(
        "INSERT INTO pg_catalog.pg_index (indexrelid, indrelid, indnatts, indnkeyatts, \
         indisunique, indnullsnotdistinct, indisprimary, indisexclusion, indimmediate, \
         indisclustered, indisvalid, indcheckxmin, indisready, indislive, indisreplident, \
         indkey, indcollation, indclass, indoption, indexprs, indpred) \
         VALUES (?1, ?2, ?3, ?3, ?4, 0, ?5, 0, 1, 0, 1, 0, 1, 1, 0, ?6, ?7, ?8, ?9, NULL, ?10)",
    )?;
    // A key column's default btree operator class and its type's collation, as
    // PostgreSQL fills indclass and indcollation (expressions get 0).
    let mut opclass = conn.prepare_cached(
        "SELECT coalesce((SELECT oid FROM pg_catalog.pg_opclass WHERE opcmethod = 403 \
         AND opcdefault AND opcintype = ?2), 0), \
         coalesce((SELECT typcollation FROM pg_catalog.pg_type WHERE oid = ?1), 0)",
    )?;
    let mut constraint = conn.prepare_cached(
        "INSERT INTO pg_catalog.pg_constraint (oid, conname, connamespace, contype, \
         condeferrable, condeferred, convalidated, conrelid, contypid, conindid, conparentid, \
         confrelid, confupdtype, confdeltype, confmatchtype, conislocal, coninhcount, \
         connoinherit, conkey, confkey, conbin) \
         VALUES (?1, ?2, 2200, ?3, 0, 0, 1, ?4, 0, ?5, 0, ?6, ?7, ?8, ?9, 1, 0, 0, ?10, ?11, ?12)",
    )?;
    for n in &numbered {
        let rel = n.rel;
        let checks = rel.constraints.iter().filter(|c| c.kind == 'c').count() as i64;
        let relkind = rel.kind.to_string();
        class.execute(params![
            n.oid,
            rel.name,
            if rel.kind == 'r' { 2 } else { 0 },
            !rel.indexes.is_empty(),
            relkind,
            rel.columns.len() as i64,
            checks,
            if rel.kind == 'r' { "d" } else { "n" },
        ])?;
        if rel.kind == 'S' && rel.sql.is_empty() {
            // A serial key's counter: an integer sequence from 1.
            conn.prepare_cached(
                "INSERT INTO pg_catalog.pg_sequence (seqrelid, seqtypid, seqstart, \
                 seqincrement, seqmax, seqmin, seqcache, seqcycle) \
                 VALUES (?1, ?2, 1, 1, 2147483647, 1, 1, 0)",
            )?
            .execute(params![n.oid, oid::INT4])?;
        }
        if rel.kind == 'S'
            && let Some(def) = crate::sql::sequence::SequenceDef::from_table_sql(&rel.sql)
        {
            let ty = match def.bits {
                16 => oid::INT2,
                32 => oid::INT4,
                _ => oid::INT8,
            };
            conn.prepare_cached(
                "INSERT INTO pg_catalog.pg_sequence (seqrelid, seqtypid, seqstart, \
                 seqincrement, seqmax, seqmin, seqcache, seqcycle) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                n.oid,
                ty,
                def.start,
                def.increment,
                def.max,
                def.min,
                def.cache,
                def.cycle
            ])?;
        }
        for (i, col) in rel.columns.iter().enumerate() {
            let ty = column_type(&col.declared);
            let attnum = i as i64 + 1;
            let has_default = col.default.is_some();
            let generated = if col.hidden >= 2 { "s" } else { "" };
            let ndims = i64::from(crate::protocol::types::element_of(ty).is_some());
            attribute.execute(params![
                n.oid,
                col.name,
                ty,
                attnum,
                ndims,
                type_modifier(&col.declared, ty),
                col.not_null || col.pk > 0,
                has_default,
                generated,
            ])?;
            if let Some(default) = &col.default {
                attrdef.execute(params![
                    n.default_oids[i],
                    n.oid,
                    attnum,
                    render_default(default, ty)
                ])?;
            }
        }
        for (index, ioid) in rel.indexes.iter().zip(&n.index_oids) {
            class.execute(params![
                ioid,
                index.name,
                403,
                false,
                "i",
                index.keys.len() as i64,
                0,
                "n",
            ])?;
            let keys: Vec<String> = index.keys.iter().map(|k| k.0.to_string()).collect();
            let mut classes = Vec::with_capacity(index.keys.len());
            let mut collations = Vec::with_capacity(index.keys.len());
            for (attnum, _, _) in &index.keys {
                let (class, collation) = usize::try_from(*attnum - 1)
                    .ok()
                    .and_then(|i| rel.columns.get(i))
                    .map_or(Ok((0, 0)), |col| {
                        let ty = column_type(&col.declared);
                        opclass.query_row(params![ty, opclass_input_type(ty)], |r| {
                            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
                        })
                    })?;
                classes.push(class.to_string());
                collations.push(collation.to_string());
            }
            let options: Vec<&str> = index
                .keys
                .iter()
                .map(|k| if k.2 { "3" } else { "0" })
                .collect();
            index_row.execute(params![
                ioid,
                n.oid,
                index.keys.len() as i64,
                index.unique,
                index.origin == "pk",
                keys.join(" "),
                collations.join(" "),
                classes.join(" "),
                options.join(" "),
                index.predicate,
            ])?;
            let columns: Vec<String> = index
                .keys
                .iter()
                .map(|(_, name, desc)| {
                    if *desc {
                        format!("{name} DESC")
                    } else {
                        name.clone()
                    }
                })
                .collect();
            state.definitions.insert(
                *ioid,
                format!(
                    "CREATE {}INDEX {} ON public.{} USING btree ({}){}",
                    if index.unique { "UNIQUE " } else { "" },
                    quote_ident(&index.name),
                    quote_ident(&rel.name),
                    columns.join(", "),
                    index
                        .predicate
                        .as_ref()
                        .map(|p| format!(" WHERE {p}"))
                        .unwrap_or_default()
                ),
            );
            state
                .index_columns
                .insert(*ioid, index.keys.iter().map(|k| k.1.clone()).collect());
        }
        for (con, coid) in rel.constraints.iter().zip(&n.constraint_oids) {
            // A foreign key's index is the referenced table's unique index on the
            // referenced columns, as in PostgreSQL (pgjdbc's getImportedKeys joins it).
            let index_oid = match (con.index, &con.references) {
                (Some(i), _) => n.index_oids[i],
                (None, Some((table, keys, _, _))) => numbered
                    .iter()
                    .find(|r| r.rel.name == *table)
                    .and_then(|r| {
                        let mut wanted = keys.clone();
                        wanted.sort_unstable();
                        r.rel
                            .indexes
                            .iter()
                            .zip(&r.index_oids)
                            .find_map(|(index, oid)| {
                                let mut have: Vec<i64> = index.keys.iter().map(|k| k.0).collect();
                                have.sort_unstable();
                                (index.unique && index.predicate.is_none() && have == wanted)
                                    .then_some(*oid)
                            })
                    })
                    .unwrap_or(0),
                (None, None) => 0,
            };
            let (frel, fkeys, upd, del) = match &con.references {
                Some((table, keys, upd, del)) => (
                    state.relation_oids.get(table).copied().unwrap_or(0),
                    Some(int_array(keys)),
                    upd.to_string(),
                    del.to_string(),
                ),
                None => (0, None, " ".to_string(), " ".to_string()),
            };
            let matching = if con.kind == 'f' { "s" } else { " " };
            constraint.execute(params![
                coid,
                con.name,
                con.kind.to_string(),
                n.oid,
                index_oid,
                frel,
                upd,
                del,
                matching,
                int_array(&con.keys),
                fkeys,
                con.check,
            ])?;
            state.definitions.insert(*coid, con.definition.clone());
        }
    }
    drop((class, attribute, attrdef, index_row, constraint));
    derived(conn, state)
}

/// The views over the base catalog: pg_tables, pg_views, pg_indexes and information_schema.
fn derived(conn: &Connection, state: &State) -> rusqlite::Result<()> {
    let database = state.database();
    let user = state.user();
    // PostgreSQL enforces foreign keys with triggers on both tables; psql lists them
    // only where relhastriggers says so.
    conn.execute_batch(
        "UPDATE pg_catalog.pg_class SET relhastriggers = 1 WHERE oid IN \
         (SELECT conrelid FROM pg_catalog.pg_constraint WHERE contype = 'f' \
          UNION SELECT confrelid FROM pg_catalog.pg_constraint WHERE contype = 'f');",
    )?;
    conn.execute_batch(
        "INSERT INTO pg_catalog.pg_tables (schemaname, tablename, tableowner, hasindexes, \
         hasrules, hastriggers, rowsecurity) \
         SELECT 'public', relname, NULL, relhasindex, 0, relhastriggers, 0 FROM pg_catalog.pg_class \
         WHERE relkind = 'r';\
         INSERT INTO pg_catalog.pg_views (schemaname, viewname, viewowner, definition) \
         SELECT 'public', relname, NULL, NULL FROM pg_catalog.pg_class WHERE relkind = 'v';",
    )?;
    conn.execute("UPDATE pg_catalog.pg_tables SET tableowner = ?1", [&user])?;
    conn.execute("UPDATE pg_catalog.pg_views SET viewowner = ?1", [&user])?;
    let mut view_def = conn.prepare_cached(
        "UPDATE pg_catalog.pg_views SET definition = (SELECT sql FROM main.sqlite_schema \
         WHERE name = viewname AND type = 'view')",
    )?;
    view_def.execute([])?;
    let mut indexes = conn.prepare_cached(
        "INSERT INTO pg_catalog.pg_indexes (schemaname, tablename, indexname, tablespace, indexdef) \
         VALUES ('public', ?1, ?2, NULL, ?3)",
    )?;
    let mut rows: Vec<(String, String, String)> = Vec::new();
    {
        let mut list = conn.prepare_cached(
            "SELECT t.relname, c.relname, c.oid FROM pg_catalog.pg_index i \
             JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid \
             JOIN pg_catalog.pg_class t ON t.oid = i.indrelid",
        )?;
        let mut q = list.query([])?;
        while let Some(r) = q.next()? {
            let oid: u32 = r.get(2)?;
            rows.push((
                r.get(0)?,
                r.get(1)?,
                state.definitions.get(&oid).cloned().unwrap_or_default(),
            ));
        }
    }
    for (table, index, def) in rows {
        indexes.execute(params![table, index, def])?;
    }
    conn.execute(
        "INSERT INTO information_schema.tables (table_catalog, table_schema, table_name, \
         table_type, is_insertable_into, is_typed) \
         SELECT ?1, 'public', relname, CASE relkind WHEN 'v' THEN 'VIEW' ELSE 'BASE TABLE' END, \
         CASE relkind WHEN 'v' THEN 'NO' ELSE 'YES' END, 'NO' \
         FROM pg_catalog.pg_class WHERE relkind IN ('r', 'v') ORDER BY relname",
        [&database],
    )?;
    conn.execute(
        "INSERT INTO information_schema.views (table_catalog, table_schema, table_name, \
         view_definition, check_option, is_updatable, is_insertable_into, \
         is_trigger_updatable, is_trigger_deletable, is_trigger_insertable_into) \
         SELECT ?1, 'public', viewname, definition, 'NONE', 'NO', 'NO', 'NO', 'NO', 'NO' \
         FROM pg_catalog.pg_views",
        [&database],
    )?;
    conn.execute(
        "INSERT INTO information_schema.columns (table_catalog, table_schema, table_name, \
         column_name, ordinal_position, column_default, is_nullable, data_type, \
         character_maximum_length, numeric_precision, numeric_scale, udt_catalog, udt_schema, \
         udt_name, is_identity, is_generated, is_updatable, dtd_identifier, is_self_referencing) \
         SELECT ?1, 'public', c.relname, a.attname, a.attnum, d.adbin, \
         CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END, \
         CASE WHEN t.typcategory = 'A' THEN 'ARRAY' ELSE format_type(a.atttypid, NULL) END, \
         CASE WHEN a.atttypid IN (1042, 1043) AND a.atttypmod > 4 THEN a.atttypmod - 4 END, \
         CASE WHEN a.atttypid = 1700 AND a.atttypmod > 4 THEN (a.atttypmod - 4) >> 16 \
              WHEN a.atttypid = 21 THEN 16 WHEN a.atttypid = 23 THEN 32 WHEN a.atttypid = 20 THEN 64 \
              WHEN a.atttypid = 700 THEN 24 WHEN a.atttypid = 701 THEN 53 END, \
         CASE WHEN a.atttypid = 1700 AND a.atttypmod > 4 THEN (a.atttypmod - 4) & 65535 \
              WHEN a.atttypid IN (20, 21, 23) THEN 0 END, \
         ?1, 'pg_catalog', t.typname, 'NO', CASE WHEN a.attgenerated = '' THEN 'NEVER' ELSE 'ALWAYS' END, \
         CASE c.relkind WHEN 'v' THEN 'NO' ELSE 'YES' END, a.attnum, 'NO' \
         FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
         LEFT JOIN pg_catalog.pg_type t ON t.oid = a.atttypid \
         LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         WHERE c.relkind IN ('r', 'v') ORDER BY c.relname, a.attnum",
        [&database],
    )?;
    conn.execute(
        "INSERT INTO information_schema.table_constraints (constraint_catalog, \
         constraint_schema, constraint_name, table_catalog, table_schema, table_name, \
         constraint_type, is_deferrable, initially_deferred, enforced, nulls_distinct) \
         SELECT ?1, 'public', k.conname, ?1, 'public', c.relname, \
         CASE k.contype WHEN 'p' THEN 'PRIMARY KEY' WHEN 'u' THEN 'UNIQUE' \
         WHEN 'f' THEN 'FOREIGN KEY' ELSE 'CHECK' END, 'NO', 'NO', 'YES', \
         CASE WHEN k.contype = 'u' THEN 'YES' END \
         FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class c ON c.oid = k.conrelid",
        [&database],
    )?;
    conn.execute(
        "INSERT INTO information_schema.key_column_usage (constraint_catalog, \
         constraint_schema, constraint_name, table_catalog, table_schema, table_name, \
         column_name, ordinal_position, position_in_unique_constraint) \
         SELECT ?1, 'public', k.conname, ?1, 'public', c.relname, a.attname, j.key + 1, \
         CASE WHEN k.contype = 'f' THEN j.key + 1 END \
         FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class c ON c.oid = k.conrelid \
         JOIN json_each('[' || trim(k.conkey, '{}') || ']') j \
         JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = j.value \
         WHERE k.contype IN ('p', 'u', 'f')",
        [&database],
    )?;
    Ok(())
}

/// Reads the user's tables and views with their columns, indexes and constraints.
fn read_relations(conn: &Connection) -> rusqlite::Result<Vec<Relation>> {
    let mut list = conn.prepare_cached(
        "SELECT name, type, coalesce(sql, '') FROM main.sqlite_schema \
         WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
         AND name NOT LIKE 'pgsqlite\\_%' ESCAPE '\\' ORDER BY name",
    )?;
    let found: Vec<(String, String, String)> = list
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut relations = Vec::with_capacity(found.len());
    for (name, kind, sql) in found {
        let columns = read_columns(conn, &name)?;
        let kind = if kind == "view" {
            'v'
        } else if crate::sql::sequence::SequenceDef::from_table_sql(&sql).is_some() {
            'S'
        } else {
            'r'
        };
        let mut rel = Relation {
            kind,
            name,
            sql,
            columns,
            indexes: Vec::new(),
            constraints: Vec::new(),
        };
        if rel.kind == 'r' {
            read_indexes(conn, &mut rel)?;
            read_constraints(conn, &mut rel)?;
        }
        relations.push(rel);
    }
    add_serial_sequences(&mut relations);
    Ok(relations)
}

/// The sequence of each `serial` key, as PostgreSQL lists it: a table whose integer
/// primary key counts with `AUTOINCREMENT` has a sequence `<table>_<column>_seq` (the
/// name `nextval` and `pg_get_serial_sequence` take, see `executor/sequences.rs`), and
/// the column shows its `nextval(...)` default. The sequence has no SQL of its own: it is
/// the table's `sqlite_sequence` counter.
fn add_serial_sequences(relations: &mut Vec<Relation>) {
    let mut sequences = Vec::new();
    for rel in relations.iter_mut() {
        if rel.kind != 'r' || !rel.sql.to_ascii_uppercase().contains("AUTOINCREMENT") {
            continue;
        }
        let mut keys = rel.columns.iter_mut().filter(|c| c.pk > 0);
        let (Some(key), None) = (keys.next(), keys.next()) else {
            continue;
        };
        let name = format!("{}_{}_seq", rel.name, key.name);
        if key.default.is_none() {
            key.default = Some(format!(
                "nextval('{}'::regclass)",
                quote_ident(&name).replace('\'', "''")
            ));
        }
        sequences.push(name);
    }
    for name in sequences {
        if relations.iter().any(|r| r.name.eq_ignore_ascii_case(&name)) {
            continue;
        }
        let column = |name: &str, declared: &str| ColumnRow {
            name: name.to_string(),
            declared: declared.to_string(),
            not_null: true,
            default: None,
            pk: 0,
            hidden: 0,
        };
        relations.push(Relation {
            name,
            kind: 'S',
            sql: String::new(),
            columns: vec![
                column("last_value", "bigint"),
                column("log_cnt", "bigint"),
                column("is_called", "boolean"),
            ],
            indexes: Vec::new(),
            constraints: Vec::new(),
        });
    }
}

fn read_columns(conn: &Connection, table: &str) -> rusqlite::Result<Vec<ColumnRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM main.pragma_table_xinfo(?1) \
         WHERE hidden <> 1 ORDER BY cid",
    )?;
    stmt.query_map([table], |r| {
        Ok(ColumnRow {
            name: r.get(0)?,
            declared: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
            not_null: r.get(2)?,
            default: r.get(3)?,
            pk: r.get(4)?,
            hidden: r.get(5)?,
        })
    })?
    .collect()
}

fn attnum(rel: &Relation, column: &str) -> i64 {
    rel.columns
        .iter()
        .position(|c| c.name.eq_ignore_ascii_case(column))
        .map_or(0, |i| i as i64 + 1)
}

fn read_indexes(conn: &Connection, rel: &mut Relation) -> rusqlite::Result<()> {
    let mut list = conn.prepare_cached(
        "SELECT name, \"unique\", origin, partial FROM main.pragma_index_list(?1) ORDER BY seq",
    )?;
    let found: Vec<(String, bool, String, bool)> = list
        .query_map([&rel.name], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<Result<_, _>>()?;
    let mut keys_of = conn.prepare_cached(
        "SELECT cid, name, \"desc\" FROM main.pragma_index_xinfo(?1) WHERE key ORDER BY seqno",
    )?;
    let mut index_sql = conn
        .prepare_cached("SELECT sql FROM main.sqlite_schema WHERE type = 'index' AND name = ?1")?;
    // A rowid table's INTEGER PRIMARY KEY has no index of its own in SQLite.
    let pk: Vec<&ColumnRow> = rel.columns.iter().filter(|c| c.pk > 0).collect();
    if pk.len() == 1
        && oid_from_type_name(&pk[0].declared) != oid::UNSPECIFIED
        && pk[0].declared.eq_ignore_ascii_case("integer")
        && !found.iter().any(|f| f.2 == "pk")
    {
        rel.indexes.push(IndexRow {
            name: format!("{}_pkey", rel.name),
            unique: true,
            origin: "pk".into(),
            keys: vec![(attnum(rel, &pk[0].name), pk[0].name.clone(), false)],
            predicate: None,
        });
    }
    for (sqlite_name, unique, origin, partial) in found {
        let mut keys = Vec::new();
        let created: Option<String> = index_sql
            .query_row([&sqlite_name], |r| r.get(0))
            .ok()
            .flatten();
        let expressions = created
            .as_deref()
            .map(index_expressions)
            .unwrap_or_default();
        let mut expression = expressions.into_iter();
        let rows: Vec<(i64, Option<String>, bool)> = keys_of
            .query_map([&sqlite_name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        for (cid, name, desc) in rows {
            match name {
                Some(name) if cid >= 0 => keys.push((cid + 1, name, desc)),
                _ => keys.push((0, expression.next().unwrap_or_default(), desc)),
            }
        }
        let column_names: Vec<&str> = keys.iter().map(|k| k.1.as_str()).collect();
        let name = match origin.as_str() {
            "pk" => format!("{}_pkey", rel.name),
            "u" => format!("{}_{}_key", rel.name, column_names.join("_")),
            _ => sqlite_name.clone(),
        };
        let predicate = if partial {
            created.as_deref().and_then(index_predicate)
        } else {
            None
        };
        rel.indexes.push(IndexRow {
            name,
            unique,
            origin,
            keys,
            predicate,
        });
    }
    Ok(())
}

/// The key expressions of a `CREATE INDEX` statement, as written.
fn index_expressions(sql: &str) -> Vec<String> {
    match Parser::parse_sql(&SQLiteDialect {}, sql).ok().as_deref() {
        Some([Statement::CreateIndex(create)]) => create
            .columns
            .iter()
            .map(|c| c.column.expr.to_string())
            .collect(),
        _ => Vec::new(),
    }
}

/// The `WHERE` of a partial index.
fn index_predicate(sql: &str) -> Option<String> {
    match Parser::parse_sql(&SQLiteDialect {}, sql).ok().as_deref() {
        Some([Statement::CreateIndex(create)]) => {
            create.predicate.as_ref().map(|p| format!("({p})"))
        }
        _ => None,
    }
}

fn read_constraints(conn: &Connection, rel: &mut Relation) -> rusqlite::Result<()> {
    // Names and CHECK expressions are only in the CREATE TABLE text.
    let mut named: Vec<(String, Vec<String>, char)> = Vec::new();
    let mut checks: Vec<(Option<String>, Expr)> = Vec::new();
    if let Ok(statements) = Parser::parse_sql(&SQLiteDialect {}, &rel.sql)
        && let [Statement::CreateTable(create)] = statements.as_slice()
    {
        for column in &create.columns {
            for option in &column.options {
                let name = option.name.as_ref().map(|n| n.value.clone());
                let column_name = vec![column.name.value.clone()];
                match &option.option {
                    ColumnOption::Check(check) => checks.push((
                        name.or(check.name.as_ref().map(|n| n.value.clone())),
                        (*check.expr).clone(),
                    )),
                    ColumnOption::PrimaryKey(_) => {
                        if let Some(name) = name {
                            named.push((name, column_name, 'p'));
                        }
                    }
                    ColumnOption::Unique(_) => {
                        if let Some(name) = name {
                            named.push((name, column_name, 'u'));
                        }
                    }
                    ColumnOption::ForeignKey(_) => {
                        if let Some(name) = name {
                            named.push((name, column_name, 'f'));
                        }
                    }
                    _ => {}
                }
            }
        }
        let index_columns = |columns: &[sqlparser::ast::IndexColumn]| -> Vec<String> {
            columns.iter().map(|c| c.column.expr.to_string()).collect()
        };
        for constraint in &create.constraints {
            match constraint {
                TableConstraint::Check(c) => {
                    checks.push((c.name.as_ref().map(|n| n.value.clone()), (*c.expr).clone()))
                }
                TableConstraint::PrimaryKey(c) => {
                    if let Some(name) = &c.name {
                        named.push((name.value.clone(), index_columns(&c.columns), 'p'));
                    }
                }
                TableConstraint::Unique(c) => {
                    if let Some(name) = &c.name {
                        named.push((name.value.clone(), index_columns(&c.columns), 'u'));
                    }
                }
                TableConstraint::ForeignKey(c) => {
                    if let Some(name) = &c.name {
                        let columns = c.columns.iter().map(|i| i.value.clone()).collect();
                        named.push((name.value.clone(), columns, 'f'));
                    }
                }
                _ => {}
            }
        }
    }
    let given_name = |kind: char, columns: &[String]| {
        named
            .iter()
            .find(|(_, cols, k)| {
                *k == kind
                    && cols.len() == columns.len()
                    && cols
                        .iter()
                        .zip(columns)
                        .all(|(a, b)| a.eq_ignore_ascii_case(b))
            })
            .map(|(n, _, _)| n.clone())
    };
    let mut constraints = Vec::new();
    for (i, index) in rel.indexes.iter_mut().enumerate() {
        let kind = match index.origin.as_str() {
            "pk" => 'p',
            "u" => 'u',
            _ => continue,
        };
        let columns: Vec<String> = index.keys.iter().map(|k| k.1.clone()).collect();
        if let Some(name) = given_name(kind, &columns) {
            index.name = name;
        }
        let keyword = if kind == 'p' { "PRIMARY KEY" } else { "UNIQUE" };
        constraints.push(ConstraintRow {
            name: index.name.clone(),
            kind,
            keys: index.keys.iter().map(|k| k.0).collect(),
            index: Some(i),
            definition: format!("{keyword} ({})", columns.join(", ")),
            references: None,
            check: None,
        });
    }
    for (name, expr) in checks {
        let text = strip_parens(&expr).to_string();
        let first_column = referenced_column(&expr, rel);
        let name = name.unwrap_or_else(|| match &first_column {
            Some(column) => format!("{}_{column}_check", rel.name),
            None => format!("{}_check", rel.name),
        });
        constraints.push(ConstraintRow {
            name,
            kind: 'c',
            keys: first_column.iter().map(|c| attnum(rel, c)).collect(),
            index: None,
            definition: format!("CHECK ({text})"),
            references: None,
            check: Some(text),
        });
    }
    let mut fks = conn.prepare_cached(
        "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete \
         FROM main.pragma_foreign_key_list(?1) ORDER BY id, seq",
    )?;
    type FkRow = (i64, String, String, Option<String>, String, String);
    let rows: Vec<FkRow> = fks
        .query_map([&rel.name], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    let mut pk_of = conn
        .prepare_cached("SELECT name FROM main.pragma_table_info(?1) WHERE pk > 0 ORDER BY pk")?;
    let mut ref_attnum =
        conn.prepare_cached("SELECT cid + 1 FROM main.pragma_table_info(?1) WHERE name = ?2")?;
    let mut i = 0;
    while i < rows.len() {
        let id = rows[i].0;
        let group: Vec<&FkRow> = rows[i..].iter().take_while(|r| r.0 == id).collect();
        i += group.len();
        let table = group[0].1.clone();
        let from: Vec<String> = group.iter().map(|r| r.2.clone()).collect();
        let mut to: Vec<String> = group.iter().filter_map(|r| r.3.clone()).collect();
        if to.len() != from.len() {
            to = pk_of
                .query_map([&table], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
        }
        let to_nums: Vec<i64> = to
            .iter()
            .map(|c| ref_attnum.query_row([&table, c], |r| r.get(0)).unwrap_or(0))
            .collect();
        let action = |a: &str| match a.to_ascii_uppercase().as_str() {
            "CASCADE" => ('c', " CASCADE"),
            "SET NULL" => ('n', " SET NULL"),
            "SET DEFAULT" => ('d', " SET DEFAULT"),
            "RESTRICT" => ('r', " RESTRICT"),
            _ => ('a', ""),
        };
        let (upd, upd_text) = action(&group[0].4);
        let (del, del_text) = action(&group[0].5);
        let mut definition = format!(
            "FOREIGN KEY ({}) REFERENCES {}({})",
            from.join(", "),
            quote_ident(&table),
            to.join(", ")
        );
        if !upd_text.is_empty() {
            definition.push_str(&format!(" ON UPDATE{upd_text}"));
        }
        if !del_text.is_empty() {
            definition.push_str(&format!(" ON DELETE{del_text}"));
        }
        let name = given_name('f', &from)
            .unwrap_or_else(|| format!("{}_{}_fkey", rel.name, from.join("_")));
        constraints.push(ConstraintRow {
            name,
            kind: 'f',
            keys: from.iter().map(|c| attnum(rel, c)).collect(),
            index: None,
            definition,
            references: Some((table, to_nums, upd, del)),
            check: None,
        });
    }
    rel.constraints = constraints;
    Ok(())
}

/// An expression without its outer parentheses.
fn strip_parens(expr: &Expr) -> &Expr {
    match expr {
        Expr::Nested(inner) => strip_parens(inner),
        other => other,
    }
}

/// The first of the table's columns an expression names.
fn referenced_column(expr: &Expr, rel: &Relation) -> Option<String> {
    use std::ops::ControlFlow;
    let mut found = None;
    let _ = sqlparser::ast::visit_expressions(expr, |e| {
        if let Expr::Identifier(id) = e
            && let Some(col) = rel
                .columns
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(&id.value))
        {
            found = Some(col.name.clone());
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    });
    found
}

/// `{1,2}`: an int2[] value in PostgreSQL's text form.
fn int_array(values: &[i64]) -> String {
    let items: Vec<String> = values.iter().map(i64::to_string).collect();
    format!("{{{}}}", items.join(","))
}

/// The type of a column declared as `declared`; an untyped column is text.
/// The input type of the btree operator class PostgreSQL picks for a column of type
/// `ty`: `text` for `varchar` (binary coercible), `anyarray` for arrays, else `ty`.
fn opclass_input_type(ty: Oid) -> Oid {
    if crate::protocol::types::element_of(ty).is_some() {
        oid::ANYARRAY
    } else if ty == oid::VARCHAR {
        oid::TEXT
    } else {
        ty
    }
}

fn column_type(declared: &str) -> Oid {
    if declared.trim().is_empty() {
        return oid::TEXT;
    }
    oid_from_type_name(declared)
}

/// `atttypmod`: the length of `varchar(n)`/`char(n)` plus 4, `numeric(p,s)` packed as
/// PostgreSQL packs it, the precision of `timestamp(p)`; -1 without a modifier.
fn type_modifier(declared: &str, ty: Oid) -> i64 {
    let Some(args) = declared
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(args, _)| args)
    else {
        return -1;
    };
    let numbers: Vec<i64> = args
        .split(',')
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    match (ty, numbers.as_slice()) {
        (oid::VARCHAR | oid::BPCHAR, [n]) => n + 4,
        (oid::NUMERIC, [p]) => (p << 16) + 4,
        (oid::NUMERIC, [p, s]) => ((p << 16) | s) + 4,
        (oid::TIMESTAMP | oid::TIMESTAMPTZ | oid::TIME | oid::TIMETZ | oid::INTERVAL, [p]) => *p,
        _ => -1,
    }
}

/// A column default as PostgreSQL shows it: string literals carry their type
/// (`'x'::text`), the parentheses SQLite needs around expressions are dropped.
fn render_default(default: &str, ty: Oid) -> String {
    let mut text = default.trim();
    while text.starts_with('(') && text.ends_with(')') && balanced(&text[1..text.len() - 1]) {
        text = text[1..text.len() - 1].trim();
    }
    if text.starts_with('\'') && text.ends_with('\'') && text.len() >= 2 {
        return format!("{text}::{}", sql_type_name(ty));
    }
    match text.to_ascii_lowercase().as_str() {
        "true" | "false" => text.to_ascii_lowercase(),
        "current_timestamp" => "CURRENT_TIMESTAMP".to_string(),
        _ => text.to_string(),
    }
}

fn balanced(text: &str) -> bool {
    let mut depth = 0i32;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// An identifier as PostgreSQL prints it: quoted unless lower-case and plain.
pub fn quote_ident(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modifiers_and_defaults_read_as_postgresql_shows_them() {
        assert_eq!(type_modifier("varchar(100)", oid::VARCHAR), 104);
        assert_eq!(type_modifier("NUMERIC(10,2)", oid::NUMERIC), 655_366);
        assert_eq!(type_modifier("text", oid::TEXT), -1);
        assert_eq!(render_default("'untitled'", oid::TEXT), "'untitled'::text");
        assert_eq!(render_default("(now())", oid::TIMESTAMPTZ), "now()");
        assert_eq!(render_default("FALSE", oid::BOOL), "false");
        assert_eq!(quote_ident("books"), "books");
        assert_eq!(quote_ident("Books"), "\"Books\"");
    }
}
