//! SQL data types, with the PostgreSQL OIDs clients pick their parsers by.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A column or expression type. Modifiers (`varchar(n)`, `numeric(p,s)`)
/// are part of the type; the stored [`crate::Value`] is the same.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DataType {
    Bool,
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    /// `numeric(precision, scale)`; `None` for unconstrained.
    Numeric(Option<(u32, u32)>),
    Text,
    /// `varchar(n)`; `None` for no limit.
    Varchar(Option<u32>),
    /// `char(n)` (bpchar), blank-padded; `None` is `bpchar` without length.
    Char(Option<u32>),
    /// `name`: an identifier, silently truncated to 63 bytes (NAMEDATALEN - 1).
    Name,
    /// `"char"`: PostgreSQL's single-byte internal type. The value is kept
    /// as its output text (`a`, `\377`, or empty for the zero byte).
    InternalChar,
    Bytea,
    Date,
    Time,
    Timestamp,
    Timestamptz,
    Interval,
    Uuid,
    Json,
    Jsonb,
    /// Object identifier (`oid`), used by the catalog.
    Oid,
    /// One-dimensional array of the element type.
    Array(Box<DataType>),
    /// The type of an untyped NULL or literal before resolution.
    Unknown,
    /// `cstring`: the pseudo-type of a type's input function argument and
    /// output function result (LANGUAGE internal functions only).
    Cstring,
    /// A user-defined base type (CREATE TYPE), by its pg_type oid and
    /// name. Its values are kept in the representation of the built-in
    /// type whose input and output functions it was created with.
    User {
        oid: u32,
        name: String,
    },
    /// `bit(n)`; `None` for a literal's own length. Values are the text of
    /// their `0`/`1` digits.
    Bit(Option<u32>),
    /// A user domain (CREATE DOMAIN): values are its base type's.
    /// (New variants go last: stored schemas keep decoding.)
    Domain(Box<DomainType>),
    /// A user enum (CREATE TYPE .. AS ENUM): values are their labels.
    Enum(Box<EnumType>),
}

/// What a domain-typed expression carries: enough to compute on the base
/// type without the catalog. Constraints stay in the catalog.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DomainType {
    /// The domain's pg_type oid.
    pub oid: u32,
    pub name: String,
    pub base: DataType,
}

/// An enum type with its labels in declaration (sort) order.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EnumType {
    /// The enum's pg_type oid.
    pub oid: u32,
    pub name: String,
    pub labels: Vec<String>,
}

impl DataType {
    /// The PostgreSQL type OID (what RowDescription carries).
    pub fn oid(&self) -> u32 {
        match self {
            DataType::Bool => 16,
            DataType::Bytea => 17,
            DataType::InternalChar => 18,
            DataType::Name => 19,
            DataType::Int8 => 20,
            DataType::Int2 => 21,
            DataType::Int4 => 23,
            DataType::Text => 25,
            DataType::Oid => 26,
            DataType::Json => 114,
            DataType::Float4 => 700,
            DataType::Float8 => 701,
            DataType::Unknown => 705,
            DataType::Domain(d) => d.oid,
            DataType::Enum(e) => e.oid,
            DataType::Char(_) => 1042,
            DataType::Varchar(_) => 1043,
            DataType::Date => 1082,
            DataType::Time => 1083,
            DataType::Timestamp => 1114,
            DataType::Timestamptz => 1184,
            DataType::Interval => 1186,
            DataType::Numeric(_) => 1700,
            DataType::Uuid => 2950,
            DataType::Jsonb => 3802,
            DataType::Cstring => 2275,
            DataType::Bit(_) => 1560,
            DataType::User { oid, .. } => *oid,
            DataType::Array(elem) => match elem.as_ref() {
                DataType::Bool => 1000,
                DataType::Bytea => 1001,
                DataType::InternalChar => 1002,
                DataType::Name => 1003,
                DataType::Int2 => 1005,
                DataType::Int4 => 1007,
                DataType::Text => 1009,
                DataType::Char(_) => 1014,
                DataType::Varchar(_) => 1015,
                DataType::Int8 => 1016,
                DataType::Float4 => 1021,
                DataType::Float8 => 1022,
                DataType::Oid => 1028,
                DataType::Timestamp => 1115,
                DataType::Date => 1182,
                DataType::Time => 1183,
                DataType::Timestamptz => 1185,
                DataType::Interval => 1187,
                DataType::Numeric(_) => 1231,
                DataType::Uuid => 2951,
                DataType::Json => 199,
                DataType::Jsonb => 3807,
                DataType::Cstring => 1263,
                DataType::Bit(_) => 1561,
                DataType::Domain(d) => DataType::Array(Box::new(d.base.clone())).oid(),
                // An enum's array type is numbered right after it.
                DataType::Enum(e) => e.oid + 1,
                DataType::Array(_) | DataType::Unknown | DataType::User { .. } => 0,
            },
        }
    }

