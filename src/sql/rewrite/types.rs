//! The PostgreSQL type of an expression, as far as the statement alone tells it: enough
//! for the rewriter to choose PostgreSQL's meaning of an operator (`date + integer` adds
//! days, `integer / integer` truncates).

use crate::protocol::types::{Oid, array_of, element_of, oid, oid_from_type_name};
use smallvec::SmallVec;
use sqlparser::ast::{
    AccessExpr, ArrayElemTypeDef, BinaryOperator, DataType, Expr, Function, FunctionArg,
    FunctionArgExpr, FunctionArguments, SelectItem, SetExpr, Statement, Subscript, UnaryOperator,
    Value,
};

/// The type a written type name stands for.
pub fn data_type_oid(data_type: &DataType) -> Oid {
    match data_type {
        DataType::Array(
            ArrayElemTypeDef::SquareBracket(inner, _)
            | ArrayElemTypeDef::AngleBracket(inner)
            | ArrayElemTypeDef::Parenthesis(inner),
        ) => array_of(data_type_oid(inner)).unwrap_or(oid::TEXT_ARRAY),
        DataType::Array(ArrayElemTypeDef::None) => oid::TEXT_ARRAY,
        // `real` is float4 in PostgreSQL; a REAL column SQLite made stays float8 (its
        // values are doubles), so only the parsed PostgreSQL type maps here.
        DataType::Real | DataType::Float4 => oid::FLOAT4,
        other => oid_from_type_name(&other.to_string()),
    }
}

/// The type of `expr`, if the statement's text shows it: literals, casts, the functions
/// the rewriter emits and a few built-ins, and arithmetic over those.
pub fn expr_type(expr: &Expr) -> Option<Oid> {
    match expr {
        Expr::Value(v) => match &v.value {
            Value::Number(text, _) => Some(number_type(text)),
            Value::Boolean(_) => Some(oid::BOOL),
            _ => None,
        },
        Expr::Cast { data_type, .. } => Some(data_type_oid(data_type)),
        Expr::TypedString(t) => Some(data_type_oid(&t.data_type)),
        Expr::Nested(inner) => expr_type(inner),
        Expr::UnaryOp {
            op: UnaryOperator::Minus | UnaryOperator::Plus,
            expr,
        } => expr_type(expr),
        Expr::Function(f) => {
            let name = f.name.0.last()?.as_ident()?.value.to_ascii_lowercase();
            function_type(&name).or_else(|| container_function_type(&name, f))
        }
        Expr::BinaryOp { left, op, right } => {
            container_binary_type(left, op, right).or_else(|| {
                let (l, r) = (expr_type(left)?, expr_type(right)?);
                binary_type(l, op, r)
            })
        }
        Expr::Array(array) => {
            // Untyped literals among the elements resolve to text, as in PostgreSQL.
            let element = array.elem.iter().find_map(expr_type).unwrap_or(oid::TEXT);
            Some(match element_of(element) {
                Some(_) => element,
                None => array_of(element).unwrap_or(oid::TEXT_ARRAY),
            })
        }
        Expr::AnyOp { .. } | Expr::AllOp { .. } => Some(oid::BOOL),
        Expr::CompoundFieldAccess { root, access_chain } => {
            let ty = expr_type(root)?;
            match access_chain.as_slice() {
                [AccessExpr::Subscript(Subscript::Slice { .. })] => Some(ty),
                _ => element_of(ty),
            }
        }
        _ => None,
    }
}

/// The type of each result column of a (rewritten) `SELECT`, where its expression shows
/// it; empty for other statements and for a select list with `*`.
pub fn projection_types(statement: &Statement) -> SmallVec<[Option<Oid>; 8]> {
    let mut out = SmallVec::new();
    let Statement::Query(query) = statement else {
        return out;
    };
    let SetExpr::Select(select) = query.body.as_ref() else {
        return out;
    };
    for item in &select.projection {
        match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                out.push(expr_type(e));
            }
            _ => return SmallVec::new(),
        }
    }
    out
}

fn number_type(text: &str) -> Oid {
    if text.contains(['.', 'e', 'E']) {
        oid::NUMERIC
    } else if text.parse::<i32>().is_ok() {
        oid::INT4
    } else if text.parse::<i64>().is_ok() {
        oid::INT8
    } else {
        oid::NUMERIC
    }
}

