//! PostgreSQL type OIDs, format codes, and the mapping from declared (SQL) type names to OIDs.
//!
//! The OIDs are PostgreSQL's built-in catalog values (`pg_type.oid`), which every driver
//! hard-codes; the table below lists only the types pgsqlite encodes and decodes.

/// A PostgreSQL object identifier; here always a type OID.
pub type Oid = u32;

/// Built-in type OIDs.
pub mod oid {
    use super::Oid;
    /// Type not known (a parameter nothing tells us about).
    pub const UNSPECIFIED: Oid = 0;
    /// `bool`
    pub const BOOL: Oid = 16;
    /// `bytea`
    pub const BYTEA: Oid = 17;
    /// `name`
    pub const NAME: Oid = 19;
    /// `int8` / `bigint`
    pub const INT8: Oid = 20;
    /// `int2` / `smallint`
    pub const INT2: Oid = 21;
    /// `int4` / `integer`
    pub const INT4: Oid = 23;
    /// `text`
    pub const TEXT: Oid = 25;
    /// `oid`
    pub const OID: Oid = 26;
    /// `json`
    pub const JSON: Oid = 114;
    /// `float4` / `real`
    pub const FLOAT4: Oid = 700;
    /// `float8` / `double precision`
    pub const FLOAT8: Oid = 701;
    /// `unknown` (untyped literal)
    pub const UNKNOWN: Oid = 705;
    /// `bpchar` / `char(n)`
    pub const BPCHAR: Oid = 1042;
    /// `varchar`
    pub const VARCHAR: Oid = 1043;
    /// `date`
    pub const DATE: Oid = 1082;
    /// `time`
    pub const TIME: Oid = 1083;
    /// `timestamp`
    pub const TIMESTAMP: Oid = 1114;
    /// `timestamptz`
    pub const TIMESTAMPTZ: Oid = 1184;
    /// `interval`
    pub const INTERVAL: Oid = 1186;
    /// `timetz` / `time with time zone`
    pub const TIMETZ: Oid = 1266;
    /// `regtype`
    pub const REGTYPE: Oid = 2206;
    /// `numeric`
    pub const NUMERIC: Oid = 1700;
    /// `void`
    pub const VOID: Oid = 2278;
    /// `uuid`
    pub const UUID: Oid = 2950;
    /// `jsonb`
    pub const JSONB: Oid = 3802;
    /// `bool[]`
    pub const BOOL_ARRAY: Oid = 1000;
    /// `bytea[]`
    pub const BYTEA_ARRAY: Oid = 1001;
    /// `name[]`
    pub const NAME_ARRAY: Oid = 1003;
    /// `int2[]`
    pub const INT2_ARRAY: Oid = 1005;
    /// `int4[]`
    pub const INT4_ARRAY: Oid = 1007;
    /// `text[]`
    pub const TEXT_ARRAY: Oid = 1009;
    /// `bpchar[]`
    pub const BPCHAR_ARRAY: Oid = 1014;
    /// `varchar[]`
    pub const VARCHAR_ARRAY: Oid = 1015;
    /// `int8[]`
    pub const INT8_ARRAY: Oid = 1016;
    /// `float4[]`
    pub const FLOAT4_ARRAY: Oid = 1021;
    /// `float8[]`
    pub const FLOAT8_ARRAY: Oid = 1022;
    /// `oid[]`
    pub const OID_ARRAY: Oid = 1028;
    /// `timestamp[]`
    pub const TIMESTAMP_ARRAY: Oid = 1115;
    /// `date[]`
    pub const DATE_ARRAY: Oid = 1182;
    /// `time[]`
    pub const TIME_ARRAY: Oid = 1183;
    /// `timestamptz[]`
    pub const TIMESTAMPTZ_ARRAY: Oid = 1185;
    /// `numeric[]`
    pub const NUMERIC_ARRAY: Oid = 1231;
    /// `json[]`
    pub const JSON_ARRAY: Oid = 199;
    /// `uuid[]`
    pub const UUID_ARRAY: Oid = 2951;
    /// `jsonb[]`
    pub const JSONB_ARRAY: Oid = 3807;
    /// `"char"`: the one-byte type of catalog flags (`relkind`).
    pub const CHAR: Oid = 18;
    /// `"char"[]`
    pub const CHAR_ARRAY: Oid = 1002;
    /// `int2vector` (`pg_index.indkey`).
    pub const INT2VECTOR: Oid = 22;
    /// `regproc`: a function, by name.
    pub const REGPROC: Oid = 24;
    /// `xid`: a transaction id.
    pub const XID: Oid = 28;
    /// `oidvector` (`pg_index.indclass`).
    pub const OIDVECTOR: Oid = 30;
    /// `pg_node_tree`: a stored expression (`pg_attrdef.adbin`).
    pub const PG_NODE_TREE: Oid = 194;
    /// `aclitem[]`: access privileges.
    pub const ACLITEM_ARRAY: Oid = 1034;
    /// `regclass`: a relation, by name.
    pub const REGCLASS: Oid = 2205;
    /// `regnamespace`: a schema, by name.
    pub const REGNAMESPACE: Oid = 4089;
    /// `regrole`: a role, by name.
    pub const REGROLE: Oid = 4096;
    /// `anyarray`: the pseudo-type of statistics columns.
    pub const ANYARRAY: Oid = 2277;
}