    /// The type for an OID, where AionDB knows it (modifiers unset).
    pub fn from_oid(oid: u32) -> Option<DataType> {
        let base = |d: DataType| Some(DataType::Array(Box::new(d)));
        match oid {
            16 => Some(DataType::Bool),
            17 => Some(DataType::Bytea),
            18 => Some(DataType::InternalChar),
            19 => Some(DataType::Name),
            20 => Some(DataType::Int8),
            21 => Some(DataType::Int2),
            23 => Some(DataType::Int4),
            25 => Some(DataType::Text),
            26 => Some(DataType::Oid),
            114 => Some(DataType::Json),
            700 => Some(DataType::Float4),
            701 => Some(DataType::Float8),
            705 => Some(DataType::Unknown),
            1042 => Some(DataType::Char(None)),
            1043 => Some(DataType::Varchar(None)),
            1082 => Some(DataType::Date),
            1083 => Some(DataType::Time),
            1114 => Some(DataType::Timestamp),
            1184 => Some(DataType::Timestamptz),
            1186 => Some(DataType::Interval),
            1700 => Some(DataType::Numeric(None)),
            2950 => Some(DataType::Uuid),
            3802 => Some(DataType::Jsonb),
            1000 => base(DataType::Bool),
            1001 => base(DataType::Bytea),
            1002 => base(DataType::InternalChar),
            1003 => base(DataType::Name),
            1005 => base(DataType::Int2),
            1007 => base(DataType::Int4),
            1009 => base(DataType::Text),
            1014 => base(DataType::Char(None)),
            1015 => base(DataType::Varchar(None)),
            1016 => base(DataType::Int8),
            1021 => base(DataType::Float4),
            1022 => base(DataType::Float8),
            1028 => base(DataType::Oid),
            1115 => base(DataType::Timestamp),
            1182 => base(DataType::Date),
            1183 => base(DataType::Time),
            1185 => base(DataType::Timestamptz),
            1187 => base(DataType::Interval),
            1231 => base(DataType::Numeric(None)),
            2951 => base(DataType::Uuid),
            199 => base(DataType::Json),
            3807 => base(DataType::Jsonb),
            _ => None,
        }
    }

    /// Wire size for RowDescription (`-1` for variable length).
    pub fn type_len(&self) -> i16 {
        match self {
            DataType::Bool | DataType::InternalChar => 1,
            DataType::Name => 64,
            DataType::Int2 => 2,
            DataType::Int4 | DataType::Float4 | DataType::Date | DataType::Oid => 4,
            DataType::Int8
            | DataType::Float8
            | DataType::Time
            | DataType::Timestamp
            | DataType::Timestamptz => 8,
            DataType::Interval | DataType::Uuid => 16,
            DataType::Unknown => -2,
            DataType::Domain(d) => d.base.type_len(),
            DataType::Enum(_) => 4,
            _ => -1,
        }
    }