fn function_type(name: &str) -> Option<Oid> {
    Some(match name {
        "pg_cast_date" | "pg_date_add" | "current_date" => oid::DATE,
        "current_user" | "session_user" | "user" | "current_role" | "current_catalog"
        | "current_database" | "current_schema" => oid::NAME,
        "pg_cast_timestamp" | "localtimestamp" => oid::TIMESTAMP,
        "pg_cast_timestamptz"
        | "now"
        | "current_timestamp"
        | "transaction_timestamp"
        | "statement_timestamp" => oid::TIMESTAMPTZ,
        "pg_cast_time" => oid::TIME,
        "pg_cast_bool"
        | "pg_table_is_visible"
        | "pg_type_is_visible"
        | "has_table_privilege"
        | "has_schema_privilege"
        | "has_database_privilege"
        | "has_column_privilege"
        | "has_sequence_privilege"
        | "has_function_privilege"
        | "has_any_column_privilege"
        | "pg_has_role" => oid::BOOL,
        "format_type"
        | "pg_get_indexdef"
        | "pg_get_constraintdef"
        | "pg_get_expr"
        | "obj_description"
        | "col_description"
        | "shobj_description"
        | "pg_regclass_out"
        | "pg_to_regtype_out"
        | "pg_regnamespace_out" => oid::TEXT,
        "pg_get_userbyid" | "pg_encoding_to_char" => oid::NAME,
        "pg_regclass" | "pg_to_regtype" | "pg_regnamespace" => oid::OID,
        "pg_cast_float" => oid::FLOAT8,
        "pg_cast_numeric" => oid::NUMERIC,
        "pg_cast_uuid" | "gen_random_uuid" => oid::UUID,
        "pg_date_diff" => oid::INT4,
        "pg_current_date" | "to_date" | "make_date" => oid::DATE,
        "pg_localtimestamp"
        | "pg_ts_add_interval"
        | "date_trunc"
        | "make_timestamp"
        | "pg_timestamptz_at_zone" => oid::TIMESTAMP,
        "pg_tstz_add_interval"
        | "pg_date_trunc_tz"
        | "to_timestamp"
        | "pg_timestamp_at_zone"
        | "clock_timestamp" => oid::TIMESTAMPTZ,
        "pg_localtime" => oid::TIME,
        "pg_current_time" => oid::TIMETZ,
        "pg_now" => oid::TIMESTAMPTZ,
        "pg_regtype" => oid::REGTYPE,
        "regexp_match" => oid::TEXT_ARRAY,
        "encode" | "to_hex" => oid::TEXT,
        "decode" => oid::BYTEA,
        "pg_overlaps" => oid::BOOL,
        "pg_cast_interval" | "pg_interval_add" | "pg_interval_mul" | "pg_interval_div"
        | "pg_interval_neg" | "pg_ts_diff" | "age" | "justify_hours" | "justify_days"
        | "justify_interval" | "pg_make_interval" => oid::INTERVAL,
        "pg_extract" => oid::NUMERIC,
        "date_part" => oid::FLOAT8,
        "isfinite" | "pg_regex" | "pg_regex_ci" | "pg_like" | "pg_similar" | "glob"
        | "starts_with" => oid::BOOL,
        "to_char" | "pg_substring" | "strpos_text" => oid::TEXT,
        "pg_cast_json"
        | "pg_json_get"
        | "pg_json_path"
        | "pg_json_build_object"
        | "pg_json_build_array"
        | "pg_json_agg" => oid::JSON,
        "pg_cast_jsonb"
        | "pg_jsonb_get"
        | "pg_jsonb_path"
        | "pg_jsonb_concat"
        | "pg_jsonb_delete"
        | "pg_jsonb_set"
        | "pg_jsonb_build_object"
        | "pg_jsonb_build_array"
        | "pg_jsonb_agg"
        | "pg_jsonb_strip_nulls" => oid::JSONB,
        "pg_json_get_text" | "pg_json_path_text" | "pg_json_typeof" | "pg_jsonb_pretty" => {
            oid::TEXT
        }
        "pg_jsonb_array_length" => oid::INT4,
        "pg_jsonb_exists"
        | "pg_jsonb_exists_any"
        | "pg_jsonb_exists_all"
        | "pg_jsonb_contains"
        | "pg_contains"
        | "pg_contained"
        | "pg_array_contains"
        | "pg_array_contained"
        | "pg_array_overlap"
        | "pg_array_any"
        | "pg_array_all" => oid::BOOL,
        _ => return None,
    })
}

/// The first plain argument of `f`.
fn first_arg(f: &Function) -> Option<&Expr> {
    let FunctionArguments::List(list) = &f.args else {
        return None;
    };
    match list.args.first()? {
        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
        _ => None,
    }
}