/// Element and array type OIDs of the array types pgsqlite knows.
const ARRAY_TYPES: [(Oid, Oid); 20] = [
    (oid::BOOL, oid::BOOL_ARRAY),
    (oid::BYTEA, oid::BYTEA_ARRAY),
    (oid::NAME, oid::NAME_ARRAY),
    (oid::INT2, oid::INT2_ARRAY),
    (oid::INT4, oid::INT4_ARRAY),
    (oid::TEXT, oid::TEXT_ARRAY),
    (oid::BPCHAR, oid::BPCHAR_ARRAY),
    (oid::VARCHAR, oid::VARCHAR_ARRAY),
    (oid::INT8, oid::INT8_ARRAY),
    (oid::FLOAT4, oid::FLOAT4_ARRAY),
    (oid::FLOAT8, oid::FLOAT8_ARRAY),
    (oid::OID, oid::OID_ARRAY),
    (oid::TIMESTAMP, oid::TIMESTAMP_ARRAY),
    (oid::DATE, oid::DATE_ARRAY),
    (oid::TIME, oid::TIME_ARRAY),
    (oid::TIMESTAMPTZ, oid::TIMESTAMPTZ_ARRAY),
    (oid::NUMERIC, oid::NUMERIC_ARRAY),
    (oid::JSON, oid::JSON_ARRAY),
    (oid::UUID, oid::UUID_ARRAY),
    (oid::JSONB, oid::JSONB_ARRAY),
];

/// The array type whose elements are `element` (`int4` gives `int4[]`, 1007).
pub fn array_of(element: Oid) -> Option<Oid> {
    ARRAY_TYPES
        .iter()
        .find(|(e, _)| *e == element)
        .map(|(_, a)| *a)
}

/// The element type of an array type (`int4[]` gives `int4`); `None` for other types.
pub fn element_of(array: Oid) -> Option<Oid> {
    ARRAY_TYPES
        .iter()
        .find(|(_, a)| *a == array)
        .map(|(e, _)| *e)
}

/// The element type that subscripts and `unnest` read from a value of type `ty`: an
/// array's element type, or for the catalog's vector types `int2` (`int2vector`) and
/// `oid` (`oidvector`).
pub fn subscript_element_of(ty: Oid) -> Option<Oid> {
    match ty {
        oid::INT2VECTOR => Some(oid::INT2),
        oid::OIDVECTOR => Some(oid::OID),
        _ => element_of(ty),
    }
}

/// The format code of a parameter or result column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Format {
    /// Text format (code 0).
    #[default]
    Text,
    /// Binary format (code 1).
    Binary,
}

impl Format {
    /// The wire code: 0 for text, 1 for binary.
    pub fn code(self) -> i16 {
        match self {
            Format::Text => 0,
            Format::Binary => 1,
        }
    }

    /// Parses a wire format code; `None` for anything but 0 and 1.
    pub fn from_code(code: i16) -> Option<Format> {
        match code {
            0 => Some(Format::Text),
            1 => Some(Format::Binary),
            _ => None,
        }
    }
}

/// `pg_type.typlen` of a type: its fixed size in bytes, or -1 for variable length.
pub fn type_len(ty: Oid) -> i16 {
    match ty {
        oid::BOOL => 1,
        oid::INT2 => 2,
        oid::INT4 | oid::OID | oid::FLOAT4 | oid::DATE => 4,
        oid::INT8 | oid::FLOAT8 | oid::TIME | oid::TIMESTAMP | oid::TIMESTAMPTZ => 8,
        oid::UUID | oid::INTERVAL => 16,
        oid::TIMETZ => 12,
        oid::REGTYPE => 4,
        oid::NAME => 64,
        oid::VOID => 4,
        _ => -1,
    }
}