    /// The type modifier PostgreSQL reports (`atttypmod`), `-1` when none.
    pub fn typmod(&self) -> i32 {
        match self {
            DataType::Varchar(Some(n)) | DataType::Char(Some(n)) => *n as i32 + 4,
            DataType::Numeric(Some((p, s))) => (((*p as i32) << 16) | *s as i32) + 4,
            DataType::Bit(Some(n)) => *n as i32,
            DataType::Domain(d) => d.base.typmod(),
            _ => -1,
        }
    }

    /// The type values are computed in: a domain's base type (domains
    /// over domains flattened), otherwise the type itself.
    pub fn base_type(&self) -> &DataType {
        match self {
            DataType::Domain(d) => d.base.base_type(),
            other => other,
        }
    }

    /// The type with every domain replaced by its base type, also inside
    /// arrays.
    pub fn without_domains(&self) -> DataType {
        match self {
            DataType::Domain(d) => d.base.without_domains(),
            DataType::Array(e) => DataType::Array(Box::new(e.without_domains())),
            other => other.clone(),
        }
    }

    /// True for the integer, float and numeric types.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            DataType::Int2
                | DataType::Int4
                | DataType::Int8
                | DataType::Float4
                | DataType::Float8
                | DataType::Numeric(_)
        )
    }

    /// True for text, varchar, char, name and "char".
    pub fn is_string(&self) -> bool {
        matches!(
            self,
            DataType::Text
                | DataType::Varchar(_)
                | DataType::Char(_)
                | DataType::Name
                | DataType::InternalChar
        )
    }
}

impl fmt::Display for DataType {
    /// The name `format_type()` prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataType::Bool => f.write_str("boolean"),
            DataType::Int2 => f.write_str("smallint"),
            DataType::Int4 => f.write_str("integer"),
            DataType::Int8 => f.write_str("bigint"),
            DataType::Float4 => f.write_str("real"),
            DataType::Float8 => f.write_str("double precision"),
            DataType::Numeric(None) => f.write_str("numeric"),
            DataType::Numeric(Some((p, s))) => write!(f, "numeric({p},{s})"),
            DataType::Text => f.write_str("text"),
            DataType::Varchar(None) => f.write_str("character varying"),
            DataType::Varchar(Some(n)) => write!(f, "character varying({n})"),
            DataType::Char(None) => f.write_str("bpchar"),
            DataType::Char(Some(n)) => write!(f, "character({n})"),
            DataType::Name => f.write_str("name"),
            DataType::InternalChar => f.write_str("\"char\""),
            DataType::Bytea => f.write_str("bytea"),
            DataType::Date => f.write_str("date"),
            DataType::Time => f.write_str("time without time zone"),
            DataType::Timestamp => f.write_str("timestamp without time zone"),
            DataType::Timestamptz => f.write_str("timestamp with time zone"),
            DataType::Interval => f.write_str("interval"),
            DataType::Uuid => f.write_str("uuid"),
            DataType::Json => f.write_str("json"),
            DataType::Jsonb => f.write_str("jsonb"),
            DataType::Oid => f.write_str("oid"),
            DataType::Array(elem) => write!(f, "{elem}[]"),
            DataType::Unknown => f.write_str("unknown"),
            DataType::Cstring => f.write_str("cstring"),
            DataType::Bit(None) => f.write_str("bit"),
            DataType::Bit(Some(n)) => write!(f, "bit({n})"),
            DataType::User { name, .. } => f.write_str(name),
            DataType::Domain(d) => f.write_str(&d.name),
            DataType::Enum(e) => f.write_str(&e.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oids_round_trip() {
        for t in [
            DataType::Bool,
            DataType::Int8,
            DataType::Text,
            DataType::Timestamptz,
            DataType::Jsonb,
            DataType::Array(Box::new(DataType::Int4)),
        ] {
            assert_eq!(DataType::from_oid(t.oid()), Some(t.clone()), "{t}");
        }
        assert_eq!(DataType::Varchar(Some(10)).typmod(), 14);
        assert_eq!(
            DataType::Numeric(Some((10, 2))).to_string(),
            "numeric(10,2)"
        );
    }
}
