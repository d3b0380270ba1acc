//! Binary wire formats (`typsend` / `typreceive`), as drivers such as
//! tokio-postgres, pgJDBC and psycopg read and write them.
//!
//! | type                         | format                                        |
//! |------------------------------|-----------------------------------------------|
//! | bool                         | 1 byte, 0 or 1 (any non-zero reads as true)   |
//! | int2 / int4 / int8 / oid     | big-endian two's complement (oid: u32)        |
//! | float4 / float8              | IEEE 754, big-endian                          |
//! | numeric                      | ndigits, weight, sign, dscale, base-10000 i16s |
//! | text / varchar / char / json | raw UTF-8                                     |
//! | jsonb                        | version byte `1`, then the text               |
//! | bytea                        | raw bytes                                     |
//! | date                         | i32 days since 2000-01-01                     |
//! | time                         | i64 µs since midnight                         |
//! | timestamp / timestamptz      | i64 µs since 2000-01-01 (UTC for tz)          |
//! | interval                     | i64 µs, i32 days, i32 months                  |
//! | uuid                         | 16 bytes                                      |
//! | arrays                       | ndim, has-null, elem oid, (size, lbound)*, (len or -1, bytes)* |

use super::errors::{bad_binary, bad_utf8, datetime_out_of_range, insufficient_data};
use super::{datetime, json, name_char, numeric, text};
use aiondb_core::{DataType, DbError, DbResult, Interval, SqlState, Value};

/// A cursor over a binary message.
struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> DbResult<&'a [u8]> {
        let end = self.pos.checked_add(n).ok_or_else(insufficient_data)?;
        let s = self.b.get(self.pos..end).ok_or_else(insufficient_data)?;
        self.pos = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> DbResult<[u8; N]> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    fn i32(&mut self) -> DbResult<i32> {
        self.array().map(i32::from_be_bytes)
    }

    fn i64(&mut self) -> DbResult<i64> {
        self.array().map(i64::from_be_bytes)
    }

    fn done(&self) -> DbResult<()> {
        if self.pos == self.b.len() {
            Ok(())
        } else {
            Err(bad_binary("extra bytes after the value"))
        }
    }
}

fn utf8(bytes: &[u8]) -> DbResult<&str> {
    std::str::from_utf8(bytes).map_err(|e| bad_utf8(&bytes[e.valid_up_to()..]))
}