/// The PostgreSQL name of a supported type (`pg_type.typname`).
pub fn type_name(ty: Oid) -> &'static str {
    match ty {
        oid::BOOL => "bool",
        oid::BYTEA => "bytea",
        oid::NAME => "name",
        oid::INT8 => "int8",
        oid::INT2 => "int2",
        oid::INT4 => "int4",
        oid::TEXT => "text",
        oid::OID => "oid",
        oid::JSON => "json",
        oid::FLOAT4 => "float4",
        oid::FLOAT8 => "float8",
        oid::UNKNOWN => "unknown",
        oid::BPCHAR => "bpchar",
        oid::VARCHAR => "varchar",
        oid::DATE => "date",
        oid::TIME => "time",
        oid::TIMESTAMP => "timestamp",
        oid::TIMESTAMPTZ => "timestamptz",
        oid::INTERVAL => "interval",
        oid::TIMETZ => "timetz",
        oid::REGTYPE => "regtype",
        oid::NUMERIC => "numeric",
        oid::VOID => "void",
        oid::UUID => "uuid",
        oid::JSONB => "jsonb",
        oid::BOOL_ARRAY => "_bool",
        oid::BYTEA_ARRAY => "_bytea",
        oid::NAME_ARRAY => "_name",
        oid::INT2_ARRAY => "_int2",
        oid::INT4_ARRAY => "_int4",
        oid::TEXT_ARRAY => "_text",
        oid::BPCHAR_ARRAY => "_bpchar",
        oid::VARCHAR_ARRAY => "_varchar",
        oid::INT8_ARRAY => "_int8",
        oid::FLOAT4_ARRAY => "_float4",
        oid::FLOAT8_ARRAY => "_float8",
        oid::OID_ARRAY => "_oid",
        oid::TIMESTAMP_ARRAY => "_timestamp",
        oid::DATE_ARRAY => "_date",
        oid::TIME_ARRAY => "_time",
        oid::TIMESTAMPTZ_ARRAY => "_timestamptz",
        oid::NUMERIC_ARRAY => "_numeric",
        oid::JSON_ARRAY => "_json",
        oid::UUID_ARRAY => "_uuid",
        oid::JSONB_ARRAY => "_jsonb",
        oid::CHAR => "char",
        oid::CHAR_ARRAY => "_char",
        oid::INT2VECTOR => "int2vector",
        oid::REGPROC => "regproc",
        oid::XID => "xid",
        oid::OIDVECTOR => "oidvector",
        oid::PG_NODE_TREE => "pg_node_tree",
        oid::ACLITEM_ARRAY => "_aclitem",
        oid::REGCLASS => "regclass",
        oid::REGNAMESPACE => "regnamespace",
        oid::REGROLE => "regrole",
        oid::ANYARRAY => "anyarray",
        _ => "unknown",
    }
}

/// The name `regtype` output (and `format_type`) gives a type: `integer`, `bigint`,
/// `timestamp with time zone`.
pub fn sql_type_name(ty: Oid) -> &'static str {
    match ty {
        oid::BOOL => "boolean",
        oid::INT2 => "smallint",
        oid::INT4 => "integer",
        oid::INT8 => "bigint",
        oid::FLOAT4 => "real",
        oid::FLOAT8 => "double precision",
        oid::VARCHAR => "character varying",
        oid::BPCHAR => "character",
        oid::TIME => "time without time zone",
        oid::TIMESTAMP => "timestamp without time zone",
        oid::TIMESTAMPTZ => "timestamp with time zone",
        oid::BOOL_ARRAY => "boolean[]",
        oid::BYTEA_ARRAY => "bytea[]",
        oid::INT2_ARRAY => "smallint[]",
        oid::INT4_ARRAY => "integer[]",
        oid::INT8_ARRAY => "bigint[]",
        oid::TEXT_ARRAY => "text[]",
        oid::VARCHAR_ARRAY => "character varying[]",
        oid::BPCHAR_ARRAY => "character[]",
        oid::FLOAT4_ARRAY => "real[]",
        oid::FLOAT8_ARRAY => "double precision[]",
        oid::NUMERIC_ARRAY => "numeric[]",
        oid::DATE_ARRAY => "date[]",
        oid::TIMESTAMP_ARRAY => "timestamp without time zone[]",
        oid::TIMESTAMPTZ_ARRAY => "timestamp with time zone[]",
        oid::UUID_ARRAY => "uuid[]",
        oid::JSON_ARRAY => "json[]",
        oid::JSONB_ARRAY => "jsonb[]",
        oid::CHAR => "\"char\"",
        other => type_name(other),
    }
}

