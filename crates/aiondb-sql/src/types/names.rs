//! Type-name resolution: the spellings SQL, `pg_type` and drivers use.

use aiondb_core::DataType;

/// Resolves a type name: `int4`, `integer`, `character varying(10)`,
/// `numeric(10,2)`, `timestamp with time zone`, `int4[]`, `_int4`, with an
/// optional `pg_catalog.` prefix. Case and inner whitespace do not matter.
/// `serial` (a column shorthand, not a type), `timetz` and unknown names
/// give `None`, as do invalid modifiers (`varchar(0)`, `numeric(2,3)`).
/// `name` maps to `text`. Precision modifiers of the time types
/// (`timestamp(3)`) are accepted and ignored.
pub fn parse_type_name(name: &str) -> Option<DataType> {
    let words: Vec<&str> = name.split_ascii_whitespace().collect();
    let norm = words.join(" ").to_ascii_lowercase();
    let norm = norm
        .strip_prefix("pg_catalog.")
        .unwrap_or(&norm)
        .trim()
        .to_string();
    if let Some(base) = norm.strip_suffix(']') {
        let open = base.rfind('[')?;
        let size = base[open + 1..].trim();
        if !size.is_empty() && size.parse::<u32>().is_err() {
            return None;
        }
        let elem = parse_type_name(&base[..open])?;
        return match elem {
            DataType::Array(_) => Some(elem),
            e => Some(DataType::Array(Box::new(e))),
        };
    }
    if let Some(elem) = norm.strip_prefix('_') {
        return match parse_type_name(elem)? {
            DataType::Array(_) => None,
            e => Some(DataType::Array(Box::new(e))),
        };
    }
    let (base, mods) = match norm.find('(') {
        Some(i) => {
            let close = norm.rfind(')')?;
            if close < i {
                return None;
            }
            let inner = &norm[i + 1..close];
            let mods: Option<Vec<u32>> = inner.split(',').map(|m| m.trim().parse().ok()).collect();
            // Words after the modifier: `time(3) with time zone`.
            let after = norm[close + 1..].trim();
            let base = format!("{} {after}", norm[..i].trim());
            (base.trim().to_string(), Some(mods?))
        }
        None => (norm.clone(), None),
    };
    let mods = mods.as_deref();
    let length = |default: Option<u32>| -> Option<Option<u32>> {
        match mods {
            None => Some(default),
            Some([n]) if *n >= 1 && *n <= 10_485_760 => Some(Some(*n)),
            _ => None,
        }
    };
    let plain = |t: DataType| if mods.is_none() { Some(t) } else { None };
    let timed = |t: DataType| match mods {
        None => Some(t),
        Some([p]) if *p <= 6 => Some(t),
        _ => None,
    };
    match base.as_str() {
        "bool" | "boolean" => plain(DataType::Bool),
        "int2" | "smallint" => plain(DataType::Int2),
        "int4" | "int" | "integer" => plain(DataType::Int4),
        "int8" | "bigint" => plain(DataType::Int8),
        "float4" | "real" => plain(DataType::Float4),
        "float8" | "double precision" => plain(DataType::Float8),
        "float" => match mods {
            None => Some(DataType::Float8),
            Some([p]) if (1..=24).contains(p) => Some(DataType::Float4),
            Some([p]) if (25..=53).contains(p) => Some(DataType::Float8),
            _ => None,
        },
        "numeric" | "decimal" | "dec" => match mods {
            None => Some(DataType::Numeric(None)),
            Some([p]) if (1..=1000).contains(p) => Some(DataType::Numeric(Some((*p, 0)))),
            Some([p, s]) if (1..=1000).contains(p) && s <= p => {
                Some(DataType::Numeric(Some((*p, *s))))
            }
            _ => None,
        },
        "text" => plain(DataType::Text),
        "name" => plain(DataType::Name),
        "\"char\"" => plain(DataType::InternalChar),
        "varchar" | "character varying" | "char varying" => length(None).map(DataType::Varchar),
        "char" | "character" => length(Some(1)).map(DataType::Char),
        "bpchar" => length(None).map(DataType::Char),
        "bytea" => plain(DataType::Bytea),
        "bit" => length(Some(1)).map(DataType::Bit),
        "date" => plain(DataType::Date),
        "time" | "time without time zone" => timed(DataType::Time),
        "timestamp" | "timestamp without time zone" => timed(DataType::Timestamp),
        "timestamptz" | "timestamp with time zone" => timed(DataType::Timestamptz),
        "interval" => timed(DataType::Interval),
        "uuid" => plain(DataType::Uuid),
        "json" => plain(DataType::Json),
        "jsonb" => plain(DataType::Jsonb),
        "oid" => plain(DataType::Oid),
        "unknown" => plain(DataType::Unknown),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names() {
        let arr = |t: DataType| DataType::Array(Box::new(t));
        let cases = [
            ("int4", DataType::Int4),
            ("integer", DataType::Int4),
            ("INT", DataType::Int4),
            ("bigint", DataType::Int8),
            ("smallint", DataType::Int2),
            ("character varying", DataType::Varchar(None)),
            ("character  varying(3)", DataType::Varchar(Some(3))),
            ("varchar(10)", DataType::Varchar(Some(10))),
            ("bpchar", DataType::Char(None)),
            ("char", DataType::Char(Some(1))),
            ("char(5)", DataType::Char(Some(5))),
            ("bool", DataType::Bool),
            ("double precision", DataType::Float8),
            ("float8", DataType::Float8),
            ("float", DataType::Float8),
            ("float(24)", DataType::Float4),
            ("float4", DataType::Float4),
            ("real", DataType::Float4),
            ("timestamptz", DataType::Timestamptz),
            ("timestamp with time zone", DataType::Timestamptz),
            ("timestamp(3) without time zone", DataType::Timestamp),
            ("numeric", DataType::Numeric(None)),
            ("decimal(10,2)", DataType::Numeric(Some((10, 2)))),
            ("numeric(5)", DataType::Numeric(Some((5, 0)))),
            ("text", DataType::Text),
            ("name", DataType::Name),
            ("\"char\"", DataType::InternalChar),
            ("bytea", DataType::Bytea),
            ("json", DataType::Json),
            ("jsonb", DataType::Jsonb),
            ("uuid", DataType::Uuid),
            ("date", DataType::Date),
            ("time", DataType::Time),
            ("interval", DataType::Interval),
            ("oid", DataType::Oid),
            ("pg_catalog.int8", DataType::Int8),
            ("int4[]", arr(DataType::Int4)),
            ("_int4", arr(DataType::Int4)),
            ("text[3]", arr(DataType::Text)),
            ("varchar(5)[]", arr(DataType::Varchar(Some(5)))),
            ("_varchar", arr(DataType::Varchar(None))),
        ];
        for (name, want) in cases {
            assert_eq!(parse_type_name(name), Some(want), "{name}");
        }
        for bad in [
            "serial",
            "bigserial",
            "timetz",
            "varchar(0)",
            "numeric(2,3)",
            "int4(3)",
            "foo",
            "",
            "float(54)",
            "__int4",
            "int4[x]",
        ] {
            assert_eq!(parse_type_name(bad), None, "{bad}");
        }
    }
}