/// `typreceive`: reads the binary form of a value of type `ty`. The type
/// modifier is applied as for text input (`varchar(n)`, `numeric(p,s)`).
pub fn decode_binary(bytes: &[u8], ty: &DataType) -> DbResult<Value> {
    let mut r = Reader { b: bytes, pos: 0 };
    let v = match ty {
        DataType::Domain(d) => return decode_binary(bytes, &d.base),
        DataType::Enum(e) => {
            return super::enum_type::parse_label(utf8(bytes)?, e).map(Value::Text);
        }
        DataType::Bool => Value::Bool(r.array::<1>()?[0] != 0),
        DataType::Int2 => Value::Int2(i16::from_be_bytes(r.array()?)),
        DataType::Int4 => Value::Int4(r.i32()?),
        DataType::Int8 => Value::Int8(r.i64()?),
        DataType::Oid => Value::Int8(u32::from_be_bytes(r.array()?) as i64),
        DataType::Float4 => Value::Float4(f32::from_be_bytes(r.array()?)),
        DataType::Float8 => Value::Float8(f64::from_be_bytes(r.array()?)),
        DataType::Numeric(typmod) => {
            let n = numeric::decode_numeric(bytes)?;
            return numeric::apply_typmod(n, *typmod).map(Value::Numeric);
        }
        DataType::Text | DataType::Unknown => {
            return text::check_text(utf8(bytes)?).map(Value::Text);
        }
        DataType::Varchar(n) => return text::parse_varchar(utf8(bytes)?, *n).map(Value::Text),
        DataType::Char(n) => return text::parse_char(utf8(bytes)?, *n).map(Value::Text),
        DataType::Name => {
            let s = text::check_text(utf8(bytes)?)?;
            return Ok(Value::Text(name_char::parse_name(&s)));
        }
        DataType::InternalChar => Value::Text(name_char::format_char_byte(r.array::<1>()?[0])),
        DataType::Json => return json::parse_json(utf8(bytes)?).map(Value::Json),
        DataType::Jsonb => {
            let version = r.array::<1>()?[0];
            if version != 1 {
                return Err(DbError::new(
                    SqlState::INVALID_BINARY_REPRESENTATION,
                    format!("unsupported jsonb version number {version}"),
                ));
            }
            return json::parse_jsonb(utf8(&bytes[1..])?).map(Value::Jsonb);
        }
        DataType::Bytea => return Ok(Value::Bytea(bytes.to_vec())),
        DataType::Date => {
            let d = r.i32()?;
            let ok = d == datetime::DATE_NEG_INF
                || d == datetime::DATE_POS_INF
                || (-2_451_545..2_145_031_949).contains(&d);
            if !ok {
                return Err(datetime_out_of_range("date"));
            }
            Value::Date(d)
        }
        DataType::Time => {
            let t = r.i64()?;
            if !(0..=datetime::USECS_PER_DAY).contains(&t) {
                return Err(datetime_out_of_range("time"));
            }
            Value::Time(t)
        }
        DataType::Timestamp | DataType::Timestamptz => {
            let t = r.i64()?;
            let ok = t == datetime::TS_NEG_INF
                || t == datetime::TS_POS_INF
                || (-211_813_488_000_000_000..9_223_371_331_200_000_000).contains(&t);
            if !ok {
                return Err(datetime_out_of_range("timestamp"));
            }
            if *ty == DataType::Timestamp {
                Value::Timestamp(t)
            } else {
                Value::Timestamptz(t)
            }
        }
        DataType::Interval => {
            let micros = r.i64()?;
            let days = r.i32()?;
            let months = r.i32()?;
            Value::Interval(Interval {
                months,
                days,
                micros,
            })
        }
        DataType::Uuid => Value::Uuid(r.array()?),
        DataType::Array(elem) => Value::Array(decode_array(&mut r, elem)?),
        DataType::Cstring | DataType::User { .. } | DataType::Bit(_) => {
            return Err(DbError::not_supported(format!("binary input of type {ty}")));
        }
    };
    r.done()?;
    Ok(v)
}

fn decode_array(r: &mut Reader<'_>, elem: &DataType) -> DbResult<Vec<Value>> {
    let ndim = r.i32()?;
    let flags = r.i32()?;
    let elem_oid = r.i32()? as u32;
    if !(0..=6).contains(&ndim) {
        return Err(bad_binary(&format!("invalid number of dimensions: {ndim}")));
    }
    if ndim > 1 {
        return Err(DbError::not_supported(
            "multidimensional arrays are not supported",
        ));
    }
    if flags != 0 && flags != 1 {
        return Err(bad_binary("invalid array flags"));
    }
    if elem_oid != elem.oid() {
        return Err(DbError::new(
            SqlState::DATATYPE_MISMATCH,
            "wrong element type",
        ));
    }
    if ndim == 0 {
        return Ok(Vec::new());
    }
    let n = r.i32()?;
    let _lower_bound = r.i32()?;
    if n < 0 {
        return Err(bad_binary("negative array dimension"));
    }
    // Every element needs at least its 4-byte length word.
    if (n as usize).saturating_mul(4) > r.b.len() - r.pos {
        return Err(insufficient_data());
    }
    let mut out = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let len = r.i32()?;
        if len == -1 {
            out.push(Value::Null);
        } else if len < 0 {
            return Err(bad_binary("invalid element length"));
        } else {
            out.push(decode_binary(r.take(len as usize)?, elem)?);
        }
    }
    Ok(out)
}