/// Maps a declared column type or cast target (`"VARCHAR(20)"`, `"double precision"`,
/// `"timestamp with time zone"`, `"INTEGER"`) to a type OID.
///
/// PostgreSQL spellings map to their type. Anything else falls back to SQLite's
/// column-affinity rules (section 3.1 of SQLite's "Datatypes" page), so that tables
/// created outside pgsqlite still get sensible types: an `INT`-containing name is an
/// integer (int8, since SQLite integers are 64-bit), a `CHAR`/`CLOB`/`TEXT` name is
/// text, `BLOB` (or no type) is bytea, `REAL`/`FLOA`/`DOUB` is float8, the rest numeric.
/// A name ending in `[]` (`text[]`, `int[]`, `varchar(10)[]`) is the array of its element
/// type where PostgreSQL has one.
pub fn oid_from_type_name(declared: &str) -> Oid {
    let trimmed = declared.trim();
    match trimmed {
        "\"char\"[]" => return oid::CHAR_ARRAY,
        "aclitem[]" => return oid::ACLITEM_ARRAY,
        _ => {}
    }
    if let Some(element) = trimmed.strip_suffix("[]") {
        let element = element.trim_end().trim_end_matches("[]");
        if let Some(array) = array_of(scalar_oid_from_type_name(element)) {
            return array;
        }
    }
    scalar_oid_from_type_name(trimmed)
}

/// The type a PostgreSQL type name (`integer`, `varchar(10)`, `pg_catalog.int4`,
/// `text[]`) names, without SQLite's affinity fallback: `None` for a name pgsqlite does
/// not know as a type (`to_regtype` answers NULL for it).
pub fn known_type_oid(name: &str) -> Option<Oid> {
    let trimmed = name.trim();
    if let Some(element) = trimmed.strip_suffix("[]") {
        let element = element.trim_end().trim_end_matches("[]");
        return known_scalar_oid(element).and_then(array_of);
    }
    known_scalar_oid(trimmed)
}

fn known_scalar_oid(trimmed: &str) -> Option<Oid> {
    let mut lower = [0u8; 48];
    named_oid(normalized_type_name(trimmed, &mut lower)?)
}

/// `trimmed` without a type modifier or array brackets, lowercased into `buf` with runs
/// of whitespace collapsed and a `pg_catalog.` qualifier dropped; `None` when it is
/// empty or too long for `buf`.
fn normalized_type_name<'a>(trimmed: &str, buf: &'a mut [u8; 48]) -> Option<&'a str> {
    let base = trimmed.split(['(', '[']).next().unwrap_or("").trim();
    if base.is_empty() || base.len() > buf.len() {
        return None;
    }
    let mut len = 0;
    let mut last_space = false;
    for b in base.bytes() {
        let b = b.to_ascii_lowercase();
        let is_space = b.is_ascii_whitespace();
        if is_space && last_space {
            continue;
        }
        buf[len] = if is_space { b' ' } else { b };
        len += 1;
        last_space = is_space;
    }
    let name = std::str::from_utf8(&buf[..len]).ok()?;
    Some(name.strip_prefix("pg_catalog.").unwrap_or(name))
}

fn scalar_oid_from_type_name(trimmed: &str) -> Oid {
    let base = trimmed.split(['(', '[']).next().unwrap_or("").trim();
    if base.is_empty() {
        return oid::BYTEA;
    }
    let mut lower = [0u8; 48];
    match normalized_type_name(trimmed, &mut lower) {
        Some(name) => named_oid(name).unwrap_or_else(|| affinity_oid(name)),
        None => affinity_oid(base),
    }
}