/// The type of a json or array function, which may depend on its arguments.
fn container_function_type(name: &str, f: &Function) -> Option<Oid> {
    Some(match name {
        "to_json"
        | "json_agg"
        | "json_build_object"
        | "json_build_array"
        | "json_object_agg"
        | "json_array_elements"
        | "json_strip_nulls"
        | "row_to_json" => oid::JSON,
        "to_jsonb"
        | "jsonb_agg"
        | "jsonb_build_object"
        | "jsonb_build_array"
        | "jsonb_object_agg"
        | "jsonb_array_elements"
        | "jsonb_set"
        | "jsonb_strip_nulls" => oid::JSONB,
        "jsonb_typeof"
        | "json_typeof"
        | "jsonb_pretty"
        | "jsonb_array_elements_text"
        | "json_array_elements_text"
        | "jsonb_object_keys"
        | "json_object_keys"
        | "array_to_string" => oid::TEXT,
        "jsonb_array_length" | "json_array_length" | "array_length" | "cardinality"
        | "array_position" | "array_upper" | "array_lower" | "array_ndims" => oid::INT4,
        "string_to_array" => oid::TEXT_ARRAY,
        "array_append" | "array_cat" | "array_remove" | "pg_array_append" | "pg_array_cat"
        | "pg_array_remove" | "pg_array_slice" | "pg_array_nest" => expr_type(first_arg(f)?)?,
        // What the rewriter emits for `ARRAY[...]` and `'{...}'::type[]`.
        "pg_array" => {
            let FunctionArguments::List(list) = &f.args else {
                return None;
            };
            let element = list.args.iter().find_map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => expr_type(e),
                _ => None,
            });
            element.and_then(array_of).unwrap_or(oid::TEXT_ARRAY)
        }
        "pg_cast_array" => {
            let FunctionArguments::List(list) = &f.args else {
                return None;
            };
            match list.args.get(1)? {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Value(v))) => match &v.value {
                    Value::SingleQuotedString(name) => array_of(oid_from_type_name(name))?,
                    _ => return None,
                },
                _ => return None,
            }
        }
        "array_prepend" => {
            let FunctionArguments::List(list) = &f.args else {
                return None;
            };
            match list.args.get(1)? {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => expr_type(e)?,
                _ => return None,
            }
        }
        "array_agg" => {
            let ty = expr_type(first_arg(f)?)?;
            if element_of(ty).is_some() {
                ty
            } else {
                array_of(ty)?
            }
        }
        "unnest" => crate::protocol::types::subscript_element_of(expr_type(first_arg(f)?)?)?,
        "generate_subscripts" => oid::INT4,
        _ => return None,
    })
}

/// The type of a json or array operator expression.
fn container_binary_type(left: &Expr, op: &BinaryOperator, right: &Expr) -> Option<Oid> {
    use BinaryOperator::*;
    let l = expr_type(left);
    Some(match op {
        Arrow | HashArrow => match l {
            Some(oid::JSON) => oid::JSON,
            _ => oid::JSONB,
        },
        LongArrow | HashLongArrow => oid::TEXT,
        AtArrow | ArrowAt | Question | QuestionPipe | QuestionAnd | PGOverlap => oid::BOOL,
        StringConcat | Minus => {
            let r = expr_type(right);
            match (l, r) {
                (Some(t), _) if element_of(t).is_some() => t,
                (_, Some(t)) if element_of(t).is_some() && *op == StringConcat => t,
                (Some(oid::JSONB), _) => oid::JSONB,
                _ => return None,
            }
        }
        _ => return None,
    })
}

/// True for the integer types.
pub fn is_integer(ty: Oid) -> bool {
    matches!(ty, oid::INT2 | oid::INT4 | oid::INT8)
}

/// The type of `l op r`.
pub fn binary_type(l: Oid, op: &BinaryOperator, r: Oid) -> Option<Oid> {
    use BinaryOperator::*;
    match op {
        Plus | Minus if l == oid::DATE && is_integer(r) => Some(oid::DATE),
        Plus if is_integer(l) && r == oid::DATE => Some(oid::DATE),
        Minus if l == oid::DATE && r == oid::DATE => Some(oid::INT4),
        Plus | Minus | Multiply | Divide | Modulo => {
            let number =
                |t: Oid| is_integer(t) || matches!(t, oid::FLOAT4 | oid::FLOAT8 | oid::NUMERIC);
            if !number(l) || !number(r) {
                None
            } else if is_integer(l) && is_integer(r) {
                Some(if l == oid::INT8 || r == oid::INT8 {
                    oid::INT8
                } else {
                    oid::INT4
                })
            } else if l == oid::FLOAT8 || r == oid::FLOAT8 {
                Some(oid::FLOAT8)
            } else if l == oid::NUMERIC || r == oid::NUMERIC {
                Some(oid::NUMERIC)
            } else {
                None
            }
        }
        PGExp => Some(if l == oid::NUMERIC || r == oid::NUMERIC {
            oid::NUMERIC
        } else {
            oid::FLOAT8
        }),
        BitwiseAnd | BitwiseOr | PGBitwiseXor | PGBitwiseShiftLeft | PGBitwiseShiftRight
            if is_integer(l) && is_integer(r) =>
        {
            Some(l)
        }
        StringConcat => Some(oid::TEXT),
        Eq | NotEq | Lt | LtEq | Gt | GtEq | And | Or => Some(oid::BOOL),
        PGRegexMatch | PGRegexIMatch | PGRegexNotMatch | PGRegexNotIMatch => Some(oid::BOOL),
        _ => None,
    }
}