/// `typsend`: the binary form of `value` as type `ty`.
pub fn encode_binary(value: &Value, ty: &DataType) -> DbResult<Vec<u8>> {
    let out = match (ty, value) {
        (DataType::Domain(d), _) => return encode_binary(value, &d.base),
        (DataType::Enum(_), Value::Text(s)) => s.as_bytes().to_vec(),
        (DataType::Bool, Value::Bool(b)) => vec![*b as u8],
        (DataType::Bit(_), Value::Text(bits)) => super::bit::encode_bits(bits),
        (DataType::Int2, Value::Int2(v)) => v.to_be_bytes().to_vec(),
        (DataType::Int4, Value::Int4(v)) => v.to_be_bytes().to_vec(),
        (DataType::Int8, Value::Int8(v)) => v.to_be_bytes().to_vec(),
        (DataType::Oid, Value::Int8(v)) => (*v as u32).to_be_bytes().to_vec(),
        (DataType::Oid, Value::Int4(v)) => v.to_be_bytes().to_vec(),
        (DataType::Float4, Value::Float4(v)) => v.to_be_bytes().to_vec(),
        (DataType::Float8, Value::Float8(v)) => v.to_be_bytes().to_vec(),
        (DataType::Numeric(_), Value::Numeric(n)) => numeric::encode_numeric(n),
        (
            DataType::Text
            | DataType::Varchar(_)
            | DataType::Char(_)
            | DataType::Name
            | DataType::Unknown,
            Value::Text(s),
        ) => s.as_bytes().to_vec(),
        (DataType::InternalChar, Value::Text(s)) => vec![name_char::char_byte(s)],
        (DataType::Json, Value::Json(s)) => s.as_bytes().to_vec(),
        (DataType::Jsonb, Value::Jsonb(s)) => {
            let mut v = Vec::with_capacity(s.len() + 1);
            v.push(1);
            v.extend_from_slice(s.as_bytes());
            v
        }
        (DataType::Bytea, Value::Bytea(b)) => b.clone(),
        (DataType::Date, Value::Date(d)) => d.to_be_bytes().to_vec(),
        (DataType::Time, Value::Time(t))
        | (DataType::Timestamp, Value::Timestamp(t))
        | (DataType::Timestamptz, Value::Timestamptz(t)) => t.to_be_bytes().to_vec(),
        (DataType::Interval, Value::Interval(i)) => {
            let mut v = Vec::with_capacity(16);
            v.extend_from_slice(&i.micros.to_be_bytes());
            v.extend_from_slice(&i.days.to_be_bytes());
            v.extend_from_slice(&i.months.to_be_bytes());
            v
        }
        (DataType::Uuid, Value::Uuid(u)) => u.to_vec(),
        (DataType::Array(elem), Value::Array(items)) => {
            if matches!(elem.as_ref(), DataType::Array(_)) {
                return Err(DbError::not_supported(
                    "multidimensional arrays are not supported",
                ));
            }
            let mut v = Vec::new();
            let has_null = items.iter().any(Value::is_null);
            v.extend_from_slice(&(if items.is_empty() { 0i32 } else { 1 }).to_be_bytes());
            v.extend_from_slice(&(has_null as i32).to_be_bytes());
            v.extend_from_slice(&elem.oid().to_be_bytes());
            if !items.is_empty() {
                v.extend_from_slice(&(items.len() as i32).to_be_bytes());
                v.extend_from_slice(&1i32.to_be_bytes());
            }
            for item in items {
                if item.is_null() {
                    v.extend_from_slice(&(-1i32).to_be_bytes());
                } else {
                    let e = encode_binary(item, elem)?;
                    v.extend_from_slice(&(e.len() as i32).to_be_bytes());
                    v.extend_from_slice(&e);
                }
            }
            v
        }
        (_, Value::Null) => return Err(DbError::internal("encode_binary called with NULL")),
        _ => return Err(super::errors::value_type_mismatch(value, ty)),
    };
    Ok(out)
}