/// The type a normalized name spells: PostgreSQL's names and SQLite's common ones.
fn named_oid(name: &str) -> Option<Oid> {
    Some(match name {
        "bool" | "boolean" => oid::BOOL,
        "bytea" => oid::BYTEA,
        "name" => oid::NAME,
        "int8" | "bigint" | "bigserial" | "serial8" => oid::INT8,
        "int2" | "smallint" | "smallserial" | "serial2" => oid::INT2,
        "int4" | "int" | "integer" | "serial" | "serial4" | "mediumint" => oid::INT4,
        "text" | "clob" | "string" => oid::TEXT,
        "oid" => oid::OID,
        "json" => oid::JSON,
        "float4" => oid::FLOAT4,
        // SQLite stores REAL as an 8-byte float, so `real` reads back as float8.
        "float8" | "double precision" | "double" | "float" | "real" => oid::FLOAT8,
        "char" | "character" | "bpchar" | "nchar" => oid::BPCHAR,
        "varchar" | "character varying" | "nvarchar" | "varying character" => oid::VARCHAR,
        "date" => oid::DATE,
        "time" | "time without time zone" => oid::TIME,
        "timestamp" | "timestamp without time zone" | "datetime" => oid::TIMESTAMP,
        "timestamptz" | "timestamp with time zone" => oid::TIMESTAMPTZ,
        "numeric" | "decimal" => oid::NUMERIC,
        "interval" => oid::INTERVAL,
        "timetz" | "time with time zone" => oid::TIMETZ,
        "uuid" => oid::UUID,
        "jsonb" => oid::JSONB,
        "blob" => oid::BYTEA,
        "unknown" => oid::UNKNOWN,
        "void" => oid::VOID,
        "\"char\"" => oid::CHAR,
        "int2vector" => oid::INT2VECTOR,
        "regproc" => oid::REGPROC,
        "xid" => oid::XID,
        "oidvector" => oid::OIDVECTOR,
        "pg_node_tree" => oid::PG_NODE_TREE,
        "regclass" => oid::REGCLASS,
        "regtype" => oid::REGTYPE,
        "regnamespace" => oid::REGNAMESPACE,
        "regrole" => oid::REGROLE,
        "anyarray" => oid::ANYARRAY,
        _ => return None,
    })
}

/// SQLite's affinity rules applied to an unrecognised type name.
fn affinity_oid(name: &str) -> Oid {
    let has = |needle: &str| {
        name.as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
    };
    if has("int") {
        oid::INT8
    } else if has("char") || has("clob") || has("text") {
        oid::TEXT
    } else if has("blob") {
        oid::BYTEA
    } else if has("real") || has("floa") || has("doub") {
        oid::FLOAT8
    } else {
        oid::NUMERIC
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_spellings() {
        assert_eq!(oid_from_type_name("INTEGER"), oid::INT4);
        assert_eq!(oid_from_type_name("bigint"), oid::INT8);
        assert_eq!(oid_from_type_name("VARCHAR(20)"), oid::VARCHAR);
        assert_eq!(oid_from_type_name("double  precision"), oid::FLOAT8);
        assert_eq!(
            oid_from_type_name("timestamp with time zone"),
            oid::TIMESTAMPTZ
        );
        assert_eq!(oid_from_type_name("numeric(10,2)"), oid::NUMERIC);
        assert_eq!(oid_from_type_name("pg_catalog.int4"), oid::INT4);
        assert_eq!(oid_from_type_name("text[]"), oid::TEXT_ARRAY);
        assert_eq!(oid_from_type_name("INT[]"), oid::INT4_ARRAY);
        assert_eq!(oid_from_type_name("varchar(10)[]"), oid::VARCHAR_ARRAY);
        assert_eq!(oid_from_type_name("numeric(10,2)[][]"), oid::NUMERIC_ARRAY);
        assert_eq!(element_of(oid::INT8_ARRAY), Some(oid::INT8));
    }

    #[test]
    fn sqlite_affinity_fallback() {
        assert_eq!(oid_from_type_name("UNSIGNED BIG INT"), oid::INT8);
        assert_eq!(oid_from_type_name("NATIVE CHARACTER(70)"), oid::TEXT);
        assert_eq!(oid_from_type_name("BLOB"), oid::BYTEA);
        assert_eq!(oid_from_type_name(""), oid::BYTEA);
        assert_eq!(oid_from_type_name("REAL"), oid::FLOAT8);
        assert_eq!(oid_from_type_name("float4"), oid::FLOAT4);
        // SQLite checks for "INT" first: "FLOATING POINT" has integer affinity.
        assert_eq!(oid_from_type_name("FLOATING POINT"), oid::INT8);
        assert_eq!(oid_from_type_name("LONG DOUBLE"), oid::FLOAT8);
        assert_eq!(oid_from_type_name("BOOLEANISH"), oid::NUMERIC);
    }

    #[test]
    fn formats() {
        assert_eq!(Format::from_code(1), Some(Format::Binary));
        assert_eq!(Format::from_code(2), None);
        assert_eq!(Format::Text.code(), 0);
    }
}
